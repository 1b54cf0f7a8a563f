"""Regions solved, written and checked in one piece of work: a region's check that fails
stops the plan as the whole-plan check did, and what only the whole plan shows (an officer's
day spread over two regions) is still caught."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from scheduler import planner, region_task
from scheduler.plan_document import plan_bytes
from scheduler.planner import PlanInvariantError, PlanSettings, generate_plan
from scheduler.region_problem import RegionProblem, RegionResult
from scheduler.region_solver import solve_region
from scheduler.verify import verify_plan
from tests.scheduler import factory as f

# two cities, each with its own officers: two regions, so each region is one piece of work
DISTRICTS = ("360102", "360202")


def _instance():
    firms = f.enterprises(16, districts=DISTRICTS)
    staff = f.officers(6, "SCJG", ["food"], districts=DISTRICTS) + f.officers(
        6, "SW", ["tax"], districts=DISTRICTS
    )
    return firms, staff, f.task()


def _plan(firms, staff, task):
    return generate_plan(firms, staff, task, f.SEED, settings=PlanSettings(processes=1))


def test_two_regions_are_region_tasks_and_the_plan_holds() -> None:
    firms, staff, task = _instance()
    calls: list[str] = []
    original = region_task.solve_and_check

    def counted(job):
        calls.append(job.problem.region)
        return original(job)

    planner.solve_and_check = counted
    try:
        doc = _plan(firms, staff, task)
    finally:
        planner.solve_and_check = original
    assert sorted(calls) == ["3601", "3602"]
    assert verify_plan(doc, firms, staff, task) == []
    assert len(doc["inspections"]) == 16
    # the same bytes as two local processes give
    two = generate_plan(firms, staff, task, f.SEED, settings=PlanSettings(processes=2))
    assert plan_bytes(two) == plan_bytes(doc)


def _tampered(monkeypatch, change) -> None:
    """Make the solver of region 3602 hand back `change(problem, result)`."""

    def sloppy(problem: RegionProblem) -> RegionResult:
        result = solve_region(problem)
        if problem.region == "3602":
            change(problem, result)
        return result

    monkeypatch.setattr(region_task, "solve_region", sloppy)


def test_a_region_task_whose_check_fails_raises_the_plan_invariant_error(monkeypatch) -> None:
    def saturday(_problem, result) -> None:
        eid, (_day, team) = next(iter(result.inspections.items()))
        result.inspections[eid] = (date(2026, 3, 7), team)

    _tampered(monkeypatch, saturday)
    firms, staff, task = _instance()
    with pytest.raises(PlanInvariantError) as caught:
        _plan(firms, staff, task)
    assert "not a working day" in caught.value.message("en")
    assert "违反硬约束" in caught.value.message("zh")


def test_an_officer_over_the_daily_cap_across_two_regions_is_caught(monkeypatch) -> None:
    firms, staff, _task = _instance()
    task = f.task(period={"start": date(2026, 3, 2), "end": date(2026, 3, 3)})  # busy days
    # SCJG0000 works in 360102 (region 3601); region 3602's solver borrows them for two
    # inspections on one day, over their cap of 1. Region 3602 cannot count their day (it does
    # not know them): the whole plan is checked, and the daily cap found.
    staff = [dataclasses.replace(o, max_per_day=1) if o.id == "SCJG0000" else o for o in staff]

    def borrow(_problem, result) -> None:
        by_day: dict[date, list[str]] = {}
        for eid, (day, _team) in result.inspections.items():
            by_day.setdefault(day, []).append(eid)
        eids = next(e for _d, e in sorted(by_day.items()) if len(e) >= 2)
        for eid in eids[:2]:
            team = result.inspections[eid][1]
            team["SCJG"] = sorted([team["SCJG"][0], "SCJG0000"])

    _tampered(monkeypatch, borrow)
    with pytest.raises(PlanInvariantError) as caught:
        _plan(firms, staff, task)
    assert "SCJG0000" in caught.value.message("en")
    assert "over the daily cap of 1" in caught.value.message("en")


def test_regions_sharing_an_officer_or_an_enterprise_are_checked_as_one_plan() -> None:
    firms, staff, task = _instance()
    by_id = {o.id: o for o in staff}
    captured: list[RegionProblem] = []
    build = planner._region_problems

    def capture(*args, **kwargs):
        captured.extend(build(*args, **kwargs))
        return captured

    planner._region_problems = capture
    try:
        _plan(firms, staff, task)
    finally:
        planner._region_problems = build
    jobs = [region_task.region_task(p, task, by_id, None) for p in captured]
    assert not region_task.crosses_regions(jobs)
    a, b = jobs
    shared = dataclasses.replace(b, officers=(*b.officers, a.officers[0]))
    assert region_task.crosses_regions([a, shared])
    moved = dataclasses.replace(
        b.problem, enterprises=(*b.problem.enterprises, a.problem.enterprises[0])
    )
    assert region_task.crosses_regions([a, dataclasses.replace(b, problem=moved)])


def test_regions_team_figures_add_up_to_the_plans_and_refuse_a_shared_officer() -> None:
    from scheduler.team_figures import added, team_figures

    firms, staff, task = _instance()
    doc = _plan(firms, staff, task)
    district_of = {e.id: e.district for e in firms}
    rows = doc["inspections"]
    by_city: dict[str, list[dict]] = {}
    for row in rows:
        by_city.setdefault(district_of[row["enterprise_id"]][:4], []).append(row)
    parts = [team_figures(r, district_of) for r in by_city.values()]
    assert len(parts) == 2
    assert added(parts) == team_figures(rows, district_of)
    with pytest.raises(ValueError):
        added([parts[0], parts[0]])


def test_a_document_encoded_from_parts_made_beforehand_is_the_canonical_bytes() -> None:
    from scheduler.canonical_json import Encoded, canonical_bytes, canonical_bytes_with

    doc = {"草": [{"b": 1, "a": "é"}], "draw": [{"z": None, "y": [1, 2]}], "a": {"k": True}}
    made = {"draw": Encoded.of(doc["draw"]), "草": Encoded.of(doc["草"])}
    assert canonical_bytes_with(doc, made) == canonical_bytes(doc)
    assert canonical_bytes_with(doc, {}) == canonical_bytes(doc)
