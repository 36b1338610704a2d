"""Readable URL parts: host prefixes (P1), link slugs (L3), keys of questions and types.

One rule for all of them, so that a prefix, a slug and a question's key made from the same
words look alike: lower-case ASCII words joined by hyphens, and when a name is taken, the
same words with ``-2``, ``-3``… after them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

from slugify import slugify as _slugify

__all__ = ["MAX_LENGTH", "first_free", "numbered", "slugify"]

#: a DNS label's length: a slug part is also a URL segment people type
MAX_LENGTH = 63
_ROOM = MAX_LENGTH - 5  # "-9999" still fits


def slugify(text: str, fallback: str = "meeting") -> str:
    """Lower-case ASCII words joined by hyphens, for URLs a person can read and type.

    Other scripts are transliterated (python-slugify, through text-unidecode), so
    ``"Алиса Мартин"`` gives ``"alisa-martin"`` and ``"李小龙"`` ``"li-xiao-long"`` rather than
    dropping every letter and leaving only ``fallback``.
    """
    slug = _slugify(text, max_length=MAX_LENGTH, lowercase=True)
    return slug or fallback


def numbered(wanted: str) -> Iterator[str]:
    """``wanted``, then ``wanted-2``, ``wanted-3``…: the words cut to leave room for the number."""
    yield wanted
    for n in itertools.count(2):
        yield f"{wanted[:_ROOM]}-{n}"


def first_free(wanted: str, taken: Callable[[str], bool]) -> str:
    """The first of :func:`numbered` for which ``taken`` says no."""
    return next(name for name in numbered(wanted) if not taken(name))
