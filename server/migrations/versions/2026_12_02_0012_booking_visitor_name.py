"""Bookings keep the name the visitor typed: a known contact's record is not rewritten by it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:00:06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("visitor_first_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("visitor_last_name", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("visitor_last_name")
        batch.drop_column("visitor_first_name")
