"""Page parts rendered from a plan, kept in the store for every web process and worker.

What is rendered, and its key, is the caller's (web/plans/review_cache.py): the key must
change whenever the rendered text would. A row whose key differs is as good as none; keeping
a new render replaces it. Two processes keeping the same part at once: the second one's
insert fails on the primary key, and its render is as good as the first's, so it is dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from jianguan import kept_rows
from jianguan.db import Store
from jianguan.kept_rows import row_of
from jianguan.models import PlanRenderRow


def read(session: Session, plan_id: int, name: str, key: str) -> PlanRenderRow | None:
    """The kept render of `name` for the plan when it was made under `key`."""
    row = session.get(PlanRenderRow, (plan_id, name))
    return row if row is not None and row.key == key else None


def keep(
    session: Session, plan_id: int, name: str, key: str, content: str, meta: dict[str, Any]
) -> None:
    """Keep a render in `session`'s transaction (a plan job keeps its draft's with the draft)."""
    row = row_of(session, PlanRenderRow, (plan_id, name), plan_id=plan_id, name=name)
    row.key, row.content, row.meta = key, content, meta
    row.made_at = datetime.now(UTC).replace(tzinfo=None)


def keep_apart(
    store: Store, plan_id: int, name: str, key: str, content: str, meta: dict[str, Any]
) -> None:
    """Keep a render in a transaction of its own; another process's at the same moment wins."""
    kept_rows.keep_apart(store, lambda session: keep(session, plan_id, name, key, content, meta))
