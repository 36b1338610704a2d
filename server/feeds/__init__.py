"""A host's private iCal subscription of their bookings (SPEC §10; issue 14.6): for calendar
apps that can't be connected (a work Outlook without OAuth, a phone's own calendar), a secret
address they read every hour. Revocable: a new address ends the old one."""
