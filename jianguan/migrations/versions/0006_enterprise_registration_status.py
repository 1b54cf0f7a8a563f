"""enterprises: registration status, for entities that left the random pool

Revision ID: 0006
Revises: 0004
Create Date: 2027-01-10 10:00:00

A bureau's export says 注销 (deregistered), 吊销 (licence revoked), 撤销 or 迁出 (moved away) for
entities that are no longer inspection objects (formats.md §1a). An import never deletes a
row (inspections and results point at it), so such an enterprise keeps its row with that
status and stays out of the draw's population. NULL means live, as every existing row is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enterprises") as batch:
        batch.add_column(sa.Column("status", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enterprises") as batch:
        batch.drop_column("status")
