"""plan_verifications: each plan's latest server-side verification, shared by web processes

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-20 10:00:00

Re-verifying a county plan takes one to three seconds of CPU (the draw recomputed over the
whole registry, every constraint checked). Each web process kept its own answer and dropped it
at every audit event, sign-ins included, so under a province's load every process recomputed
every plan again and again. The answer now lives in the store under a key of what it was
computed from (scheduler/stored_verification.py); the table starts empty and fills on use.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_verifications",
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("plans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plan_verifications")
