"""Seconds for simulations started from the browser, measured next to the estimate the web
server uses to refuse runs that are too large (web.simulations.jobs.estimated_seconds, limit
MAX_SECONDS). Runs go as the web job runs them: one process (`workers=1`), BLAS threads
pinned to one, one core, the cache bypassed.

Run: .venv/bin/python benchmarks/sim_web_limits.py [--skip-largest]. Shapes: the form's
default scenario, small populations with many variant-quarters (the fixed cost), a population
at the exact-draw limit (the HMAC draw's cost) and the largest population accepted. The
synthetic population of each size is generated first; that time is not part of the figure.
The estimate should be at or above the measured time (a cautious refusal), not far below it.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import yaml  # noqa: E402

from simulations.population import load_population  # noqa: E402
from simulations.runner import run_scenario, uses_exact_draw  # noqa: E402
from simulations.scenario_file import ScenarioFile, parse_scenario  # noqa: E402
from web.simulations.jobs import MAX_ENTERPRISES, MAX_SECONDS, estimated_seconds  # noqa: E402
from web.simulations.scenario_form import blank_form, form_data  # noqa: E402


def _default_form_scenario() -> ScenarioFile:
    data, _rows, problems = form_data(blank_form())
    assert not problems, problems
    return parse_scenario(yaml.safe_dump(data, allow_unicode=True), "default form")


def _shape(enterprises: int, replications: int, variants: int, officers: int) -> ScenarioFile:
    scenarios = "".join(
        f"  - name: s{i}\n    overrides: {{officers_scale: {0.5 + 0.1 * i}}}\n"
        for i in range(1, variants)
    )
    text = (
        f"name: shape\npopulation: {{enterprises: {enterprises}, officers: {officers}, "
        f"seed: 7}}\nperiods: 4\nreplications: {replications}\nseed: 42\n"
    )
    return parse_scenario(text + (f"scenarios:\n{scenarios}" if scenarios else ""), "shape")


def _time(label: str, scenario: ScenarioFile) -> None:
    pop = scenario.population
    load_population(
        pop.enterprises, pop.officers, pop.seed, tuple(pop.districts or ()) or None, scenario.year
    )
    started = time.perf_counter()
    run_scenario(scenario, workers=1, use_cache=False)
    seconds = time.perf_counter() - started
    draw = "exact draw" if uses_exact_draw(scenario) else "sampler"
    print(
        f"{label}: {pop.enterprises:,} enterprises × {scenario.periods} quarters × "
        f"{scenario.replications} replications × {1 + len(scenario.scenarios)} variants "
        f"({draw}): measured {seconds:.1f} s, estimated {estimated_seconds(scenario):.1f} s "
        f"(limit {MAX_SECONDS:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-largest", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("JIANGUAN_INSTANCE", tempfile.mkdtemp(prefix="sim-web-bench-"))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the web job
    _time("default form", _default_form_scenario())
    _time("many variant-quarters", _shape(200, 50, 8, 10))
    _time("exact-draw limit", _shape(5_000, 20, 4, 60))
    _time("sampler", _shape(50_000, 10, 4, 600))
    if not args.skip_largest:
        _time("largest population", _shape(MAX_ENTERPRISES, 8, 2, 2_400))


if __name__ == "__main__":
    main()
