"""keyed audit chain (HMAC-SHA256) and the log's head recorded with each publication

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:00:00

Rows written before this migration were hashed with plain SHA-256: anyone able to write the
database could edit one and recompute every later hash. They are kept exactly as they are —
rehashing them now would vouch for whatever they say today — and marked `scheme = 'sha256'`.
If there are any, one keyed event (`audit.keyed`) is appended at once, naming how many unkeyed
rows precede it and the newest one's hash: from then on the unkeyed part cannot be changed,
extended or relabelled without breaking a keyed HMAC. That is why the key (JIANGUAN_AUDIT_KEY,
or instance/audit_key, created here if absent) must be in place when a bureau upgrades.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from jianguan.audit import GENESIS, KEYED, SEAL_ACTION, canonical_content, keyed_hash
from jianguan.audit_key import audit_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
    sa.column("scheme", sa.String),
    sa.column("key_id", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scheme", sa.String(length=16), server_default=sa.text("'sha256'"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_entries", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("audit_head", sa.String(length=64), nullable=True))
    _seal_unkeyed_rows()


def _seal_unkeyed_rows() -> None:
    connection = op.get_bind()
    count = connection.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar() or 0
    if not count:
        return  # a new store: every row will be keyed
    head = connection.execute(
        sa.select(EVENTS.c.hash).order_by(EVENTS.c.id.desc()).limit(1)
    ).scalar()
    key = audit_key()
    assert key is not None
    fields: dict[str, Any] = {
        "at": datetime.now(UTC).replace(tzinfo=None),
        "actor": "jianguan",
        "action": SEAL_ACTION,
        "object_type": "audit_log",
        "object_id": "audit_events",
        "before": None,
        "after": {"legacy_entries": count, "legacy_head": head, "scheme": KEYED},
        "prev_hash": head or GENESIS,
        "scheme": KEYED,
        "key_id": key.key_id,
    }
    digest = keyed_hash(canonical_content(**fields), key)
    connection.execute(sa.insert(EVENTS).values(**fields, hash=digest))


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("audit_head")
        batch_op.drop_column("audit_entries")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("scheme")
