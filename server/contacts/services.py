"""Contacts are found or created by email within an account, never across accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.clock import utcnow
from server.contacts.models import Contact

__all__ = ["upsert_contact"]


def upsert_contact(
    session: Session,
    account_id: int,
    *,
    email: str,
    first_name: str,
    last_name: str,
    properties: Mapping[str, Any],
) -> Contact:
    """B4: the contact with this email, created if new, its name and properties updated.

    ``INSERT … ON CONFLICT DO NOTHING`` first, so two first bookings by the same new visitor
    in two transactions can't both try to create the contact.
    """
    email = email.strip().lower()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    session.execute(
        insert(Contact)
        .values(
            account_id=account_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            properties=dict(properties),
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["account_id", "email"])
    )
    contact = session.scalars(
        select(Contact)
        .where(Contact.account_id == account_id, Contact.email == email)
        .execution_options(populate_existing=True)
    ).one()
    contact.first_name = first_name
    contact.last_name = last_name
    contact.properties = {**(contact.properties or {}), **properties}
    return contact
