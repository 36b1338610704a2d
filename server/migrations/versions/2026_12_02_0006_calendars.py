"""Calendars (SPEC §5): connections, their calendars and the busy time cached from them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "calendar_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("failing_since", UTCDateTime(), nullable=True),
        sa.Column("last_synced_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "provider IN ('caldav', 'ics', 'google', 'microsoft')",
            name=op.f("ck_calendar_connections_provider"),
        ),
        sa.CheckConstraint(
            "status IN ('connected', 'error', 'disconnected')",
            name=op.f("ck_calendar_connections_status"),
        ),
        _fk("calendar_connections", "account_id", "accounts"),
        _fk("calendar_connections", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_connections")),
    )
    for column in ("account_id", "user_id"):
        op.create_index(op.f(f"ix_calendar_connections_{column}"), "calendar_connections", [column])
    op.create_table(
        "calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=2000), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("writable", sa.Boolean(), nullable=False),
        sa.Column("check_conflicts", sa.Boolean(), nullable=False),
        sa.Column("tentative_busy", sa.Boolean(), nullable=False),
        sa.Column("ignore_all_day", sa.Boolean(), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("synced_from", UTCDateTime(), nullable=True),
        sa.Column("synced_until", UTCDateTime(), nullable=True),
        sa.Column("last_synced_at", UTCDateTime(), nullable=True),
        sa.Column("next_sync_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("calendars", "connection_id", "calendar_connections"),
        _fk("calendars", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendars")),
    )
    for column in ("connection_id", "user_id", "next_sync_at"):
        op.create_index(op.f(f"ix_calendars_{column}"), "calendars", [column])
    op.create_table(
        "calendar_busy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("resource", sa.String(length=2000), nullable=False),
        sa.Column("uid", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_calendar_busy_ends_after_start")),
        _fk("calendar_busy", "calendar_id", "calendars"),
        _fk("calendar_busy", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_busy")),
    )
    op.create_index("ix_calendar_busy_user_start", "calendar_busy", ["user_id", "start_at"])
    op.create_index(
        "ix_calendar_busy_calendar_resource", "calendar_busy", ["calendar_id", "resource"]
    )


def downgrade() -> None:
    op.drop_table("calendar_busy")
    op.drop_table("calendars")
    op.drop_table("calendar_connections")
