"""Custom domains are proven by a TXT record: each claim has its token; pending claims of one
hostname by several accounts are allowed, a verified hostname belongs to one account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:00:05
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_VERIFIED = sa.text("verified_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("custom_domains") as batch:
        batch.add_column(sa.Column("verification_token", sa.String(length=64), nullable=True))
    domains = sa.table(
        "custom_domains", sa.column("id", sa.Integer), sa.column("verification_token")
    )
    bind = op.get_bind()
    for (domain_id,) in bind.execute(sa.select(domains.c.id)).all():
        token = f"rendezvous-verify={secrets.token_hex(16)}"
        bind.execute(
            domains.update().where(domains.c.id == domain_id).values(verification_token=token)
        )
    with op.batch_alter_table("custom_domains") as batch:
        batch.alter_column("verification_token", existing_type=sa.String(length=64), nullable=False)
        batch.drop_constraint("uq_custom_domains_hostname", type_="unique")
        batch.create_unique_constraint("uq_custom_domains_account_id", ["account_id", "hostname"])
        batch.create_index("ix_custom_domains_hostname", ["hostname"])
    op.create_index(
        "uq_custom_domains_verified_hostname",
        "custom_domains",
        ["hostname"],
        unique=True,
        sqlite_where=_VERIFIED,
        postgresql_where=_VERIFIED,
    )


def downgrade() -> None:
    op.drop_index("uq_custom_domains_verified_hostname", table_name="custom_domains")
    with op.batch_alter_table("custom_domains") as batch:
        batch.drop_index("ix_custom_domains_hostname")
        batch.drop_constraint("uq_custom_domains_account_id", type_="unique")
        batch.create_unique_constraint("uq_custom_domains_hostname", ["hostname"])
        batch.drop_column("verification_token")
