"""One rule for tenancy (A2): a row of another account is as good as missing."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from server.errors import NotFound

__all__ = ["account_row"]

T = TypeVar("T")


def account_row(session: Session, model: type[T], row_id: Any, account_id: int, what: str) -> T:
    """The ``model`` row ``row_id`` if it belongs to ``account_id``.

    :raise NotFound: "No such <what>." whether it doesn't exist or is another account's, so
        ids of other accounts can't be probed.
    """
    row = session.get(model, row_id)
    if row is None or getattr(row, "account_id", None) != account_id:
        raise NotFound(f"No such {what}.")
    return row
