"""plan_renders: page parts rendered from a plan, shared by web processes and workers

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-27 10:00:00

The review page's plan part (quality report, calendars, the why of every inspection: a
megabyte of HTML) took most of a second of CPU to render, once in every web process for
every new draft, while its first readers waited. A plan job now renders it in the worker and
keeps it here under a key of what it shows (jianguan/plan_renders.py); the table starts empty
and fills on use, like plan_verifications (0007).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_renders",
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("plans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plan_renders")
