"""jobs run by workers; failed sign-ins in the store

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-10 10:00:00

Jobs (plan generation, rule impact, simulations) were a thread and a dict of one web process:
a restart forgot them and their limits held per process. They become rows any worker claims
(jianguan/job_queue.py); the partial unique indexes are the limits. Failed sign-ins move to the
store too, so the login limit holds across web processes. Both tables start empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("exclusive_key", sa.String(200)),
        sa.Column("user_slot", sa.Integer()),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON()),
        sa.Column("message_zh", sa.Text()),
        sa.Column("message_en", sa.Text()),
        sa.Column("started_by", sa.String(60), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("lease", sa.String(32)),
        sa.Column("worker", sa.String(120)),
        sa.Column("heartbeat_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
    )
    op.create_index("ix_jobs_kind", "jobs", ["kind"])
    op.create_index("ix_jobs_state_heartbeat", "jobs", ["state", "heartbeat_at"])
    op.create_index(
        "uq_jobs_active_exclusive_key",
        "jobs",
        ["exclusive_key"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "uq_jobs_active_user_slot",
        "jobs",
        ["started_by", "user_slot"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["address", "username", "at"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("jobs")
