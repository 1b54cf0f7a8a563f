"""The plan split into pieces (regions, then departments within a region) and solved on
processes is the plan solved in one process: byte for byte, and every hard constraint holds
when the independent verifier checks it."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.plan_document import plan_bytes
from scheduler.planner import PlanSettings, generate_plan
from scheduler.region_solver import largest_first, solve_region, solve_regions
from scheduler.verify import verify_plan
from scheduler.work_pool import InProcess
from tests.random_budget import examples
from tests.scheduler import factory as f

# two districts in each of three cities: a multi-city task splits into regions
CITIES = (("360102", "360103"), ("360202", "360203"), ("360302", "360313"))
START = date(2026, 3, 2)


@st.composite
def instances(draw):
    cities = CITIES[: draw(st.integers(1, 3))]
    districts = tuple(d for pair in cities for d in pair)
    firms = f.enterprises(draw(st.integers(20, 90)), districts=districts, key_every=3)
    staff = []
    for dept, field in (("SCJG", "food"), ("SW", "tax")):
        for o in f.officers(draw(st.integers(4, 14)), dept, [field], districts=districts):
            leave = draw(st.lists(st.integers(0, 11), max_size=4, unique=True))
            recusals = draw(st.lists(st.sampled_from([e.id for e in firms]), max_size=3))
            staff.append(
                dataclasses.replace(
                    o,
                    unavailable=tuple(START + timedelta(days=d) for d in sorted(leave)),
                    recusals=tuple(recusals),
                    max_per_day=draw(st.none() | st.integers(1, 3)),
                )
            )
    task = f.task(
        period={"start": START, "end": date(2026, 3, 13)},
        sampling={"A": 0.6, "B": 1.0, "C": 0.5, "D": 1.0},
        calendar={"holidays": [], "quiet_days_of_month": [9]},
    )
    return firms, staff, task


@settings(max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_processes_give_the_same_bytes_and_the_verifier_accepts_them(instance) -> None:
    firms, staff, task = instance
    local = generate_plan(firms, staff, task, f.SEED, settings=PlanSettings(processes=1))
    assert verify_plan(local, firms, staff, task) == []
    parallel = generate_plan(firms, staff, task, f.SEED, settings=PlanSettings(processes=2))
    assert plan_bytes(parallel) == plan_bytes(local)


class _Wide(InProcess):
    """An in-process pool that claims many workers, so regions are split by department."""

    workers = 64


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_regions_as_pieces_equal_departments_as_pieces(instance) -> None:
    from scheduler import planner

    firms, staff, task = instance
    captured = []

    # The problems as the planner builds them (with ≥ 2 regions it solves them in region
    # tasks, not through solve_regions).
    build = planner._region_problems

    def capture(*args, **kwargs):
        problems = build(*args, **kwargs)
        captured.extend(problems)
        return problems

    planner._region_problems = capture
    try:
        generate_plan(firms, staff, task, f.SEED, settings=PlanSettings(processes=1))
    finally:
        planner._region_problems = build
    assert captured
    # ≥ 2 regions: one piece per region, as the planner deals them
    whole = largest_first(InProcess(), solve_region, captured, lambda p: len(p.enterprises))
    split = solve_regions(captured, _Wide())  # rounds, departments as pieces
    assert [(r.region, r.inspections, r.unscheduled, r.report) for r in whole] == [
        (r.region, r.inspections, r.unscheduled, r.report) for r in split
    ]
