"""Meeting requests (C6): what visitors ask for on a link's request form

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:47:59.294808
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("preferred_times", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_meeting_requests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_meeting_requests_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["booking_links.id"],
            name=op.f("fk_meeting_requests_link_id_booking_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_requests")),
    )
    with op.batch_alter_table("meeting_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_requests_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_requests_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_requests_contact_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_requests_account_id"))

    op.drop_table("meeting_requests")
