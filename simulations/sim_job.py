"""Simulation runs as durable jobs (kind "simulation"): a new run, or a re-run to reproduce.

Inputs {mode: "run" | "reproduce", scenario (the file as data), scenario_id, name, lang,
estimate_s}; result {cached, identical}. Runs go through `simulations.runner.run_scenario` in
the worker's process (`workers=1`: one core per run). Results land in the simulations cache
under their scenario id, so a rerun after a killed worker finds or recomputes the same result.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from jianguan import audit
from jianguan.db import Store
from jianguan.errors import JianguanError
from jianguan.job_worker import JobContext
from scheduler.canonical_json import canonical_bytes
from simulations.run_cache import has_run, load_run, report_html
from simulations.runner import run_scenario
from simulations.scenario_file import ScenarioFile
from simulations.scenario_id import scenario_id, store_result

log = logging.getLogger(__name__)

KIND = "simulation"


def simulation_inputs(
    mode: str, scenario: ScenarioFile, lang: str, estimate_s: float
) -> dict[str, Any]:
    return {
        "mode": mode,
        "scenario": scenario.model_dump(mode="json"),
        "scenario_id": scenario_id(scenario),
        "name": scenario.name,
        "lang": lang,
        "estimate_s": estimate_s,
    }


def scenario_of(inputs: dict[str, Any]) -> ScenarioFile:
    """The job's scenario, refused when this worker's code gives it another id than the web
    process did (a worker of another version would compute another result)."""
    scenario = ScenarioFile.model_validate_json(json.dumps(inputs["scenario"]))
    if scenario_id(scenario) != inputs["scenario_id"]:
        raise JianguanError(
            "工作进程的模型代码或规则包与网页进程不同（情景编号不一致）；请将所有进程升级到同一版本后重新运行。",
            "The worker's model code or rule packages differ from the web process's (the "
            "scenario id does not match); run every process at the same version, then start "
            "the run again.",
        )
    return scenario


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


def _record_failure(store: Store, actor: str, sid: str, name: str, err: Exception) -> None:
    reason = err.message("zh") if isinstance(err, JianguanError) else "内部错误（见服务器日志）"
    with store.session() as session:
        audit.record(
            session,
            actor,
            "simulation.run_failed",
            "simulation",
            sid,
            None,
            {"name": name, "error": reason},
        )


def run_simulation(job: JobContext) -> None:
    scenario = scenario_of(job.inputs)
    sid = job.inputs["scenario_id"]
    if job.inputs["mode"] == "reproduce":
        _reproduce(job, scenario, sid)
    else:
        _run(job, scenario, sid)


def _run(job: JobContext, scenario: ScenarioFile, sid: str) -> None:
    """Reuse the cached result of the same id, or simulate; then render the report in the
    planner's language so the download is immediate."""
    cached = has_run(sid)
    try:
        result = run_scenario(scenario, workers=1, progress=job.step)
    except Exception as err:
        _record_failure(job.store, job.started_by, sid, scenario.name, err)
        raise
    job.step(scenario.replications, scenario.replications)
    try:
        report_html(sid, job.inputs["lang"])
    except Exception:  # the result stands; the download renders the report again
        log.exception("report of simulation %s could not be rendered", sid)
    with job.store.session() as session:
        after = {**_summary(result), "cached": cached}
        audit.record(session, job.started_by, "simulation.run", "simulation", sid, None, after)
        job.finish_in(session, {"cached": cached, "identical": None})


def _reproduce(job: JobContext, scenario: ScenarioFile, sid: str) -> None:
    """Simulate again without the cache and compare with the stored result. The stored
    result is kept either way (it is the one reports were made from)."""
    stored = load_run(sid)
    fresh = run_scenario(scenario, workers=1, progress=job.step, use_cache=False)
    job.step(scenario.replications, scenario.replications)
    identical = stored is not None and canonical_bytes(fresh) == canonical_bytes(stored)
    if stored is not None and not identical:
        store_result(sid, scenario, stored)
    with job.store.session() as session:
        after = {**_summary(fresh), "identical": identical}
        audit.record(
            session, job.started_by, "simulation.reproduce", "simulation", sid, None, after
        )
        job.finish_in(session, {"cached": False, "identical": identical})
