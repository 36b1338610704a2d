"""Facts a meeting keeps: the buffers of its link (SPEC 11.2), and who changed it and why

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("buffer_before_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("buffer_after_minutes", sa.Integer(), nullable=False, server_default="0")
        )
    # Bookings made before this revision keep the buffers their link has now: the best guess.
    op.execute(
        "UPDATE bookings SET "
        "buffer_before_minutes = (SELECT buffer_before_minutes FROM booking_links "
        "WHERE booking_links.id = bookings.link_id), "
        "buffer_after_minutes = (SELECT buffer_after_minutes FROM booking_links "
        "WHERE booking_links.id = bookings.link_id)"
    )
    op.create_table(
        "booking_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("previous_start_at", UTCDateTime(), nullable=True),
        sa.Column("previous_end_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('rescheduled', 'cancelled')", name=op.f("ck_booking_changes_kind")
        ),
        sa.CheckConstraint("actor IN ('visitor', 'host')", name=op.f("ck_booking_changes_actor")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_changes_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_booking_changes_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_changes")),
    )
    with op.batch_alter_table("booking_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_changes_booking_id"), ["booking_id"], unique=False
        )
    _normalise_allowed_origins()


def _normalise_allowed_origins() -> None:
    """Allowed origins as browsers send ``Origin`` (issue 8): the API used to store values such
    as ``https://WWW.Example.com/landing/``, which match no request. Each value becomes the
    origin it names. One that names none (not http(s), no host) is kept as it was: dropping it
    could empty the list, and an empty list allows every site; the dashboard shows it to fix.
    Not undone by the downgrade: the normalised values are what the older code meant too.
    """
    from server.accounts.origins import origin_of

    accounts = sa.table(
        "accounts", sa.column("id", sa.Integer), sa.column("allowed_origins", sa.JSON)
    )
    bind = op.get_bind()
    for account_id, stored in bind.execute(sa.select(accounts.c.id, accounts.c.allowed_origins)):
        values = [v for v in (stored or []) if isinstance(v, str)]
        origins = sorted({origin_of(v) or v for v in values})
        if origins != stored:
            bind.execute(
                accounts.update().where(accounts.c.id == account_id).values(allowed_origins=origins)
            )


def downgrade() -> None:
    with op.batch_alter_table("booking_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_changes_booking_id"))
    op.drop_table("booking_changes")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("buffer_after_minutes")
        batch_op.drop_column("buffer_before_minutes")
