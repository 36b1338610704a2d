"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:05:29.760192
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("consent_defaults", sa.JSON(), nullable=False),
        sa.Column("logo_url", sa.String(length=2000), nullable=True),
        sa.Column("accent_color", sa.String(length=7), nullable=False),
        sa.Column("meeting_types", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contacts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("account_id", "email", name="uq_contacts_account_email"),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_account_id"), ["account_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("meetings_prefix", sa.String(length=64), nullable=False),
        sa.Column("photo_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_users_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("meetings_prefix", name=op.f("uq_users_meetings_prefix")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_account_id"), ["account_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "booking_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("photo_url", sa.String(length=2000), nullable=True),
        sa.Column("meeting_type", sa.String(length=100), nullable=True),
        sa.Column("durations", sa.JSON(), nullable=False),
        sa.Column("slot_interval_minutes", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("minimum_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_before_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_after_minutes", sa.Integer(), nullable=False),
        sa.Column("window_rolling_weeks", sa.Integer(), nullable=True),
        sa.Column("window_start_date", sa.Date(), nullable=True),
        sa.Column("window_end_date", sa.Date(), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("video_link", sa.String(length=2000), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("reminders", sa.JSON(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("consent", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "type IN ('one_on_one', 'round_robin', 'group')", name=op.f("ck_booking_links_type")
        ),
        sa.CheckConstraint(
            "(window_rolling_weeks IS NOT NULL) OR "
            "(window_start_date IS NOT NULL AND window_end_date IS NOT NULL)",
            name=op.f("ck_booking_links_window"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_booking_links_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_booking_links_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_links")),
        sa.UniqueConstraint("slug", name=op.f("uq_booking_links_slug")),
    )
    with op.batch_alter_table("booking_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_links_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_booking_links_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("consent", sa.JSON(), nullable=False),
        sa.Column("utm", sa.JSON(), nullable=False),
        sa.Column("manage_token_hash", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('confirmed', 'cancelled')", name=op.f("ck_bookings_status")),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_bookings_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_bookings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_bookings_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"], ["users.id"], name=op.f("fk_bookings_host_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["booking_links.id"],
            name=op.f("fk_bookings_link_id_booking_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("manage_token_hash", name=op.f("uq_bookings_manage_token_hash")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_host_id"), ["host_id"], unique=False)
        batch_op.create_index("ix_bookings_link_start", ["link_id", "start_at"], unique=False)

    op.create_table(
        "link_date_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["booking_links.id"],
            name=op.f("fk_link_date_overrides_link_id_booking_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_date_overrides")),
    )
    with op.batch_alter_table("link_date_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_date_overrides_link_id"), ["link_id"], unique=False
        )

    op.create_table(
        "link_hosts",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["booking_links.id"],
            name=op.f("fk_link_hosts_link_id_booking_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_link_hosts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("link_id", "user_id", name=op.f("pk_link_hosts")),
    )
    with op.batch_alter_table("link_hosts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_hosts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "link_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_link_hours_weekday")),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["booking_links.id"],
            name=op.f("fk_link_hours_link_id_booking_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_hours")),
    )
    with op.batch_alter_table("link_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_hours_link_id"), ["link_id"], unique=False)

    op.create_table(
        "booking_hosts",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_hosts_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_booking_hosts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("booking_id", "user_id", name=op.f("pk_booking_hosts")),
    )
    with op.batch_alter_table("booking_hosts", schema=None) as batch_op:
        batch_op.create_index("ix_booking_hosts_user_start", ["user_id", "start_at"], unique=False)

    _guard_against_double_booking()


def _guard_against_double_booking() -> None:
    """No two active bookings of one host may overlap, whatever the application does.

    PostgreSQL: an exclusion constraint on ``[start_at, end_at)`` per user (btree_gist).
    SQLite has none, so triggers refuse an overlapping insert or update; timestamps are stored
    as fixed-width UTC text there, so comparing them as text compares the instants.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE booking_hosts ADD CONSTRAINT ex_booking_hosts_no_overlap "
            "EXCLUDE USING gist (user_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
            "WHERE (active)"
        )
        return
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER booking_hosts_no_overlap_{event.lower()} "
            f"BEFORE {event} ON booking_hosts FOR EACH ROW WHEN NEW.active "
            "AND EXISTS (SELECT 1 FROM booking_hosts AS other "
            "WHERE other.user_id = NEW.user_id AND other.active "
            "AND other.booking_id != NEW.booking_id "
            "AND other.start_at < NEW.end_at AND NEW.start_at < other.end_at) "
            "BEGIN SELECT RAISE(ABORT, 'booking_overlap'); END"
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_hosts", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_hosts_user_start")

    op.drop_table("booking_hosts")
    with op.batch_alter_table("link_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_hours_link_id"))

    op.drop_table("link_hours")
    with op.batch_alter_table("link_hosts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_hosts_user_id"))

    op.drop_table("link_hosts")
    with op.batch_alter_table("link_date_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_date_overrides_link_id"))

    op.drop_table("link_date_overrides")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_link_start")
        batch_op.drop_index(batch_op.f("ix_bookings_host_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_contact_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_account_id"))

    op.drop_table("bookings")
    with op.batch_alter_table("booking_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_links_owner_id"))
        batch_op.drop_index(batch_op.f("ix_booking_links_account_id"))

    op.drop_table("booking_links")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_account_id"))

    op.drop_table("users")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_account_id"))

    op.drop_table("contacts")
    op.drop_table("accounts")
