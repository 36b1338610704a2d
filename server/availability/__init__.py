"""The availability engine: which starts a link can offer, and why the others can't.

Pure Python (standard library only): no Flask, no SQLAlchemy. Everything else feeds it weekly
hours, rules, a window and busy intervals (booked meetings with the buffers they keep); it
returns timezone-aware UTC datetimes.
"""

from server.availability.busy import BusySource
from server.availability.engine import (
    KINDS,
    Reason,
    candidate_starts,
    choose_round_robin_host,
    explain,
    free_hosts,
    free_slots,
    is_bookable,
    local_day_range,
    team_slots,
)
from server.availability.intervals import Interval, Meeting, as_utc, merge, overlaps
from server.availability.rules import DailyHours, SlotRules, Window

__all__ = [
    "KINDS",
    "BusySource",
    "DailyHours",
    "Interval",
    "Meeting",
    "Reason",
    "SlotRules",
    "Window",
    "as_utc",
    "candidate_starts",
    "choose_round_robin_host",
    "explain",
    "free_hosts",
    "free_slots",
    "is_bookable",
    "local_day_range",
    "merge",
    "overlaps",
    "team_slots",
]
