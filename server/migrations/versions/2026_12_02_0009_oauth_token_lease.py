"""Calendars: the lease that keeps two processes from refreshing one OAuth grant at once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:00:03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_connections") as batch:
        batch.add_column(sa.Column("token_lease_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calendar_connections") as batch:
        batch.drop_column("token_lease_until")
