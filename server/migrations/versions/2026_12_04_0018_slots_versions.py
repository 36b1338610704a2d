"""Slots versions: a link's and a host's, renewed with every change that can move their
slots, so each process may keep a link's slots answers and know at once when they are stale
(issue 14.4)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 00:00:03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # null is a version too: the first change renews it, like any other
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("slots_version", sa.String(length=32), nullable=True))
    with op.batch_alter_table("booking_links") as batch:
        batch.add_column(sa.Column("slots_version", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking_links") as batch:
        batch.drop_column("slots_version")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("slots_version")
