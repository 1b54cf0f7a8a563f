"""Durable jobs: rows in the store that any worker process claims, runs and finishes.

A request enqueues a job in its own transaction (beside its audit record: both or neither).
A worker claims one — on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`, so two workers
never take the same row and neither waits for the other; on SQLite (one writer at a time) with
a compare-and-set update — and gets a `lease`. Every later write of that worker (heartbeat,
progress, result, failure) holds only while its lease is the row's and the row is running:
a worker that was presumed dead and comes back cannot overwrite its successor's work.

A worker that dies (kill -9, a lost machine) stops beating `heartbeat_at`. Once the heartbeat
is older than `stale_after_s`, the next claim takes the job again and reruns it from its
inputs (plans and simulations are deterministic: the same result), or — after `max_tries`
claims — marks it failed with a message. A job is never "running" forever.

The limits are unique indexes over active rows (jianguan/models.py), so they hold across every
web process: one active job per `exclusive_key`, at most `per_user` active jobs per user.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jianguan.db import Store
from jianguan.errors import JianguanError
from jianguan.models import JobRow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE = (QUEUED, RUNNING)
STALE_AFTER_S = 60.0  # a heartbeat older than this: the worker is presumed dead
MAX_TRIES = 3  # claims of one job before it is failed instead of rerun
PER_USER = 3  # active jobs one user may have at once, over all web processes


def now() -> datetime:
    """UTC without a zone, as every DateTime column of the store holds it."""
    return datetime.now(UTC).replace(tzinfo=None)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobBusyError(JianguanError):
    """The job's exclusive key is taken by another active job (`busy`), not the same work."""

    def __init__(self, busy: JobRow) -> None:
        super().__init__(
            f"作业 {busy.id}（{busy.kind}，由 {busy.started_by} 发起）正在进行，请等它结束后再试。",
            f"Job {busy.id} ({busy.kind}, started by {busy.started_by}) is in progress; try "
            "again when it has finished.",
        )
        self.busy = busy


class TooManyJobsError(JianguanError):
    def __init__(self, user: str, limit: int) -> None:
        super().__init__(
            f"用户 {user} 已有 {limit} 项作业在排队或运行，请等其中一项结束后再发起新的作业。",
            f"{user} already has {limit} jobs queued or running; start another when one of them "
            "has finished.",
        )


class LeaseLostError(JianguanError):
    """The worker's claim on a job ended (it was presumed dead and the job claimed again)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"作业 {job_id} 已被另一个工作进程接手，本进程的结果不再写入。",
            f"Job {job_id} was taken over by another worker; this worker's result is discarded.",
        )


def active_with_key(session: Session, key: str) -> JobRow | None:
    return session.scalars(
        select(JobRow).where(JobRow.exclusive_key == key, JobRow.state.in_(ACTIVE))
    ).first()


def enqueue(
    session: Session,
    kind: str,
    inputs: dict[str, Any],
    started_by: str,
    *,
    exclusive_key: str | None = None,
    same_work: Callable[[JobRow], bool] | None = None,
    per_user: int = PER_USER,
    total: int = 0,
) -> tuple[JobRow, bool]:
    """Add a queued job in the caller's transaction; (job, True) when this call added it.

    With `exclusive_key`, an active job holding the key is returned instead — (job, False) —
    when `same_work` accepts it (a double submit, a second reviewer asking for the same
    comparison), otherwise refused with JobBusyError. More than `per_user` active jobs of one
    user are refused with TooManyJobsError. The indexes decide, not a read before the write:
    two requests racing in two processes cannot both pass."""
    for _attempt in range(3):  # a conflicting job may end between our insert and our read
        if exclusive_key is not None:
            busy = active_with_key(session, exclusive_key)
            if busy is not None:
                if same_work is not None and same_work(busy):
                    return busy, False
                raise JobBusyError(busy)
        taken = set(
            session.scalars(
                select(JobRow.user_slot).where(
                    JobRow.started_by == started_by, JobRow.state.in_(ACTIVE)
                )
            )
        )
        for slot in (s for s in range(per_user) if s not in taken):
            job = _insert(session, kind, inputs, started_by, exclusive_key, slot, total)
            if job is not None:
                return job, True
            if exclusive_key is not None and active_with_key(session, exclusive_key):
                break  # the key, not the slot, was taken: decide again above
        else:
            raise TooManyJobsError(started_by, per_user)
    raise JianguanError(
        "作业队列繁忙，请稍后再试。", "The job queue is busy; try again in a moment."
    )


def _insert(
    session: Session,
    kind: str,
    inputs: dict[str, Any],
    started_by: str,
    exclusive_key: str | None,
    slot: int,
    total: int,
) -> JobRow | None:
    """The row, inserted under a savepoint; None when an index refused it (PostgreSQL aborts
    the whole transaction on an error, the savepoint keeps the request's other work)."""
    at = now()
    job = JobRow(
        id=secrets.token_hex(8),
        kind=kind,
        inputs=inputs,
        state=QUEUED,
        exclusive_key=exclusive_key,
        user_slot=slot,
        progress={"messages": [], "done": 0, "total": total},
        started_by=started_by,
        tries=0,
        created_at=at,
        updated_at=at,
    )
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        return None
    return job


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one running job: every write of the worker names this lease."""

    id: str
    kind: str
    inputs: dict[str, Any]
    started_by: str
    tries: int
    lease: str
    progress: dict[str, Any]


def _stale_cutoff(stale_after_s: float) -> datetime:
    return now() - timedelta(seconds=stale_after_s)


def fail_exhausted(session: Session, stale_after_s: float, max_tries: int) -> int:
    """Fail the jobs whose worker died `max_tries` times; how many."""
    done = session.execute(
        update(JobRow)
        .where(
            JobRow.state == RUNNING,
            JobRow.heartbeat_at < _stale_cutoff(stale_after_s),
            JobRow.tries >= max_tries,
        )
        .values(
            state=FAILED,
            lease=None,
            message_zh=f"作业运行了 {max_tries} 次，每次工作进程都中途停止（崩溃、被终止或失去"
            "联系），已放弃；请查看工作进程的日志后重新发起。",
            message_en=f"The job was started {max_tries} times and each time its worker stopped "
            "before it finished (crashed, killed or lost); given up. See the workers' logs, "
            "then start it again.",
            finished_at=now(),
            updated_at=now(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def claim(
    store: Store,
    worker: str,
    kinds: list[str],
    *,
    stale_after_s: float = STALE_AFTER_S,
    max_tries: int = MAX_TRIES,
) -> Claim | None:
    """Take the oldest queued job of `kinds`, or a running one whose worker stopped beating;
    None when there is none."""
    with store.session() as session:
        fail_exhausted(session, stale_after_s, max_tries)
    with store.session() as session:
        claimable = or_(
            JobRow.state == QUEUED,
            (JobRow.state == RUNNING) & (JobRow.heartbeat_at < _stale_cutoff(stale_after_s)),
        )
        query = select(JobRow).where(claimable, JobRow.kind.in_(kinds)).order_by(JobRow.created_at)
        if store.engine.dialect.name == "postgresql":
            rows = list(session.scalars(query.limit(1).with_for_update(skip_locked=True)))
        else:
            rows = list(session.scalars(query.limit(8)))
        for row in rows:
            lease = secrets.token_hex(16)
            at = now()
            # A rerun starts its progress afresh (the dead worker's messages would mislead).
            progress = {**row.progress, "messages": [], "done": 0} if row.tries else row.progress
            # Compare and set: the state and lease we read must still be the row's. Under
            # SKIP LOCKED the row is ours already; on SQLite another worker may have won.
            taken = session.execute(
                update(JobRow)
                .where(
                    JobRow.id == row.id,
                    claimable,
                    JobRow.state == row.state,
                    JobRow.lease.is_(None) if row.lease is None else JobRow.lease == row.lease,
                )
                .values(
                    state=RUNNING,
                    lease=lease,
                    worker=worker,
                    tries=JobRow.tries + 1,
                    heartbeat_at=at,
                    updated_at=at,
                    progress=progress,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) == 1:
                return Claim(
                    row.id, row.kind, row.inputs, row.started_by, row.tries + 1, lease, progress
                )
    return None


def _mine(c: Claim) -> list[Any]:
    return [JobRow.id == c.id, JobRow.lease == c.lease, JobRow.state == RUNNING]


def _write(session: Session, c: Claim, values: dict[str, Any]) -> bool:
    done = session.execute(
        update(JobRow)
        .where(*_mine(c))
        .values(updated_at=now(), **values)
        .execution_options(synchronize_session=False)
    )
    return getattr(done, "rowcount", 0) == 1


def heartbeat(store: Store, c: Claim, progress: dict[str, Any] | None = None) -> bool:
    """Say the worker is alive (and, with `progress`, how far it is); False when the lease
    was lost."""
    values: dict[str, Any] = {"heartbeat_at": now()}
    if progress is not None:
        values["progress"] = progress
    with store.session() as session:
        return _write(session, c, values)


def finish(
    session: Session,
    c: Claim,
    result: dict[str, Any] | None,
    progress: dict[str, Any] | None = None,
) -> None:
    """Mark the job done with `result`, in the caller's transaction: the work's own writes
    (a saved plan, an audit record) commit with it or not at all. LeaseLostError when the job
    is no longer this worker's — the transaction then rolls back, and the successor's run
    stands alone (a plan is saved once)."""
    values = {"state": DONE, "result": result, "lease": None, "finished_at": now()}
    if progress is not None:
        values["progress"] = progress
    if not _write(session, c, values):
        raise LeaseLostError(c.id)


def fail(store: Store, c: Claim, message_zh: str, message_en: str) -> bool:
    with store.session() as session:
        values = {
            "state": FAILED,
            "message_zh": message_zh,
            "message_en": message_en,
            "lease": None,
            "finished_at": now(),
        }
        return _write(session, c, values)


def get(session: Session, job_id: str, kind: str | None = None) -> JobRow | None:
    """The job with this id (of this kind), or None."""
    row = session.get(JobRow, job_id) if len(job_id) <= 32 else None
    if row is None or (kind is not None and row.kind != kind):
        return None
    return row


def active(session: Session, kind: str) -> JobRow | None:
    """The oldest active job of `kind` (what an area shows as "running")."""
    return session.scalars(
        select(JobRow)
        .where(JobRow.kind == kind, JobRow.state.in_(ACTIVE))
        .order_by(JobRow.created_at)
    ).first()
