"""Rows derived from a plan and kept under a key, for every process: the review page's
renders (jianguan/plan_renders.py) and the plan's verification (scheduler/
stored_verification.py). A row is replaced in place when its key moves; two processes keeping
the same row at once race on its primary key, and the loser's row is as good as the winner's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jianguan.db import Store

M = TypeVar("M")


def row_of(session: Session, model: type[M], key: Any, **identity: Any) -> M:
    """The `model` row with primary key `key`, added to `session` (with `identity`, its
    primary key columns) when there is none yet."""
    row = session.get(model, key)
    if row is None:
        row = model(**identity)
        session.add(row)
    return row


def keep_apart(store: Store, write: Callable[[Session], None]) -> None:
    """`write` in a transaction of its own; when another process kept the row first, its row
    stands."""
    try:
        with store.session() as session:
            write(session)
    except IntegrityError:
        pass
