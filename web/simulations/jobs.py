"""Simulation runs as background jobs: a thread per job, progress kept in memory.

A request validates the scenario, starts the job and returns; the browser polls the job with
htmx. Runs go through `simulations.runner.run_scenario` in this process (`workers=1`): a
process pool forked from a threaded web server is unsafe, and one core per run leaves the
other to the pages. Results land in the simulations cache under their scenario id as soon as a
run ends, so a server restart forgets running jobs, never finished results.

The web server is not a compute cluster: sizes are capped (`check_size`) and one simulation
runs at a time; bigger studies go to `jianguan sim run` (with `--cluster` if need be).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from jianguan import audit
from jianguan.db import Store
from jianguan.errors import JianguanError
from scheduler.canonical_json import canonical_bytes
from simulations.run_cache import has_run, load_run, report_html
from simulations.runner import run_scenario, uses_exact_draw
from simulations.scenario_file import ScenarioFile
from simulations.scenario_id import scenario_id, store_result
from web.core.background_jobs import BackgroundJobs, JobState

log = logging.getLogger(__name__)

# Limits for runs started from the browser. The time a run takes is estimated from its size
# with figures measured on a 2-core machine (benchmarks/sim_web_limits.py prints them next to
# measured times): a fixed cost per variant and quarter (rule packages, calendars, capacity)
# plus a cost per enterprise and quarter, five times higher with the exact HMAC draw (used up
# to `exact_draw_limit` enterprises) than with the seeded sampler.
MAX_ENTERPRISES = 200_000  # bounds memory
MAX_REPLICATIONS = 50
MAX_VARIANTS = 8
MAX_SECONDS = 30.0
SECONDS_PER_VARIANT_QUARTER = 0.005
SECONDS_PER_ENTERPRISE_QUARTER = {True: 5e-6, False: 1e-6}  # exact draw?


class SimulationTooLargeError(JianguanError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(
            f"情景过大，无法在网页中运行：{what_zh}。网页上的模拟与网站共用一台服务器，过大的运行"
            "会使网站停止响应；请缩小规模，或在命令行运行 jianguan sim run 情景文件.yaml"
            "（可加 --cluster 使用 Dask 集群）。",
            f"The scenario is too large to run in the browser: {what_en}. Simulations started "
            "here share the web server, and a run this size would stop it responding; make it "
            "smaller, or run it from the command line with `jianguan sim run SCENARIO.yaml` "
            "(add --cluster for a Dask cluster).",
        )


class SimulationBusyError(JianguanError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"另一项模拟（{name}）正在运行；服务器一次只运行一项模拟，请等它结束后再试。",
            f"Another simulation ({name}) is running; the server runs one at a time. Try again "
            "when it has finished.",
        )


def estimated_seconds(scenario: ScenarioFile) -> float:
    """Roughly how long the run takes in one process (one core of the test machine)."""
    variant_quarters = scenario.periods * scenario.replications * (1 + len(scenario.scenarios))
    per_enterprise = SECONDS_PER_ENTERPRISE_QUARTER[uses_exact_draw(scenario)]
    return variant_quarters * (
        SECONDS_PER_VARIANT_QUARTER + scenario.population.enterprises * per_enterprise
    )


def check_size(scenario: ScenarioFile) -> None:
    """Refuse, with the reason and the way out, a run too large for the web server."""
    pop = scenario.population.enterprises
    if pop > MAX_ENTERPRISES:
        raise SimulationTooLargeError(
            f"企业数 {pop:,} 超过网页上限 {MAX_ENTERPRISES:,}",
            f"{pop:,} enterprises exceed the browser limit of {MAX_ENTERPRISES:,}",
        )
    if scenario.replications > MAX_REPLICATIONS:
        raise SimulationTooLargeError(
            f"重复次数 {scenario.replications} 超过网页上限 {MAX_REPLICATIONS}",
            f"{scenario.replications} replications exceed the browser limit of {MAX_REPLICATIONS}",
        )
    variants = 1 + len(scenario.scenarios)
    if variants > MAX_VARIANTS:
        raise SimulationTooLargeError(
            f"基准加情景共 {variants} 个，超过网页上限 {MAX_VARIANTS}",
            f"{variants} variants (baseline and scenarios) exceed the browser limit of "
            f"{MAX_VARIANTS}",
        )
    seconds = estimated_seconds(scenario)
    if seconds > MAX_SECONDS:
        raise SimulationTooLargeError(
            f"按企业数、季度数、重复次数和方案数估计需要约 {seconds:.0f} 秒，超过网页上限 "
            f"{MAX_SECONDS:.0f} 秒",
            f"from its enterprises, quarters, replications and variants it would take about "
            f"{seconds:.0f} s, over the browser limit of {MAX_SECONDS:.0f} s",
        )


@dataclass
class SimulationJob(JobState):
    kind: str  # "run" or "reproduce"
    scenario_id: str
    name: str
    actor: str
    started_at: datetime
    total: int
    estimate_s: float = 0.0  # estimated_seconds() when it started, shown while it runs
    done: int = 0
    cached: bool = False  # the result was already in the cache: nothing was recomputed
    identical: bool | None = None  # for "reproduce": the re-run matched the stored result

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class SimulationJobs:
    """Jobs by id, at most one running; finished jobs beyond the newest `keep` are forgotten
    (their results stay in the cache)."""

    def __init__(self, keep: int = 100) -> None:
        self._jobs: BackgroundJobs[SimulationJob] = BackgroundJobs("模拟运行", "simulating", keep)

    def get(self, job_id: str) -> SimulationJob | None:
        return self._jobs.get(job_id)

    def running(self) -> SimulationJob | None:
        return self._jobs.running()

    def start(self, job: SimulationJob, work: Callable[[SimulationJob], None]) -> SimulationJob:
        """Register `job` and run `work(job)` on a thread; refuse while another job runs."""

        def refuse(busy: SimulationJob) -> SimulationJob:
            raise SimulationBusyError(busy.name)

        return self._jobs.start(job, work, refuse)


def simulation_jobs(app: Flask) -> SimulationJobs:
    """The app's job registry, made on first use (the blueprint owns it, not the factory)."""
    jobs = app.extensions.get("jianguan_simulation_jobs")
    if jobs is None:
        jobs = app.extensions.setdefault("jianguan_simulation_jobs", SimulationJobs())
    assert isinstance(jobs, SimulationJobs)
    return jobs


def new_job(kind: str, scenario: ScenarioFile, actor: str) -> SimulationJob:
    return SimulationJob(
        id=secrets.token_hex(8),
        kind=kind,
        scenario_id=scenario_id(scenario),
        name=scenario.name,
        actor=actor,
        started_at=datetime.now(UTC),
        total=scenario.replications,
        estimate_s=estimated_seconds(scenario),
    )


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a result: enough to recognise it, not the numbers."""
    settings = result.get("settings", {})
    return {
        "name": result.get("name"),
        "variants": ["baseline", *result.get("scenarios", {})],
        "replications": settings.get("replications"),
        "periods": settings.get("periods"),
        "code_version": settings.get("code_version"),
    }


def _record(store: Store, actor: str, action: str, sid: str, after: dict[str, Any] | None) -> None:
    with store.session() as session:
        audit.record(session, actor, action, "simulation", sid, None, after)
        session.commit()


def _progress(job: SimulationJob) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        job.done, job.total = done, total

    return report


def run_work(store: Store, scenario: ScenarioFile, lang: str) -> Callable[[SimulationJob], None]:
    """The job body of a new run: reuse the cached result of the same id, or simulate; then
    render the report in the planner's language so the download is immediate."""

    def work(job: SimulationJob) -> None:
        job.cached = has_run(job.scenario_id)
        try:
            result = run_scenario(scenario, workers=1, progress=_progress(job))
        except Exception as err:
            reason = (
                err.message("zh") if isinstance(err, JianguanError) else "内部错误（见服务器日志）"
            )
            _record(
                store,
                job.actor,
                "simulation.run_failed",
                job.scenario_id,
                {"name": scenario.name, "error": reason},
            )
            raise
        job.done = job.total
        try:
            report_html(job.scenario_id, lang)
        except Exception:  # the result stands; the download renders the report again
            log.exception("report of simulation %s could not be rendered", job.scenario_id)
        _record(
            store,
            job.actor,
            "simulation.run",
            job.scenario_id,
            {**_summary(result), "cached": job.cached},
        )

    return work


def reproduce_work(store: Store, scenario: ScenarioFile) -> Callable[[SimulationJob], None]:
    """The job body of a re-run: simulate again without the cache and compare with the stored
    result. The stored result is kept either way (it is the one reports were made from)."""

    def work(job: SimulationJob) -> None:
        stored = load_run(job.scenario_id)
        fresh = run_scenario(scenario, workers=1, progress=_progress(job), use_cache=False)
        job.done = job.total
        job.identical = stored is not None and canonical_bytes(fresh) == canonical_bytes(stored)
        if stored is not None and not job.identical:
            store_result(job.scenario_id, scenario, stored)
        _record(
            store,
            job.actor,
            "simulation.reproduce",
            job.scenario_id,
            {**_summary(fresh), "identical": job.identical},
        )

    return work
