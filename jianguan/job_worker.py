"""The worker loop: claim a job, run it from its inputs, write its result; again.

`jianguan worker` runs this loop in its own process (as many as wanted, on any machine that
reaches the store); on SQLite the web process runs one in a thread. What a job does is a
`JobKind`, given by the caller (the composition roots know the packages that do the work; this
module knows none). While a job runs, a thread beats its heartbeat, so a long solve without
progress messages is not taken for a dead worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from jianguan import job_queue
from jianguan.db import Store
from jianguan.errors import JianguanError

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.25  # counts (replications done) reach the row at most this often


class JobContext:
    """What a running job sees: its inputs, the store, and ways to report progress and to
    commit its result together with its own writes."""

    def __init__(self, store: Store, claim: job_queue.Claim) -> None:
        self.store = store
        self.claim = claim
        self.inputs = claim.inputs
        self.started_by = claim.started_by
        self.finished = False
        self._progress: dict[str, Any] = {
            "messages": [],
            "done": 0,
            "total": 0,
            **claim.progress,
        }
        self._written_at = 0.0
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return self.claim.id

    def say(self, message: str) -> None:
        with self._lock:
            self._progress["messages"] = [*self._progress["messages"], message]
        self._flush(force=True)

    def step(self, done: int, total: int) -> None:
        with self._lock:
            self._progress["done"], self._progress["total"] = done, total
        self._flush(force=done >= total)

    def _flush(self, force: bool) -> None:
        if not force and time.monotonic() - self._written_at < PROGRESS_EVERY_S:
            return
        self.beat()

    def beat(self) -> bool:
        """Write the heartbeat and the progress so far; False when the lease was lost."""
        with self._lock:
            progress = dict(self._progress)
            self._written_at = time.monotonic()
        return job_queue.heartbeat(self.store, self.claim, progress)

    def finish_in(
        self, session: Session, result: dict[str, Any] | None, message: str | None = None
    ) -> None:
        """Mark the job done in `session`, the transaction of the job's own writes, with a
        last progress `message`. No other session may write meanwhile: on SQLite it would
        wait for this one's lock."""
        with self._lock:
            if message is not None:
                self._progress["messages"] = [*self._progress["messages"], message]
            progress = dict(self._progress)
        job_queue.finish(session, self.claim, result, progress)
        self.finished = True


Runner = Callable[[JobContext], "dict[str, Any] | None"]


@dataclass(frozen=True)
class JobKind:
    """How to run one kind of job; `what_zh`/`what_en` name the work in the message a user
    sees when it fails unexpectedly (the trace goes to the worker's log, never to a page)."""

    run: Runner
    what_zh: str
    what_en: str


class Worker:
    def __init__(
        self,
        store: Store,
        kinds: Mapping[str, JobKind],
        *,
        name: str | None = None,
        heartbeat_s: float = 5.0,
        stale_after_s: float = job_queue.STALE_AFTER_S,
        max_tries: int = job_queue.MAX_TRIES,
        poll_s: float = 1.0,
    ) -> None:
        if heartbeat_s * 3 > stale_after_s:
            raise JianguanError(
                f"心跳间隔 {heartbeat_s} 秒过长：须不超过判定失联时间 {stale_after_s} 秒的三分之一。",
                f"A heartbeat every {heartbeat_s} s is too slow: at most a third of the "
                f"{stale_after_s} s after which a worker is presumed dead.",
            )
        self.store = store
        self.kinds = kinds  # read at each claim (tests swap a kind in place)
        self.name = name or job_queue.worker_name()
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.max_tries = max_tries
        self.poll_s = poll_s
        self.wake = threading.Event()  # set by an in-process enqueue: no need to wait a poll

    def run_one(self) -> bool:
        """Claim and run one job; False when none was waiting."""
        claim = job_queue.claim(
            self.store,
            self.name,
            list(self.kinds),
            stale_after_s=self.stale_after_s,
            max_tries=self.max_tries,
        )
        if claim is None:
            return False
        self._run(claim)
        return True

    def run(self, stop: threading.Event | None = None, *, once: bool = False) -> None:
        """Run jobs until `stop` is set (or, with `once`, until none is waiting)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                ran = self.run_one()
            except Exception:  # the store is away (a restart): wait and try again
                log.exception("worker %s could not claim a job", self.name)
                ran = False
            if once and not ran:
                return
            if not ran:
                self.wake.wait(self.poll_s)
                self.wake.clear()

    def _run(self, claim: job_queue.Claim) -> None:
        kind = self.kinds[claim.kind]
        context = JobContext(self.store, claim)
        stop_beating = threading.Event()

        def beat() -> None:
            while not stop_beating.wait(self.heartbeat_s):
                try:
                    alive = context.beat()
                except Exception:  # the store is away for a moment: beat again later
                    log.exception("job %s: heartbeat not written", claim.id)
                    continue
                if not alive:
                    log.warning("job %s: lease lost; its result will be discarded", claim.id)
                    return

        beating = threading.Thread(target=beat, name=f"heartbeat-{claim.id}", daemon=True)
        beating.start()
        try:
            result = kind.run(context)
            if not context.finished:
                with self.store.session() as session:
                    context.finish_in(session, result)
        except job_queue.LeaseLostError:
            log.warning("job %s was taken over by another worker; result discarded", claim.id)
        except JianguanError as err:
            job_queue.fail(self.store, claim, err.message("zh"), err.message("en"))
        except Exception:
            log.exception("job %s (%s) failed", claim.id, kind.what_en)
            job_queue.fail(
                self.store,
                claim,
                f"{kind.what_zh}时发生内部错误，请联系管理员查看工作进程的日志。",
                f"Internal error while {kind.what_en}; see the worker's log.",
            )
        finally:
            stop_beating.set()
            beating.join()


def start_in_thread(worker: Worker) -> tuple[threading.Thread, threading.Event]:
    """The worker on a daemon thread (the web process on SQLite); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="job-worker", daemon=True)
    thread.start()
    return thread, stop
