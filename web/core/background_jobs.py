"""Long work off the request: the web side of the durable jobs (jianguan/job_queue.py).

A request enqueues a job in its own session (its audit record commits with it) and returns;
the progress pages read the job's row, so any web process shows any job. Workers run the jobs:
`jianguan worker` processes and, unless the app is told otherwise, one worker thread in the web
process — always wanted on SQLite (`make demo` stays one command), optional on PostgreSQL
(`JOBS_IN_PROCESS`, `jianguan web --no-worker` when separate workers run).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from flask import Flask, abort

from jianguan import job_queue
from jianguan.db import Store
from jianguan.job_worker import JobKind, Worker
from jianguan.models import JobRow
from web.core.db_session import db

log = logging.getLogger(__name__)

IN_PROCESS_WORKER = "jianguan_in_process_worker"
IDLE_EXIT_S = 90.0  # longer than STALE_AFTER_S: a job left by a dead process is picked up


@dataclass
class JobView:
    """What every progress page shows of a job row. `status` is "running" while the job is
    queued or running (the page keeps polling), "done" or "failed"."""

    id: str
    state: str
    actor: str
    started_at: datetime
    inputs: dict[str, Any]
    result: dict[str, Any] | None
    messages: list[str] = field(default_factory=list)
    done: int = 0
    total: int = 0
    tries: int = 0
    error_zh: str | None = None
    error_en: str | None = None
    finished_at: datetime | None = None

    @classmethod
    def of(cls, row: JobRow) -> Self:
        progress = row.progress or {}
        return cls(
            id=row.id,
            state=row.state,
            actor=row.started_by,
            started_at=row.created_at,
            inputs=row.inputs,
            result=row.result,
            messages=list(progress.get("messages", [])),
            done=int(progress.get("done", 0)),
            total=int(progress.get("total", 0)),
            tries=row.tries,
            error_zh=row.message_zh,
            error_en=row.message_en,
            finished_at=row.finished_at,
        )

    @property
    def status(self) -> str:
        return "running" if self.state in job_queue.ACTIVE else self.state

    @property
    def queued(self) -> bool:
        """Waiting for a worker (or for another worker to take over a dead one's job)."""
        return self.state == job_queue.QUEUED

    def error(self, lang: str) -> str:
        return (self.error_en if lang == "en" else self.error_zh) or ""


def job_row_or_404(kind: str, job_id: str) -> JobRow:
    """The job a page asks for; an unknown id, or one of another kind, is a plain 404."""
    found = job_queue.get(db(), job_id, kind)
    if found is None:
        abort(404)
    return found


class InProcessWorker:
    """One worker thread in the web process, started when a job is enqueued (or when the app
    starts with jobs waiting) and ended after IDLE_EXIT_S without work, so idle apps — a test
    suite makes hundreds — hold no thread."""

    def __init__(self, store: Store, kinds: Mapping[str, JobKind], idle_exit_s: float) -> None:
        self.worker = Worker(store, kinds, poll_s=1.0)
        self.idle_exit_s = idle_exit_s
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def nudge(self) -> None:
        with self._lock:
            if self._thread is not None:
                self.worker.wake.set()
                return
            self._thread = threading.Thread(target=self._loop, name="job-worker", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        idle_since = time.monotonic()
        while True:
            try:
                ran = self.worker.run_one()
            except Exception:  # the store is away for a moment: try again
                log.exception("in-process worker could not claim a job")
                ran = False
            if ran:
                idle_since = time.monotonic()
                continue
            if time.monotonic() - idle_since > self.idle_exit_s:
                with self._lock:
                    if not self.worker.wake.is_set():
                        self._thread = None
                        return
            self.worker.wake.wait(self.worker.poll_s)
            self.worker.wake.clear()


def install_jobs(app: Flask, store: Store, kinds: Mapping[str, JobKind]) -> None:
    """The in-process worker, when wanted: JOBS_IN_PROCESS True/False, or None for "on
    SQLite only"; it runs `kinds`."""
    wanted = app.config.get("JOBS_IN_PROCESS")
    if wanted is None:
        wanted = store.engine.dialect.name == "sqlite"
    if not wanted:
        return
    worker = InProcessWorker(store, kinds, app.config.get("JOBS_IDLE_EXIT_S", IDLE_EXIT_S))
    app.extensions[IN_PROCESS_WORKER] = worker
    with store.session() as session:
        waiting = session.query(JobRow.id).filter(JobRow.state.in_(job_queue.ACTIVE)).first()
    if waiting is not None:
        worker.nudge()


def jobs_enqueued(app: Flask) -> None:
    """After the request committed a job: wake this process's worker, if it has one."""
    worker = app.extensions.get(IN_PROCESS_WORKER)
    if isinstance(worker, InProcessWorker):
        worker.nudge()
