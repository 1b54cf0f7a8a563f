"""Our planner against the baselines a bureau could use instead, on the county instance.

    .venv/bin/python benchmarks/plan_peers.py [--enterprises 30000] [--officers 600]
        [--no-timefold]

The instance is plan_scale.py's growth county: 30,000 enterprises of Nanchang's nine
districts, 600 officers (half SCJG, half SW), the joint SCJG food + SW tax task with quiet
days 1–15 and formats.md's sampling. Every planner schedules the same draw (formats.md §3):
- ours: `generate_plan` (CP-SAT days per region, min-cost-flow teams, officers lent whole
  between districts where that evens load: scheduler/day_zones.py), draw and checks included;
- greedy: written here, as a bureau's IT department would first write it — each drawn
  enterprise in draw order takes the first day on which every department still has enough
  eligible officers, and the least-loaded eligible officers of each department that day;
- Timefold Solver (the `timefold` package, the `peers` extra, with a JDK 17+): the same model
  — a day per inspection, an officer per team seat, the hard constraints of formats.md §4 and
  the soft goals (travel: districts per officer-day; even load) — given our wall time.
For each: scheduled, unscheduled, hard violations (scheduler.verify.check_inspections, the
independent checker of `plan verify`), districts per officer-day, the coefficient of variation
of officer load within each department (over every qualified officer, idle ones included),
team places filled by an officer from another district (the price of evening load with whole
officers; not a goal of the issue, shown so the trade is visible), and time. The machine is shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.plan_scale import FORMATS_SAMPLING, SEED, firms, staff, task
from jianguan.registry_schema import Enterprise, Officer
from scheduler.draw import classify, draw, in_population
from scheduler.officer_pool import qualified_slots
from scheduler.plan_document import quality_of
from scheduler.planner import PlanSettings, generate_plan
from scheduler.task_file import Task
from scheduler.verify import check_inspections, verify_plan
from scheduler.work_calendar import build_calendar


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} (1/5 min) on {os.cpu_count()} cores"


def drawn_ids(enterprises: list[Enterprise], t: Task) -> list[str]:
    population = classify([e for e in enterprises if in_population(e, t)], t.period.start)
    return [d.enterprise_id for d in draw(population, t, SEED).drawn]


def greedy(enterprises: list[Enterprise], officers: list[Officer], t: Task) -> dict[str, Any]:
    """First day with capacity, least-loaded eligible officers (ties by id)."""
    ids = drawn_ids(enterprises, t)
    days = build_calendar(t).schedulable_days
    by_dept = defaultdict(list)
    for s in qualified_slots(officers, t):
        by_dept[s.department].append(s)
    need = t.officers_per_department
    cap = {s.id: s.cap for slots in by_dept.values() for s in slots}
    load: Counter[str] = Counter()
    used: Counter[tuple[str, date]] = Counter()
    # officers of a department still under their cap that day (a day below `need` is skipped)
    room = {
        (dept, d): sum(d not in s.unavailable for s in slots)
        for dept, slots in by_dept.items()
        for d in days
    }
    inspections, unscheduled = [], []
    for eid in ids:
        for day in days:
            if any(room[dept, day] < need for dept in t.departments):
                continue
            team = {}
            for dept in t.departments:
                free = [
                    s
                    for s in by_dept[dept]
                    if day not in s.unavailable
                    and eid not in s.recusals
                    and used[s.id, day] < s.cap
                ]
                if len(free) < need:
                    break
                free.sort(key=lambda s: (load[s.id], s.id))
                team[dept] = sorted(s.id for s in free[:need])
            if len(team) < len(t.departments):
                continue
            for dept, members in team.items():
                for oid in members:
                    load[oid] += 1
                    used[oid, day] += 1
                    if used[oid, day] == cap[oid]:
                        room[dept, day] -= 1
            inspections.append(
                {
                    "enterprise_id": eid,
                    "date": day.isoformat(),
                    "items": sorted(t.item_codes),
                    "team": team,
                }
            )
            break
        else:
            unscheduled.append({"enterprise_id": eid, "reason": "no day with enough officers"})
    return {"inspections": inspections, "unscheduled": unscheduled}


def figures(
    name: str,
    plan: dict[str, Any],
    seconds: float,
    enterprises: list[Enterprise],
    officers: list[Officer],
    t: Task,
) -> dict[str, Any]:
    district_of = {e.id: e.district for e in enterprises}
    home = {o.id: o.district for o in officers}
    pool = qualified_slots(officers, t)
    quality = quality_of(plan["inspections"], district_of, [s.id for s in pool])
    load: Counter[str] = Counter({s.id: 0 for s in pool})
    for insp in plan["inspections"]:
        for members in insp["team"].values():
            load.update(members)
    cv = {}
    for dept in t.departments:
        mine = [load[s.id] for s in pool if s.department == dept]
        mean = statistics.fmean(mine) if mine else 0.0
        cv[dept] = statistics.pstdev(mine) / mean if mean else 0.0
    return {
        "name": name,
        "scheduled": len(plan["inspections"]),
        "unscheduled": len(plan["unscheduled"]),
        "hard": len(check_inspections(plan["inspections"], officers, t)),
        "dpod": quality["districts_per_officer_day"],
        "cv": cv,
        "away": sum(
            home[oid] != district_of[insp["enterprise_id"]]
            for insp in plan["inspections"]
            for members in insp["team"].values()
            for oid in members
        ),
        "seconds": seconds,
        "load": load_text(),
    }


def load_text() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=30_000)
    parser.add_argument("--officers", type=int, default=600)
    parser.add_argument("--no-timefold", action="store_true")
    parser.add_argument(
        "--timefold-long",
        type=float,
        default=60.0,
        metavar="S",
        help="also give Timefold this many seconds (0: only our wall time)",
    )
    args = parser.parse_args()
    enterprises = firms(args.enterprises, ["3601"], seed=11)
    officers = staff(args.officers, enterprises, seed=12)
    t = task("BENCH-peers", FORMATS_SAMPLING)
    print(
        f"county: {len(enterprises):,} enterprises (3601's nine districts), {len(officers)} officers, "
        f"joint SCJG+SW, quiet days 1–15, {t.period.start}..{t.period.end}, sampling "
        f"{FORMATS_SAMPLING}; {load()} at the start"
    )
    rows = []
    began = time.perf_counter()
    ours = cast(
        dict[str, Any], generate_plan(enterprises, officers, t, SEED, settings=PlanSettings())
    )
    ours_s = time.perf_counter() - began
    rows.append(figures("ours (generate_plan)", ours, ours_s, enterprises, officers, t))
    full = verify_plan(ours, enterprises, officers, t)
    began = time.perf_counter()
    base = greedy(enterprises, officers, t)
    rows.append(
        figures(
            "greedy (first day, least loaded)",
            base,
            time.perf_counter() - began,
            enterprises,
            officers,
            t,
        )
    )
    timefold_note = ""
    if args.no_timefold:
        timefold_note = "Timefold: skipped (--no-timefold)"
    else:
        why_not = timefold_missing()
        if why_not:
            timefold_note = f"Timefold: not run — {why_not}"
        else:
            from benchmarks._timefold_model import solve_timefold

            began = time.perf_counter()
            tf, solve_s, score = solve_timefold(
                enterprises, officers, t, drawn_ids(enterprises, t), ours_s
            )
            total = time.perf_counter() - began
            rows.append(
                figures("Timefold Solver (same limit)", tf, total, enterprises, officers, t)
            )
            timefold_note = (
                f"Timefold: solve limit {ours_s:.1f} s (ours' wall time); solving {solve_s:.1f} s, "
                f"{total:.1f} s with model building and JVM start; final score {score}"
            )
            if args.timefold_long > 0:
                began = time.perf_counter()
                tf, solve_s, score = solve_timefold(
                    enterprises, officers, t, drawn_ids(enterprises, t), args.timefold_long
                )
                total = time.perf_counter() - began
                name = f"Timefold Solver ({args.timefold_long:.0f} s limit)"
                rows.append(figures(name, tf, total, enterprises, officers, t))
                timefold_note += (
                    f"; with a {args.timefold_long:.0f} s limit: solving {solve_s:.1f} s, "
                    f"final score {score}"
                )
    print(
        f"  {'planner':34s} {'scheduled':>9s} {'unsched':>7s} {'hard':>5s} {'districts/':>10s} "
        f"{'load CV':>7s} {'load CV':>7s} {'places':>7s} {'time':>7s}  load avg"
    )
    print(
        f"  {'':34s} {'':>9s} {'':>7s} {'':>5s} {'off-day':>10s} {'SCJG':>7s} {'SW':>7s} "
        f"{'away':>7s}"
    )
    for r in rows:
        print(
            f"  {r['name']:34s} {r['scheduled']:9,} {r['unscheduled']:7,} {r['hard']:5} "
            f"{r['dpod']:10.4f} {r['cv']['SCJG']:7.3f} {r['cv']['SW']:7.3f} {r['away']:7,} "
            f"{r['seconds']:6.1f}s  {r['load']}"
        )
    print(f"  ours, full `plan verify` (draw, sha256s, quality): {len(full)} problem(s)")
    print(f"  {timefold_note}")
    mine, others = rows[0], rows[1:]
    for other in others:
        if other["scheduled"] < mine["scheduled"]:
            print(
                f"  ours vs {other['name']}: it scheduled {other['scheduled']:,} of "
                f"{mine['scheduled']:,} in {other['seconds']:.1f} s (ours {mine['seconds']:.1f} s): "
                "soft goals compare only plans of equal coverage"
            )
            continue
        better = {
            "districts/officer-day": mine["dpod"] <= other["dpod"],
            "load CV SCJG": mine["cv"]["SCJG"] <= other["cv"]["SCJG"],
            "load CV SW": mine["cv"]["SW"] <= other["cv"]["SW"],
        }
        lost = [k for k, ok in better.items() if not ok]
        print(
            f"  ours vs {other['name']}: best on every soft goal: {not lost}"
            + (f" (not on {', '.join(lost)})" if lost else "")
            + f"; time {mine['seconds']:.1f} s vs {other['seconds']:.1f} s; "
            f"hard violations {mine['hard']} vs {other['hard']}"
        )


def timefold_missing() -> str:
    """Why Timefold cannot run here ('' when it can): the package, and a JDK 17+ on PATH."""
    try:
        import timefold.solver  # noqa: F401
    except ImportError:
        return "the `timefold` package is not installed (pip install -e '.[peers]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (apt-get install -y openjdk-17-jdk-headless)"
    return ""


if __name__ == "__main__":
    main()
