"""What a link's slots were computed from, told in one small query (issue 14.4).

A link's slots follow from the link (its rules, hours, date overrides and hosts), the time
its hosts' bookings hold, and their calendars (which are checked and how, their cached
events, a connection's status). Two versions cover all of it, each renewed in the unit of
work of a change, so :func:`slots_fingerprint` is the same before and after only when
nothing that moves the slots has changed, on any process or machine:

- ``booking_links.slots_version``: an edit of the link, its hours, overrides or hosts;
- ``users.slots_version`` of each host: a booking, cancel or reschedule holding or freeing
  their time, and any change to their calendars or connections (a sync renews the
  calendar's ``busy_version`` with its rows, a switch or a status is a change of its row).

:func:`install` renews them in every flush that touches those rows, so no path (API,
dashboard, worker) can forget to. The fingerprint reads three small tables by the slug's
index: about a millisecond on PostgreSQL, a fraction of one on SQLite.
"""

from __future__ import annotations

from functools import cache
from itertools import chain
from typing import Any
from uuid import uuid4

from sqlalchemy import Select, bindparam, event, select, update
from sqlalchemy.orm import Session, UOWTransaction

from server.accounts.models import User
from server.bookings.models import Booking, BookingHost
from server.calendars.models import Calendar, CalendarBusy, CalendarConnection
from server.links.models import BookingLink, LinkDateOverride, LinkHost, LinkHours

__all__ = ["Fingerprint", "install", "slots_fingerprint"]

#: the rows :func:`slots_fingerprint` read: equal fingerprints, equal slots at one instant
Fingerprint = tuple[tuple[Any, ...], ...]


@cache
def _fingerprint_statement() -> Select[Any]:
    """Built once: the query runs on every GET slots, and building it costs more than it."""
    return (
        select(
            BookingLink.id,
            BookingLink.slots_version,
            BookingLink.deleted_at,
            User.id,
            User.slots_version,
        )
        .select_from(BookingLink)
        .join(LinkHost, LinkHost.link_id == BookingLink.id)
        .join(User, User.id == LinkHost.user_id)
        .where(BookingLink.slug == bindparam("slug"))
        .order_by(User.id)
    )


def slots_fingerprint(session: Session, slug: str) -> Fingerprint:
    """Every version the slots of the link at ``slug`` depend on, in one query; empty when
    no link has that slug.

    On PostgreSQL the one statement is read outside a transaction (autocommit): no BEGIN
    and no ROLLBACK, two round trips fewer on a path that is nothing but this query.
    """
    params = {"slug": slug}
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return tuple(tuple(row) for row in session.execute(_fingerprint_statement(), params))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return tuple(tuple(row) for row in connection.execute(_fingerprint_statement(), params))


def _changed(session: Session) -> tuple[set[int], set[int]]:
    """The hosts and links whose slots this flush may move."""
    users: set[int] = set()
    links: set[int] = set()
    for row in chain(session.new, session.dirty, session.deleted):
        if isinstance(row, BookingHost):
            users.add(row.user_id)
        elif isinstance(row, Booking):
            users.add(row.host_id)  # its buffers and times are the held time's too
        elif isinstance(row, (Calendar, CalendarConnection, CalendarBusy)):
            users.add(row.user_id)  # a sync (busy_version), a switch, a status, a removal
        elif isinstance(row, BookingLink):
            links.add(row.id)
        elif isinstance(row, (LinkHours, LinkDateOverride, LinkHost)):
            links.add(row.link_id)
    users.discard(None)  # type: ignore[arg-type]
    links.discard(None)  # type: ignore[arg-type]
    return users, links


def _renew(session: Session, _context: UOWTransaction) -> None:
    users, links = _changed(session)
    if not users and not links:
        return
    connection = session.connection()
    version = uuid4().hex
    # one row at a time, in id order: the order bookings lock their hosts in (no deadlock)
    for user_id in sorted(users):
        connection.execute(update(User).where(User.id == user_id).values(slots_version=version))
    for link_id in sorted(links):
        connection.execute(
            update(BookingLink).where(BookingLink.id == link_id).values(slots_version=version)
        )


def install() -> None:
    """Renew the versions in every flush that changes what they cover (idempotent)."""
    if not event.contains(Session, "after_flush", _renew):
        event.listen(Session, "after_flush", _renew)
