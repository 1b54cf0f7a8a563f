"""A rule version's impact on the registry in the store, computed as a background job.

The same pattern as web/plans/jobs.py: a request starts a thread and returns; the page polls
the job's progress with htmx. `rules.impact.compare_versions` does the work (vector engine over
the whole registry, then full explanations for a few changed records); this module only
reads the registry, reports the steps and keeps the result in memory — an impact is cheap to
compute again, so a server restart simply forgets it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask

from jianguan.db import Store
from jianguan.errors import JianguanError
from jianguan.registry_store import load_enterprises
from rules.impact import Impact, compare_versions, rows_from_enterprises
from rules.package import Package
from web.core.background_jobs import BackgroundJobs, JobState

STEPS = 5  # registry, validate, old, new, samples: the progress bar's denominator


@dataclass
class ImpactJob(JobState):
    package_id: str
    old_version: str
    new_version: str
    actor: str
    started_at: datetime
    impact: Impact | None = None

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


class ImpactJobs:
    """Impact jobs by id; only the newest `keep` finished jobs are remembered."""

    def __init__(self, keep: int = 50) -> None:
        self._jobs: BackgroundJobs[ImpactJob] = BackgroundJobs(
            "计算影响", "computing the impact", keep
        )

    def get(self, job_id: str) -> ImpactJob | None:
        return self._jobs.get(job_id)

    def start(
        self, old: Package, new: Package, actor: str, work: Callable[[ImpactJob], Impact]
    ) -> ImpactJob:
        """Start comparing `old` with `new` over the registry, one comparison at a time: the
        same comparison already running is returned (a double click or a second reviewer
        reads the same job), another one is refused until it ends. Each job holds the whole
        registry in memory; unbounded, repeated clicks would exhaust the server."""

        def same_or_refuse(busy: ImpactJob) -> ImpactJob:
            if (busy.package_id, busy.old_version, busy.new_version) == (
                new.id,
                old.version,
                new.version,
            ):
                return busy
            raise ImpactBusyError(busy)

        def body(job: ImpactJob) -> None:
            job.impact = work(job)

        job = ImpactJob(
            new.id, old.version, new.version, actor, datetime.now(UTC), id=secrets.token_hex(8)
        )
        return self._jobs.start(job, body, same_or_refuse)


def impact_jobs(app: Flask) -> ImpactJobs:
    """The app's impact jobs (made on first use: the factory need not know about them)."""
    jobs = app.extensions.get("jianguan_rule_impact_jobs")
    if jobs is None:
        jobs = app.extensions.setdefault("jianguan_rule_impact_jobs", ImpactJobs())
    assert isinstance(jobs, ImpactJobs)
    return jobs


def impact_work(
    store: Store, old: Package, new: Package, day: date, lang: str
) -> Callable[[ImpactJob], Impact]:
    """The job body: the whole registry in the store, old version against new on `day`."""

    def work(job: ImpactJob) -> Impact:
        job.say("Reading the registry" if lang == "en" else "读取名录库")
        enterprises = load_enterprises(store)
        if not enterprises:
            raise JianguanError(
                "名录库为空：请先导入企业名录，再计算影响。",
                "The registry is empty: import enterprises first, then compute the impact.",
            )
        rows = rows_from_enterprises(enterprises, new.id, day)
        return compare_versions(old, new, rows, day, lang, samples=5, progress=job.say)

    return work
