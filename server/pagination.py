"""Cursor pagination for the host API's lists (SPEC §10 conventions).

Every list answers ``{"items": [...], "next_cursor": "…" | null}`` and takes ``?limit=``
(default 50, at most 500) and ``?cursor=``. The cursor is a keyset, not an offset: it holds
the sort key of the last item shown, so a page is one indexed range query however deep it
is, and a row added or removed meanwhile neither repeats nor skips the rows after it. It is
opaque to clients (base64 of JSON); a cursor that doesn't decode is a 422 on ``cursor``.
It carries no account: the query it continues is still the caller's own.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from server.errors import ValidationFailed

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "PageQuerySchema", "page_of", "paginate"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


class PageQuerySchema(Schema):
    """``?limit=`` and ``?cursor=``; list queries with their own filters inherit it."""

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": f"items per page (default {DEFAULT_LIMIT})"},
    )
    cursor = fields.String(
        validate=validate.Length(1, 1000),
        metadata={"description": "the previous page's next_cursor"},
    )


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """The page schema of ``item`` (``LinkView`` → ``LinkViewPage`` in the OpenAPI document)."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                allow_none=True,
                required=True,
                metadata={"description": "the cursor of the next page; null on the last one"},
            ),
        },
    )


@dataclass(frozen=True)
class Page:
    """One page of a list, as :func:`page_of` dumps it."""

    items: list[Any]
    next_cursor: str | None

    def map(self, view: Callable[[Any], Any]) -> Page:
        return Page([view(item) for item in self.items], self.next_cursor)


def paginate(
    session: Session,
    statement: Select[tuple[T]],
    *,
    order: Sequence[InstrumentedAttribute[Any]],
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> Page:
    """The page of ``statement``'s rows after ``cursor``, ordered by ``order``.

    ``order`` must end with a unique column (the id) so the order is total; every column goes
    the same way. ``statement`` must not be ordered or limited already.

    :raise ValidationFailed: a cursor that isn't one of ours (``fields.cursor``).
    """
    if cursor is not None:
        try:
            after = _after(order, _decode(cursor, len(order)), descending)
        except (TypeError, ValueError) as exc:  # decodes, but isn't this list's key
            raise _not_ours() from exc
        statement = statement.where(after)
    keys = [column.desc() if descending else column.asc() for column in order]
    rows = list(session.scalars(statement.order_by(*keys).limit(limit + 1)))
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, _encode([getattr(rows[-1], column.key) for column in order]))


def _after(
    order: Sequence[InstrumentedAttribute[Any]], values: list[Any], descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order: (a, b) > (x, y) spelled out, which every
    database plans as a range on the index."""
    terms = []
    for i, column in enumerate(order):
        value = _typed(column, values[i])
        beyond = column < value if descending else column > value
        terms.append(and_(*(order[j] == _typed(order[j], values[j]) for j in range(i)), beyond))
    return or_(*terms)


def _typed(column: InstrumentedAttribute[Any], value: Any) -> Any:
    kind = getattr(column.type, "impl_instance", column.type)  # what a TypeDecorator wraps
    python_type = kind.python_type
    if issubclass(python_type, datetime):
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError("a cursor's time has its offset")
        return instant
    if not isinstance(value, python_type):
        raise TypeError(f"{value!r} is no {python_type.__name__}")
    return value


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    text = json.dumps(plain, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values)
    ):
        raise _not_ours()
    return values


def _not_ours() -> ValidationFailed:
    return ValidationFailed({"cursor": ["Not a cursor of this list."]})
