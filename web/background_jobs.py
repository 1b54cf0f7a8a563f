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
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from jianguan.errors import JianguanError

log = logging.getLogger(__name__)


class JobState(Protocol):
    id: str
    status: str  # running / done / failed
    error_zh: str | None
    error_en: str | None
    finished_at: datetime | None


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
        refuse_while: Callable[[J], JianguanError] | None = None,
    ) -> J:
        """Register `job` and run `work(job)` on a thread. With `refuse_while`, a job that is
        still running makes this raise the error it returns instead (one at a time)."""
        with self._lock:
            busy = next((j for j in self._jobs.values() if j.status == "running"), None)
            if refuse_while is not None and busy is not None:
                raise refuse_while(busy)
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
