"""Long work off the request: a thread per job, its state in memory, polled with htmx.

Plan generation, rule impact and simulations all run this way (a request only starts the
job and returns). Jobs live in memory: a restart forgets running jobs, never their results,
which each kind of job stores as soon as it ends (plans in the store, simulation results in
their cache; an impact is cheap to compute again).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from flask import abort

from jianguan.errors import JianguanError

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class JobState:
    """What every kind of job shares: its state, progress messages and, if it failed, why.
    (Keyword-only, so each kind lists its own identifying fields first, positionally.)"""

    id: str
    status: str = "running"  # running / done / failed
    messages: list[str] = field(default_factory=list)
    error_zh: str | None = None
    error_en: str | None = None
    finished_at: datetime | None = None

    def say(self, message: str) -> None:
        self.messages.append(message)

    def error(self, lang: str) -> str:
        return (self.error_en if lang == "en" else self.error_zh) or ""


J = TypeVar("J", bound=JobState)


class BackgroundJobs(Generic[J]):
    """Jobs by id; finished jobs beyond the newest `keep` are forgotten.

    `what_zh`/`what_en` name the work in the message a user sees when it fails unexpectedly
    (the trace goes to the log, never to the page)."""

    def __init__(self, what_zh: str, what_en: str, keep: int = 100) -> None:
        self._jobs: dict[str, J] = {}
        self._lock = threading.Lock()
        self.keep = keep
        self.what_zh = what_zh
        self.what_en = what_en

    def get(self, job_id: str) -> J | None:
        with self._lock:
            return self._jobs.get(job_id)

    def running(self) -> J | None:
        with self._lock:
            return next((j for j in self._jobs.values() if j.status == "running"), None)

    def start(
        self,
        job: J,
        work: Callable[[J], None],
        on_busy: Callable[[J], J] | None = None,
        *,
        same_work: Callable[[J], bool] | None = None,
    ) -> J:
        """Register `job` and run `work(job)` on a thread. With `on_busy` (one job at a time),
        a job still running is handed to it instead, atomically: it returns the job to use
        (the running one, for the same work asked twice) or raises to refuse. With
        `same_work` (jobs side by side), a running job it accepts is returned instead of
        starting `job`: asking twice for the same work runs it once."""
        with self._lock:
            if same_work is not None:
                twin = next(
                    (j for j in self._jobs.values() if j.status == "running" and same_work(j)),
                    None,
                )
                if twin is not None:
                    return twin
            busy = next((j for j in self._jobs.values() if j.status == "running"), None)
            if on_busy is not None and busy is not None:
                return on_busy(busy)
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.status != "running"]
            for key in finished[: max(0, len(finished) - self.keep)]:
                del self._jobs[key]
        threading.Thread(
            target=self._run, args=(job, work), name=f"job-{job.id}", daemon=True
        ).start()
        return job

    def _run(self, job: J, work: Callable[[J], None]) -> None:
        try:
            work(job)
            job.status = "done"
        except JianguanError as err:
            job.error_zh, job.error_en = err.message("zh"), err.message("en")
            job.status = "failed"
        except Exception:  # the user sees a message; the log keeps the trace
            log.exception("background job %s (%s) failed", job.id, self.what_en)
            job.error_zh = f"{self.what_zh}时发生内部错误，请联系管理员查看服务器日志。"
            job.error_en = f"Internal error while {self.what_en}; see the server log."
            job.status = "failed"
        finally:
            job.finished_at = datetime.now(UTC)


Found = TypeVar("Found", covariant=True)


class FindsJobs(Protocol[Found]):
    def get(self, job_id: str) -> Found | None: ...


def job_or_404(jobs: FindsJobs[Found], job_id: str) -> Found:
    """The job a page asks for; an unknown or forgotten id is a plain 404 in every area."""
    found = jobs.get(job_id)
    if found is None:
        abort(404)
    return found
