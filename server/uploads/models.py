"""Uploaded images (P3 logo, L3 link photo).

Images are kept in the database rather than under ``instance/``: several server processes
may serve the same account (SPEC §2), and a logo is small (≤ 2 MB, checked on the way in).
"""

from __future__ import annotations

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from server.accounts.models import AccountOwned
from server.db import Base

__all__ = ["Upload"]


class Upload(AccountOwned, Base):
    """An image an account uploaded (logo, link photo), served publicly under its random key."""

    __tablename__ = "uploads"

    #: the unguessable public name: ``/uploads/<key>``
    key: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
