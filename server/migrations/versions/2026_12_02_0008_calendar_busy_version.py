"""Calendars: the busy cache's version, so each process may keep a calendar's busy rows in
memory and know at once when a sync changed them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:00:02
"""

from __future__ import annotations

from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(sa.Column("busy_version", sa.String(length=32), nullable=True))
    calendars = sa.table("calendars", sa.column("id", sa.Integer), sa.column("busy_version"))
    bind = op.get_bind()
    for (calendar_id,) in bind.execute(sa.select(calendars.c.id)).all():
        bind.execute(
            calendars.update().where(calendars.c.id == calendar_id).values(busy_version=uuid4().hex)
        )
    with op.batch_alter_table("calendars") as batch:
        batch.alter_column("busy_version", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.drop_column("busy_version")
