"""The availability engine: which starts a link can offer, and why the others can't.

Pure Python (standard library only): no Flask, no SQLAlchemy. Everything else feeds it weekly
hours, rules, a window and busy intervals (booked meetings with the buffers they keep); it
returns timezone-aware UTC datetimes.

Import from the module that defines a name, read in this order: ``rules`` (weekly hours, the
window, ``SlotRules``), ``intervals`` (half-open UTC intervals), ``busy`` (``BusySource``) and
``engine`` (candidate starts, free slots, teams and the reasons a start isn't offered).
"""
