"""Calendar write-back (SPEC §5): the jobs that put each booking's event in the host's calendar

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("event_may_exist", sa.Boolean(), nullable=False),
        sa.Column("href", sa.String(length=2000), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("action IN ('put', 'delete')", name=op.f("ck_calendar_jobs_action")),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'failed')", name=op.f("ck_calendar_jobs_status")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_calendar_jobs_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_calendar_jobs_calendar_id_calendars"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_jobs")),
        sa.UniqueConstraint("booking_id", "calendar_id", name=op.f("uq_calendar_jobs_booking_id")),
    )
    for column in ("booking_id", "next_attempt_at"):
        op.create_index(op.f(f"ix_calendar_jobs_{column}"), "calendar_jobs", [column])


def downgrade() -> None:
    op.drop_table("calendar_jobs")
