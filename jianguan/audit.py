"""The append-only audit log: who did what, when, with the state before and after.

Each event's hash covers its own content and the previous event's hash, so editing or deleting
any earlier row breaks the chain from that row on; `verify_chain` finds the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan.models import AuditEvent

GENESIS = "0" * 64


def _digest(event: AuditEvent) -> str:
    content = {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


OBJECT_ID_MAX = 120  # the width of ``audit_events.object_id``


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the work)."""
    if len(object_id) > OBJECT_ID_MAX:
        # PostgreSQL refuses an over-long id where SQLite silently stores it; keep the
        # two databases alike by shortening it the same way (a digest keeps it unique).
        digest = hashlib.sha256(object_id.encode("utf-8")).hexdigest()[:12]
        object_id = object_id[: OBJECT_ID_MAX - 13] + "…" + digest
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    event = AuditEvent(
        at=datetime.now(UTC).replace(tzinfo=None),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainCheck:
    events: int
    first_broken_id: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain(session: Session) -> ChainCheck:
    previous = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.prev_hash != previous or _digest(event) != event.hash:
            return ChainCheck(count, event.id)
        previous = event.hash
    return ChainCheck(count, None)
