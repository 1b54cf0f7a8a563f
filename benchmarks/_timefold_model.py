"""The county task as a Timefold Solver model (used by plan_peers.py; not a script).

Planning entities: a `Visit` per drawn enterprise with a planning variable `day` (the task's
schedulable days: working days outside quiet days, so the calendar holds by construction),
and a `Seat` per officer place on its team (departments × officers_per_department) with a
planning variable `officer` whose value range is that department's qualified officers.
Hard: an officer on leave that day, a recusal, the same officer twice on one team, more than
the daily cap. Medium (travel, formats.md's first soft goal): each officer-day's districts
beyond the first. Soft (even load): the square of each officer's load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from timefold.solver import SolverFactory
from timefold.solver.config import (
    Duration,
    ScoreDirectorFactoryConfig,
    SolverConfig,
    TerminationConfig,
)
from timefold.solver.domain import (
    PlanningEntityCollectionProperty,
    PlanningId,
    PlanningScore,
    PlanningVariable,
    ProblemFactCollectionProperty,
    ValueRangeProvider,
    planning_entity,
    planning_solution,
)
from timefold.solver.score import (
    ConstraintCollectors,
    ConstraintFactory,
    HardMediumSoftScore,
    Joiners,
    constraint_provider,
)

from jianguan.registry_schema import Enterprise, Officer
from scheduler.officer_pool import qualified_slots
from scheduler.task_file import Task
from scheduler.work_calendar import build_calendar


@dataclass
class Staff:
    id: Annotated[str, PlanningId]
    department: str
    cap: int
    unavailable: set[int]
    recusals: set[str]


@planning_entity
@dataclass
class Visit:
    id: Annotated[str, PlanningId]
    district: str
    day: Annotated[int | None, PlanningVariable(value_range_provider_refs=["days"])] = field(
        default=None
    )


@planning_entity
@dataclass
class Seat:
    id: Annotated[str, PlanningId]
    visit_id: str
    department: str
    candidates: Annotated[list[Staff], ValueRangeProvider(id="seat_officers")]
    officer: Annotated[
        Staff | None, PlanningVariable(value_range_provider_refs=["seat_officers"])
    ] = field(default=None)


@planning_solution
@dataclass
class County:
    days: Annotated[list[int], ValueRangeProvider(id="days")]
    staff: Annotated[list[Staff], ProblemFactCollectionProperty]
    visits: Annotated[list[Visit], PlanningEntityCollectionProperty]
    seats: Annotated[list[Seat], PlanningEntityCollectionProperty]
    score: Annotated[HardMediumSoftScore | None, PlanningScore] = field(default=None)


@constraint_provider
def constraints(f: ConstraintFactory) -> list[Any]:
    # A seat reads its visit's day through a join, never through a reference: Timefold's
    # incremental score only re-evaluates what a changed variable's entity joins into (reading
    # `seat.visit.day` directly corrupted the score as soon as a day moved).
    def with_day() -> Any:
        return f.for_each(Seat).join(Visit, Joiners.equal(lambda s: s.visit_id, lambda v: v.id))

    return [
        with_day()
        .filter(lambda s, v: v.day in s.officer.unavailable)
        .penalize(HardMediumSoftScore.ONE_HARD)
        .as_constraint("officer on leave"),
        f.for_each(Seat)
        .filter(lambda s: s.visit_id in s.officer.recusals)
        .penalize(HardMediumSoftScore.ONE_HARD)
        .as_constraint("recusal"),
        f.for_each_unique_pair(
            Seat,
            Joiners.equal(lambda s: s.visit_id),
            Joiners.equal(lambda s: s.officer.id),
        )
        .penalize(HardMediumSoftScore.ONE_HARD)
        .as_constraint("same officer twice on a team"),
        with_day()
        .group_by(lambda s, v: s.officer, lambda s, v: v.day, ConstraintCollectors.count_bi())
        .filter(lambda o, d, n: n > o.cap)
        .penalize(HardMediumSoftScore.ONE_HARD, lambda o, d, n: n - o.cap)
        .as_constraint("daily cap"),
        with_day()
        .group_by(
            lambda s, v: s.officer.id,
            lambda s, v: v.day,
            ConstraintCollectors.count_distinct(lambda s, v: v.district),
        )
        .filter(lambda o, d, n: n > 1)
        .penalize(HardMediumSoftScore.ONE_MEDIUM, lambda o, d, n: n - 1)
        .as_constraint("districts per officer-day"),
        f.for_each(Seat)
        .group_by(lambda s: s.officer.id, ConstraintCollectors.count())
        .penalize(HardMediumSoftScore.ONE_SOFT, lambda o, n: n * n)
        .as_constraint("even load"),
    ]


def solve_timefold(
    enterprises: list[Enterprise],
    officers: list[Officer],
    t: Task,
    drawn: list[str],
    seconds: float,
) -> tuple[dict[str, Any], float, str]:
    """(plan with inspections and unscheduled, seconds spent solving, final score)."""
    days = list(build_calendar(t).schedulable_days)
    index = {d: i for i, d in enumerate(days)}
    district = {e.id: e.district for e in enterprises}
    staff = [
        Staff(
            s.id,
            s.department,
            s.cap,
            {index[d] for d in s.unavailable if d in index},
            set(s.recusals),
        )
        for s in qualified_slots(officers, t)
    ]
    by_dept: dict[str, list[Staff]] = {}
    for s in staff:
        by_dept.setdefault(s.department, []).append(s)
    visits = [Visit(eid, district[eid]) for eid in drawn]
    seats = [
        Seat(f"{v.id}/{dept}/{k}", v.id, dept, by_dept[dept])
        for v in visits
        for dept in t.departments
        for k in range(t.officers_per_department)
    ]
    config = SolverConfig(
        solution_class=County,
        entity_class_list=[Visit, Seat],
        score_director_factory_config=ScoreDirectorFactoryConfig(
            constraint_provider_function=constraints
        ),
        termination_config=TerminationConfig(
            spent_limit=Duration(milliseconds=int(seconds * 1000))
        ),
    )
    solver = SolverFactory.create(config).build_solver()
    began = time.perf_counter()
    solution = solver.solve(County(list(range(len(days))), staff, visits, seats))
    solve_s = time.perf_counter() - began
    teams: dict[str, dict[str, list[str]]] = {}
    complete = {v.id: v.day is not None for v in solution.visits}
    for seat in solution.seats:
        if seat.officer is None:
            complete[seat.visit_id] = False
            continue
        teams.setdefault(seat.visit_id, {}).setdefault(seat.department, []).append(seat.officer.id)
    inspections, unscheduled = [], []
    for v in solution.visits:
        if complete[v.id]:
            team = {d: sorted(m) for d, m in sorted(teams[v.id].items())}
            inspections.append(
                {
                    "enterprise_id": v.id,
                    "date": days[v.day].isoformat(),
                    "items": sorted(t.item_codes),
                    "team": team,
                }
            )
        else:
            unscheduled.append({"enterprise_id": v.id, "reason": "not assigned within the limit"})
    return {"inspections": inspections, "unscheduled": unscheduled}, solve_s, str(solution.score)
