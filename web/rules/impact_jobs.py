"""Rule impact jobs as the rules pages see them (the work: rules/impact_job.py).

One comparison at a time over every web process (each holds the whole registry in memory):
the same comparison already queued or running is returned — a double click, a second
reviewer — and another one is refused until it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from jianguan import job_queue
from jianguan.errors import JianguanError
from jianguan.models import JobRow
from rules.impact_job import KIND, STEPS, impact_inputs
from rules.package import Package
from web.core.background_jobs import JobView, job_row_or_404

EXCLUSIVE_KEY = "impact"


@dataclass
class ImpactJob(JobView):
    @property
    def package_id(self) -> str:
        return str(self.inputs["package_id"])

    @property
    def old_version(self) -> str:
        return str(self.inputs["old_version"])

    @property
    def new_version(self) -> str:
        return str(self.inputs["new_version"])

    @property
    def impact(self) -> dict[str, Any] | None:
        return self.result

    @property
    def percent(self) -> int:
        if self.status != "running":
            return 100
        return min(95, round(100 * len(self.messages) / STEPS))


class ImpactBusyError(JianguanError):
    def __init__(self, busy: ImpactJob) -> None:
        super().__init__(
            f"另一项影响计算（{busy.package_id} {busy.old_version} → {busy.new_version}）正在进行；"
            "服务器一次只计算一项，请等它结束（通常不到一分钟）后再试。",
            f"Another impact ({busy.package_id} {busy.old_version} → {busy.new_version}) is "
            "being computed; the server computes one at a time. Try again when it has finished "
            "(usually within a minute).",
        )


def queue_impact(
    session: Session, old: Package, new: Package, day: date, lang: str, actor: str
) -> ImpactJob:
    """Queue comparing `old` with `new` over the registry in the caller's session (the
    caller records the audit event and commits)."""
    wanted = impact_inputs(old, new, day, lang)

    def same(running: JobRow) -> bool:
        keys = ("package_id", "old_version", "new_version")
        return all(running.inputs.get(k) == wanted[k] for k in keys)

    try:
        row, _started = job_queue.enqueue(
            session, KIND, wanted, actor, exclusive_key=EXCLUSIVE_KEY, same_work=same
        )
    except job_queue.JobBusyError as err:
        raise ImpactBusyError(ImpactJob.of(err.busy)) from err
    return ImpactJob.of(row)


def job_or_404(job_id: str) -> ImpactJob:
    return ImpactJob.of(job_row_or_404(KIND, job_id))
