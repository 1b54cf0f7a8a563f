"""one approved rule version per package and effective date

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:55:00

The sign-off code already approves with one conditional UPDATE; this partial unique index is
the database's own guard, so no path (a script, a race on another server) can leave two
approved versions of a package taking effect on the same day — which one decides would be
undefined.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPROVED = sa.text("status = 'approved'")


def upgrade() -> None:
    op.create_index(
        "uq_rule_versions_approved_per_day",
        "rule_package_versions",
        ["package_id", "effective_from"],
        unique=True,
        sqlite_where=APPROVED,
        postgresql_where=APPROVED,
    )


def downgrade() -> None:
    op.drop_index("uq_rule_versions_approved_per_day", table_name="rule_package_versions")
