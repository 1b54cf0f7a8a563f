"""users: active flag and session epoch

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 10:00:00

Sessions are signed cookies, so the server keeps no list of them. Each session carries the
user's epoch; raising it (on sign-out, or when an admin disables the user) ends every session
of that user at its next request. Existing users stay active, at epoch 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true"))
        )
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
        batch.drop_column("active")
