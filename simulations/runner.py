"""Running a scenario file: one pure function, executed in-process, on processes or on Dask.

`run(scenario, replication_seeds)` is the unit of work: it loads (or regenerates, from its
seed) the population, runs every variant of each given replication, and returns small
per-replication metric lists. It is pure — same arguments, same numbers, wherever it runs —
so work is split by replications and sent to a local process pool or, with `--cluster`, to a
Dask scheduler, and the parts are merged in replication order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any

import numpy as np

from jianguan.errors import JianguanError
from scheduler.work_calendar import CalendarError
from simulations import rule_packages
from simulations.capacity import period_task, quarter_bounds, schedulable_days
from simulations.compare import PerReplication, compare, merge
from simulations.model import RunSettings, run_variant
from simulations.policy import resolve_policies
from simulations.population import load_population
from simulations.scenario_file import ScenarioFile
from simulations.scenario_id import cached_result, code_version, scenario_id, store_result

Progress = Callable[[int, int], None]
CONNECT_TIMEOUT = "10s"  # how long to wait for a Dask scheduler before giving up


def replication_seeds(scenario: ScenarioFile) -> list[int]:
    """One seed per replication, derived from the scenario's `seed`."""
    return [
        int(np.random.SeedSequence([scenario.seed, r]).generate_state(1, np.uint64)[0] >> 1)
        for r in range(scenario.replications)
    ]


def uses_exact_draw(scenario: ScenarioFile) -> bool:
    if scenario.draw == "auto":
        return scenario.population.enterprises <= scenario.exact_draw_limit
    return scenario.draw == "exact"


def run(scenario: ScenarioFile, seeds: Sequence[int]) -> PerReplication:
    """Metrics of every variant (baseline first) for each replication seed, in seed order."""
    pop = scenario.population
    population = load_population(
        pop.enterprises,
        pop.officers,
        pop.seed,
        tuple(pop.districts) if pop.districts else None,
        scenario.year,
    )
    policies = resolve_policies(scenario)
    settings = RunSettings(scenario.year, scenario.periods, uses_exact_draw(scenario))
    out: PerReplication = {p.name: {} for p in policies}
    for seed in seeds:
        for policy in policies:
            metrics = run_variant(population, policy, policies[0], settings, seed)
            for key, value in metrics.items():
                out[policy.name].setdefault(key, []).append(value)
    return out


class ClusterError(JianguanError):
    def __init__(self, address: str, reason: str) -> None:
        super().__init__(
            f"无法连接 Dask 集群 {address}：{reason}；请检查地址（tcp://主机:端口）和调度器是否已启动",
            f"cannot reach the Dask cluster at {address}: {reason}; check the address "
            "(tcp://HOST:PORT) and that the scheduler is running",
        )


def _batches(seeds: Sequence[int], size: int) -> list[list[int]]:
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def _on_processes(
    scenario: ScenarioFile, seeds: Sequence[int], workers: int, progress: Progress
) -> list[PerReplication]:
    parts: list[PerReplication | None] = [None] * len(seeds)
    # `spawn`: a forked child would inherit the parent's threads and locks (Dask, BLAS).
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run, scenario, [s]): i for i, s in enumerate(seeds)}
        for done, future in enumerate(as_completed(futures), start=1):
            parts[futures[future]] = future.result()
            progress(done, len(seeds))
    return [p for p in parts if p is not None]


def _on_dask(
    scenario: ScenarioFile, seeds: Sequence[int], cluster: Any, progress: Progress
) -> list[PerReplication]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    own = isinstance(cluster, str)
    try:
        client = Client(cluster, timeout=CONNECT_TIMEOUT) if own else cluster
    except (OSError, TimeoutError) as err:
        raise ClusterError(str(cluster), str(err)) from None
    try:
        batches = _batches(seeds, 1)
        futures = client.map(run, [scenario] * len(batches), batches, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        parts: list[PerReplication | None] = [None] * len(batches)
        for done, future in enumerate(dask_completed(futures), start=1):
            parts[index[future.key]] = future.result()
            progress(done, len(batches))
        return [p for p in parts if p is not None]
    finally:
        if own:
            client.close()


class ScenarioCalendarError(JianguanError):
    def __init__(self, year: int) -> None:
        super().__init__(
            f"模拟期覆盖 {year} 年，而内置的法定节假日数据没有该年；不能猜测。请在情景文件的 "
            "baseline.calendar.holidays 中列出该年的节假日（以及 extra_workdays 调休日），"
            "或减少 periods / 调整 year",
            f"the simulated periods reach {year}, for which the statutory holiday data has no "
            "entries; refusing to guess. List that year's holidays in the scenario's "
            "baseline.calendar.holidays (and 调休 days in extra_workdays), or reduce periods / "
            "change year",
        )


def check_calendars(scenario: ScenarioFile) -> None:
    """Build every variant's period calendars up front, so an unknown year is refused here,
    with a message about the scenario file, before any work is sent out."""
    for policy in resolve_policies(scenario):
        for p in range(scenario.periods):
            start, end = quarter_bounds(scenario.year, p)
            try:
                schedulable_days(period_task(policy, f"SIM-CHECK-P{p + 1}", start, end))
            except CalendarError:
                raise ScenarioCalendarError(start.year) from None


def notes(scenario: ScenarioFile) -> list[dict[str, str]]:
    """Warnings a planner needs to read the result right, in both languages."""
    policies = resolve_policies(scenario)
    base = policies[0]
    out: list[dict[str, str]] = []
    if not rule_packages.d_tier_is_key():
        return out
    for p in policies[1:]:
        if p.d_tier_key_supervision and p.sampling["D"] != base.sampling["D"]:
            out.append(
                {
                    "zh": f"情景 {p.name}：按现行 supervision 规则包，D 类企业全部纳入重点监管"
                    "（全覆盖），D 类抽查比例不起作用；如需比较 D 类按比例抽查，请同时设置 "
                    "d_tier_key_supervision: false",
                    "en": f"scenario {p.name}: under the shipped supervision package every "
                    "tier-D firm is under key supervision (full coverage), so the D ratio has "
                    "no effect; to compare D sampled at a ratio, also set "
                    "d_tier_key_supervision: false",
                }
            )
    return out


def run_scenario(
    scenario: ScenarioFile,
    *,
    workers: int | None = None,
    cluster: Any = None,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> dict[str, Any]:
    """result.json for a scenario (formats.md §7), from the cache when the id has run before.

    `cluster` is a Dask scheduler address (`tcp://HOST:PORT`) or a `distributed.Client`;
    otherwise `workers` processes run locally (1 = in this process; default: all cores).
    """
    sid = scenario_id(scenario)
    if use_cache:
        cached = cached_result(sid)
        if cached is not None:
            return cached
    check_calendars(scenario)
    report = progress or (lambda done, total: None)
    seeds = replication_seeds(scenario)
    if cluster is not None:
        parts = _on_dask(scenario, seeds, cluster, report)
    else:
        n = workers or os.cpu_count() or 1
        if n <= 1 or len(seeds) == 1:
            parts = []
            for i, seed in enumerate(seeds, start=1):
                parts.append(run(scenario, [seed]))
                report(i, len(seeds))
        else:
            parts = _on_processes(scenario, seeds, min(n, len(seeds)), report)
    per_replication = merge(parts)
    compared = compare(per_replication)
    # What each column changed, so a result file explains itself.
    compared["baseline"]["overrides"] = scenario.baseline.model_dump(mode="json", exclude_none=True)
    for named in scenario.scenarios:
        compared["scenarios"][named.name]["overrides"] = named.overrides.model_dump(
            mode="json", exclude_none=True
        )
    result: dict[str, Any] = {
        "scenario_id": sid,
        "name": scenario.name,
        **compared,
        "replications": per_replication,
        "settings": {
            "code_version": code_version(),
            "draw": "exact HMAC (formats.md §3)" if uses_exact_draw(scenario) else "seeded sampler",
            "periods": scenario.periods,
            "replications": scenario.replications,
            "seed": scenario.seed,
        },
        "notes": notes(scenario),
    }
    store_result(sid, scenario, _json_safe(result))
    return _json_safe(result)


def _json_safe(value: Any) -> Any:
    """NaN (an undefined metric in one replication) becomes null: JSON has no NaN."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
