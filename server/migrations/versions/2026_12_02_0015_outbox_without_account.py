"""Sign-up by emailed link (issue 12.10): the confirmation email is queued before any account
exists, so an outbox message may belong to no account

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:00:09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("account_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE account_id IS NULL")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
