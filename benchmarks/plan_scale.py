"""Scheduler scale benchmark: prints wall-clock times, never asserts them.

    .venv/bin/python benchmarks/plan_scale.py [--only county|province|naive] [--naive-limit 60]

County: 3,000 inspections, 200 officers (SCJG food + SW tax, joint), quiet days 1–15, two
months (2026-03-01..2026-04-30, statutory calendar). Province: 20,000 inspections, 1,400
officers over Jiangxi's 11 cities, regions solved in parallel processes. Naive: one CP-SAT
model (enterprise × officer × day: a day variable per inspection, a presence literal and an
optional interval per enterprise–officer pair, a cumulative per officer) on the county
instance under a time limit; the ratio compares its time with the day-first pipeline's.

Enterprises come from the synthetic registry generator (`simulations.synthetic_registry`,
with its stand-in tiers); every one is drawn (ratio 1.0) so the inspection count is exact.
Officers are built here so each department has enough staff for the load (the generator's
department mix — 70% SCJG, 20% SW — cannot staff a joint SCJG+SW task of this size).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jianguan.registry_schema import Enterprise, Officer
from scheduler.plan_document import plan_bytes
from scheduler.planner import PlanSettings, generate_plan
from scheduler.task_file import Task, parse_task
from scheduler.work_calendar import build_calendar
from simulations.synthetic_registry import generate_enterprises

SEED = "5eed" * 8
START, END = date(2026, 3, 1), date(2026, 4, 30)
CITIES = ["3601", "3602", "3603", "3604", "3605", "3606", "3607", "3608", "3609", "3610", "3611"]


def task(task_id: str) -> Task:
    text = f"""
id: {task_id}
title: 基准测试联合抽查
lead_department: SCJG
period: {{start: {START}, end: {END}}}
items:
  - {{code: SCJG-FOOD-01, name: 食品经营者监督检查, department: SCJG, field: food}}
  - {{code: SW-INV-01, name: 发票管理检查, department: SW, field: tax}}
sampling: {{A: 1.0, B: 1.0, C: 1.0, D: 1.0}}
key_supervision: all
officers_per_department: 2
max_per_officer_per_day: 3
calendar:
  quiet_days_of_month: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
"""
    return parse_task(text, "benchmark-task.yaml")


def firms(n: int, cities: list[str], seed: int) -> list[Enterprise]:
    table = generate_enterprises(n, seed, cities, fill_decided=True).to_pylist()
    return [Enterprise(**row) for row in table]


def staff(m: int, enterprises: list[Enterprise], seed: int) -> list[Officer]:
    """Half SCJG (food plus one other field), half SW; each officer's unit is a district
    weighted by its enterprises; 10% leave days, 2% recuse from one enterprise nearby."""
    rng = random.Random(seed)
    districts = [e.district for e in enterprises]
    by_district: dict[str, list[str]] = {}
    for e in enterprises:
        by_district.setdefault(e.district, []).append(e.id)
    days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
    out = []
    for i in range(m):
        dept = "SCJG" if i % 2 == 0 else "SW"
        district = rng.choice(districts)
        fields = ("food", rng.choice(["quality", "price", "ad"])) if dept == "SCJG" else ("tax",)
        leave = tuple(sorted(d for d in days if rng.random() < 0.10))
        recuse = (rng.choice(by_district[district]),) if rng.random() < 0.02 else ()
        out.append(
            Officer(
                id=f"{dept[0]}{i:05d}",
                name=f"人员{i}",
                department=dept,
                district=district,
                certificate=f"{district}{i:05d}",
                fields=fields,
                unavailable=leave,
                recusals=recuse,
            )
        )
    return out


def run_pipeline(name: str, n: int, m: int, cities: list[str], settings: PlanSettings) -> float:
    enterprises = firms(n, cities, seed=11)
    officers = staff(m, enterprises, seed=12)
    t = task(f"BENCH-{name}")
    began = time.perf_counter()
    doc = cast(dict[str, Any], generate_plan(enterprises, officers, t, SEED, settings=settings))
    elapsed = time.perf_counter() - began
    print(
        f"{name}: {len(doc['inspections'])} scheduled, {len(doc['unscheduled'])} unscheduled, "
        f"{m} officers, {len(cities)} cities, {elapsed:.1f} s, quality {doc['quality']}, "
        f"{len(plan_bytes(doc)) / 1e6:.1f} MB plan"
    )
    return elapsed


def run_cli_registry(n: int, m: int, cities: list[str], settings: PlanSettings) -> float:
    """The same county task on a registry written by `jianguan registry generate` (its own
    officer mix: 70% SCJG with 2–4 of 8 fields, 20% SW, 8% without certificate)."""
    import subprocess
    import tempfile

    from jianguan.registry_read import read_enterprises, read_inspectors

    with tempfile.TemporaryDirectory() as folder:
        jianguan = Path(sys.executable).with_name("jianguan")
        subprocess.run(
            [
                str(jianguan),
                "registry",
                "generate",
                "--enterprises",
                str(n),
                "--officers",
                str(m),
                "--seed",
                "11",
                "--out",
                folder,
                "--districts",
                ",".join(cities),
            ],
            check=True,
            capture_output=True,
        )
        enterprises = read_enterprises(Path(folder) / "enterprises.csv")
        officers = read_inspectors(Path(folder) / "inspectors.csv")
    try:
        import rules.api  # noqa: F401
    except ImportError:
        # Until the rule packages can decide tiers, take the generator's own stand-in tiers
        # for the very same rows (same n, seed and districts give the same ids).
        stand_in = {e.id: e for e in firms(n, cities, seed=11)}
        enterprises = [
            dataclasses.replace(
                e,
                credit_tier=stand_in[e.id].credit_tier,
                key_supervision=stand_in[e.id].key_supervision,
            )
            for e in enterprises
        ]
        print("rules.api not available: using the generator's stand-in tiers")
    t = task("BENCH-cli-registry")
    began = time.perf_counter()
    doc = cast(dict[str, Any], generate_plan(enterprises, officers, t, SEED, settings=settings))
    elapsed = time.perf_counter() - began
    checks = doc["report"]["regions"][0]["capacity_check"]
    print(
        f"county on `jianguan registry generate` data: {len(doc['inspections'])} scheduled, "
        f"{len(doc['unscheduled'])} unscheduled, {elapsed:.1f} s; capacity "
        + ", ".join(
            f"{c['department']} {c['capacity_officer_slots']}/{c['demand_officer_slots']} slots"
            for c in checks
        )
    )
    return elapsed


def run_naive(limit_s: float) -> float:
    """The monolithic model the research measured; returns seconds (the limit if no solution)."""
    from ortools.sat.python import cp_model

    enterprises = firms(3000, ["3601"], seed=11)
    officers = staff(200, enterprises, seed=12)
    t = task("BENCH-naive")
    days = build_calendar(t).schedulable_days
    began = time.perf_counter()
    model = cp_model.CpModel()
    by_officer: dict[str, list[cp_model.IntervalVar]] = {o.id: [] for o in officers}
    for e in enterprises:
        day = model.new_int_var(0, len(days) - 1, f"day[{e.id}]")
        for dept in ("SCJG", "SW"):
            present = []
            for o in officers:
                if o.department != dept or e.id in o.recusals:
                    continue
                lit = model.new_bool_var(f"a[{e.id},{o.id}]")
                by_officer[o.id].append(model.new_optional_fixed_size_interval_var(day, 1, lit, ""))
                present.append(lit)
            model.add(sum(present) == 2)
    for o in officers:
        model.add_cumulative(by_officer[o.id], [1] * len(by_officer[o.id]), 3)
    built = time.perf_counter() - began
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = limit_s
    status = solver.solve(model)
    elapsed = time.perf_counter() - began
    print(
        f"naive: 3000 × 200 × {len(days)} days, model built in {built:.1f} s, "
        f"status {solver.status_name(status)} after {elapsed:.1f} s (limit {limit_s:.0f} s)"
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["county", "province", "naive", "cli-registry"])
    parser.add_argument("--naive-limit", type=float, default=60.0)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    county = None
    if args.only in (None, "county", "naive"):
        county = run_pipeline("county", 3000, 200, ["3601"], PlanSettings(num_workers=2))
    if args.only in (None, "province"):
        run_pipeline("province", 20000, 1400, CITIES, PlanSettings(num_workers=1, processes=2))
    if args.only in (None, "cli-registry"):
        run_cli_registry(3000, 200, ["3601"], PlanSettings(num_workers=2))
    if args.only in (None, "naive") and county is not None:
        naive = run_naive(args.naive_limit)
        print(
            f"naive / day-first time ratio: {naive / county:.1f}× (naive is a lower bound "
            "when it hit its limit)"
        )


if __name__ == "__main__":
    main()
