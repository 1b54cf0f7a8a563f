"""A 32-replication sweep on a Dask LocalCluster with 1 and with 2 workers: the speed-up.

Run: .venv/bin/python benchmarks/sim_sweep.py [--enterprises N] [--replications R]
Each replication runs the baseline and one scenario (D ratio halved) for 4 quarters. Workers
are warmed up (population loaded) before timing, so the figure is the sweep itself. The
result of both cluster sizes must be identical (the run function is pure); the script checks.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from distributed import Client, LocalCluster

from simulations.runner import replication_seeds, run, run_scenario
from simulations.scenario_file import parse_scenario

SCENARIO = """\
name: sweep
population: {{enterprises: {n}, officers: {m}, seed: 7}}
periods: 4
replications: {r}
seed: 42
draw: sampler
scenarios:
  - name: D-half
    overrides: {{sampling: {{D: 0.5}}}}
"""


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--replications", type=int, default=32)
    args = parser.parse_args()
    scenario = parse_scenario(
        SCENARIO.format(n=args.enterprises, m=args.enterprises // 80, r=args.replications)
    )
    results = {}
    times = {}
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            # Warm-up: every worker loads (and caches) the population before the clock starts.
            warm = [
                client.submit(
                    run, scenario, replication_seeds(scenario)[:1], workers=[w], pure=False
                )
                for w in client.scheduler_info()["workers"]
            ]
            client.gather(warm)
            cpu_before = sum(client.run(_cpu_seconds).values())
            started = time.perf_counter()
            results[workers] = run_scenario(scenario, cluster=client, use_cache=False)
            times[workers] = time.perf_counter() - started
            cpu = sum(client.run(_cpu_seconds).values()) - cpu_before
        print(
            f"{args.replications} replications × 2 variants, {args.enterprises:,} enterprises, "
            f"LocalCluster {workers} worker(s): {times[workers]:.2f} s wall, {cpu:.1f} CPU-s in "
            f"workers (cores actually obtained: {cpu / times[workers]:.2f})"
        )
    assert results[1] == results[2], "the sweep must not depend on the number of workers"
    print(f"speed-up 1 → 2 workers: {times[1] / times[2]:.2f}× (identical results)")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} (2-core machine, shared)")


if __name__ == "__main__":
    main()
