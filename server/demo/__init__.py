"""The demo of ``make run``: a host with the preset links, and a sample agenda for them.

The sample agenda is an ICS feed served by the app itself (``/demo/calendar.ics``), so a
newcomer's first look at the booking page already shows calendar busy time keeping slots
away, through the same subscription, cache and worker sync as any host's feed.
"""
