"""Solve regions: domains → days (CP-SAT) → teams per department (min-cost flow) → repair.

Independent pieces go to a work pool (this process, local processes or a Dask cluster). With
at least as many regions as workers a piece is a whole region. Otherwise each round has two
kinds: the day model of every region still open, then the staffing of every (region,
department) — see `department_staffing` for why departments are independent once days are
fixed. Enterprises a department could not staff on their day are forbidden that day and the
region goes round again. Each region's rounds depend on its own inputs only, and the pool
returns results in input order, so the plan is the same whatever ran it.

Every drawn enterprise of a region ends either with a date and a team, or with a reason naming
the constraint that binds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar, cast

from scheduler.day_model import PRF_BITS as DAY_PRF_BITS
from scheduler.day_model import DayModelInput, DayModelOutput, solve_days
from scheduler.department_staffing import StaffingResult, StaffingTask, staff_department
from scheduler.draw import check_seed
from scheduler.keyed_cost import KeyedCost
from scheduler.region_problem import OfficerSlot, RegionProblem, RegionResult
from scheduler.work_pool import InProcess, WorkPool

MAX_REPAIR_ROUNDS = 4
P = TypeVar("P")
R = TypeVar("R")


class _Region:
    """Indexes of one region's officers by department and day, built once."""

    def __init__(self, problem: RegionProblem) -> None:
        self.p = problem
        self.available: dict[str, list[list[OfficerSlot]]] = {}
        for dept in problem.departments:
            staff = sorted(
                (o for o in problem.officers if o.department == dept), key=lambda o: o.id
            )
            self.available[dept] = [
                [o for o in staff if day not in o.unavailable] for day in problem.days
            ]
        self.recusers: dict[str, list[OfficerSlot]] = defaultdict(list)
        for o in problem.officers:
            for eid in o.recusals:
                self.recusers[eid].append(o)
        self._slots = {
            (dept, t): sum(o.cap for o in day_staff)
            for dept, days in self.available.items()
            for t, day_staff in enumerate(days)
        }

    def slots(self, dept: str, t: int) -> int:
        """Officer-inspection places the department can fill on day t."""
        return self._slots[dept, t]

    def day_capacity(self, t: int) -> int:
        per = self.p.per_department
        return min(self.slots(d, t) // per for d in self.p.departments)

    def home_capacity(self) -> dict[tuple[str, int], int]:
        per = self.p.per_department
        out: dict[tuple[str, int], int] = {}
        for t in range(len(self.p.days)):
            by_district: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for dept in self.p.departments:
                for o in self.available[dept][t]:
                    by_district[o.district][dept] += o.cap
            for district, slots in by_district.items():
                out[district, t] = min(slots.get(d, 0) // per for d in self.p.departments)
        return out

    def eligible_count(self, eid: str, dept: str, t: int) -> int:
        day = self.p.days[t]
        recused = sum(
            1
            for o in self.recusers.get(eid, ())
            if o.department == dept and day not in o.unavailable
        )
        return len(self.available[dept][t]) - recused

    def staffable(self, eid: str, t: int) -> str | None:
        """The first department without enough eligible officers for `eid` on day t, if any."""
        for dept in self.p.departments:
            if self.eligible_count(eid, dept, t) < self.p.per_department:
                return dept
        return None


def _fields_text(problem: RegionProblem, dept: str) -> str:
    return "、".join(problem.fields[dept])


def _open_days(p: RegionProblem, eid: str, every_day: tuple[int, ...]) -> tuple[int, ...]:
    """Days on which the annual cap still lets `eid` be inspected."""
    prior = p.prior_counts.get(eid)
    if p.yearly_cap is None or not prior:
        return every_day
    cap = p.yearly_cap
    return tuple(t for t in every_day if prior.get(p.days[t].year, 0) < cap)


def _domains(
    region: _Region, forbidden: frozenset[tuple[str, int]]
) -> tuple[list[tuple[int, ...]], dict[str, tuple[str, str]]]:
    """Allowed day indices per enterprise, and a reason for each enterprise with none.

    Most enterprises have the same domain (nobody recuses from them, nothing forbidden, the
    annual cap far away): it is computed once and shared, so this stays linear."""
    p = region.p
    n_days = len(p.days)
    every_day = tuple(range(n_days))
    staffed_days = tuple(
        t
        for t in every_day
        if all(len(region.available[d][t]) >= p.per_department for d in p.departments)
    )
    forbidden_of: dict[str, set[int]] = defaultdict(set)
    for eid, t in forbidden:
        forbidden_of[eid].add(t)
    shared: dict[tuple[int, ...], tuple[int, ...]] = {every_day: staffed_days}
    domains: list[tuple[int, ...]] = []
    reasons: dict[str, tuple[str, str]] = {}
    for eid, _district in p.enterprises:
        open_days = _open_days(p, eid, every_day)
        if eid in region.recusers:
            feasible = tuple(t for t in open_days if region.staffable(eid, t) is None)
        else:
            feasible = shared.get(open_days) or tuple(
                t for t in open_days if region.staffable(eid, t) is None
            )
            shared.setdefault(open_days, feasible)
        out = forbidden_of.get(eid)
        domain = tuple(t for t in feasible if t not in out) if out else feasible
        domains.append(domain)
        if not domain:
            reasons[eid] = _no_day_reason(region, eid, open_days, out or set())
    return domains, reasons


def _no_day_reason(
    region: _Region, eid: str, open_days: tuple[int, ...], forbidden: set[int]
) -> tuple[str, str]:
    p = region.p
    if not p.days:
        return (
            "任务期间内没有可安排日（非安静日的工作日）",
            "the task period has no schedulable day (a working day outside the quiet days)",
        )
    if not open_days:
        prior = p.prior_counts.get(eid, {})
        years = sorted({d.year for d in p.days})
        counts = "、".join(f"{y} 年已检查 {prior.get(y, 0)} 次" for y in years)
        return (
            f"已达每家企业每年检查次数上限 {p.yearly_cap} 次（{counts}，计已批准的计划）",
            f"annual cap of {p.yearly_cap} inspections per enterprise reached "
            f"({', '.join(f'{y}: {prior.get(y, 0)}' for y in years)}, approved plans)",
        )
    short_dept = next(
        (d for d in (region.staffable(eid, t) for t in open_days) if d is not None), None
    )
    if short_dept is not None and not forbidden.intersection(open_days):
        return (
            f"{short_dept} 持执法证、具备 {_fields_text(p, short_dept)} 领域资格、当日在岗且"
            f"未回避的执法人员在全部 {len(open_days)} 个可安排日均不足 {p.per_department} 人",
            f"{short_dept} has fewer than {p.per_department} certified officers with the "
            f"{', '.join(p.fields[short_dept])} field(s), available and not recused, on every "
            f"one of the {len(open_days)} schedulable days",
        )
    return (
        f"在 {len(open_days)} 个可安排日，未回避的合格执法人员均已被其他检查占满，"
        f"无法组成每部门 {p.per_department} 人的检查组",
        f"on all {len(open_days)} schedulable days the qualified, non-recused officers are "
        f"taken by other inspections; no team of {p.per_department} per department fits",
    )


def _capacity_reason(region: _Region, domain: Sequence[int], counts: list[int]) -> tuple[str, str]:
    """Name the department whose officer-day capacity binds on the enterprise's days."""
    p = region.p
    binding: dict[str, int] = defaultdict(int)
    for t in domain:
        dept = min(
            p.departments,
            key=lambda d: (region.slots(d, t) - p.per_department * counts[t], d),
        )
        binding[dept] += 1
    dept = max(sorted(binding), key=lambda d: binding[d])
    return (
        f"{dept} 具备 {_fields_text(p, dept)} 领域资格的执法人员在 {len(domain)} 个可安排日"
        f"（非安静日工作日，且人员在岗、未回避）均已满额",
        f"the {dept} officers qualified for {', '.join(p.fields[dept])} are at their daily cap "
        f"on all {len(domain)} schedulable days (working, non-quiet, officers available and "
        "not recused)",
    )


@dataclass(frozen=True, slots=True)
class DayStep:
    """One round's day model for one region: the piece sent to a worker."""

    problem: RegionProblem
    forbidden: frozenset[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class DayAssignment:
    domains: list[tuple[int, ...]]
    reasons: dict[str, tuple[str, str]]
    days: DayModelOutput


def assign_days(step: DayStep) -> DayAssignment:
    problem = step.problem
    region = _Region(problem)
    day_cost = KeyedCost(check_seed(problem.seed), problem.task_id, DAY_PRF_BITS)
    labels = [d.isoformat() for d in problem.days]
    capacity = [region.day_capacity(t) for t in range(len(problem.days))]
    domains, reasons = _domains(region, step.forbidden)
    days = solve_days(
        DayModelInput(problem.enterprises, domains, capacity, region.home_capacity(), labels),
        day_cost,
        num_workers=problem.num_workers,
        time_limit_s=problem.time_limit_s,
    )
    return DayAssignment(domains, reasons, days)


def _per_day(problem: RegionProblem, days: DayModelOutput) -> list[list[tuple[str, str]]]:
    per_day: list[list[tuple[str, str]]] = [[] for _ in problem.days]
    for i, t in sorted(days.day_of.items()):
        per_day[t].append(problem.enterprises[i])
    return per_day


def staffing_tasks(problem: RegionProblem, assignment: DayAssignment) -> list[StaffingTask]:
    per_day = tuple(tuple(x) for x in _per_day(problem, assignment.days))
    return [
        StaffingTask(
            task_id=problem.task_id,
            seed=problem.seed,
            department=dept,
            per_department=problem.per_department,
            days=problem.days,
            officers=tuple(
                sorted((o for o in problem.officers if o.department == dept), key=lambda o: o.id)
            ),
            per_day=per_day,
        )
        for dept in problem.departments
    ]


@dataclass(slots=True)
class _Rounds:
    """A region's repair rounds so far."""

    problem: RegionProblem
    forbidden: set[tuple[str, int]] = field(default_factory=set)
    statuses: list[str] = field(default_factory=list)
    rounds: int = 0


def regions_are_pieces(regions: int, pool: WorkPool) -> bool:
    """Whether each region is one piece of work (else departments are, round by round)."""
    return regions >= max(2, pool.workers)


def largest_first(
    pool: WorkPool, fn: Callable[[P], R], items: Sequence[P], size: Callable[[P], int]
) -> list[R]:
    """`fn` of every item on `pool`, results in the order of `items`.

    Largest first: workers take pieces in the order given, so the big cities start at once
    and the small ones fill the gaps at the end, rather than one worker finishing the biggest
    alone while the other waits (longest processing time first)."""
    order = sorted(range(len(items)), key=lambda i: -size(items[i]))
    solved = pool.map(fn, [items[i] for i in order])
    out: list[R | None] = [None] * len(items)
    for i, result in zip(order, solved, strict=True):
        out[i] = result
    return cast(list[R], out)


def solve_regions(
    problems: Sequence[RegionProblem],
    pool: WorkPool,
    done: Callable[[RegionProblem], None] | None = None,
) -> list[RegionResult]:
    """Every region on `pool`, round by round together, their departments as the pieces;
    results in the order of `problems`.

    For fewer regions than workers (`regions_are_pieces` false). Otherwise each region is one
    piece, `solve_region` (or the planner's region task) by `largest_first`: no waiting between
    rounds, one transfer of its data. Both run the same steps on the same inputs: same result."""
    states = [_Rounds(p) for p in problems]
    results: list[RegionResult | None] = [None] * len(problems)
    active = list(range(len(problems)))
    while active:
        steps = [DayStep(states[i].problem, frozenset(states[i].forbidden)) for i in active]
        assignments = pool.map(assign_days, steps)
        tasks = [
            staffing_tasks(states[i].problem, a) for i, a in zip(active, assignments, strict=True)
        ]
        flat = pool.map(staff_department, [t for region_tasks in tasks for t in region_tasks])
        still: list[int] = []
        offset = 0
        for i, assignment, region_tasks in zip(active, assignments, tasks, strict=True):
            staffed = flat[offset : offset + len(region_tasks)]
            offset += len(region_tasks)
            state = states[i]
            state.rounds += 1
            state.statuses.append(assignment.days.status)
            short = [s for r in staffed for s in r.short]
            if short and state.rounds <= MAX_REPAIR_ROUNDS:
                # A department could not staff these on their day (recusals, distinct
                # members): forbid that day for them and solve again.
                state.forbidden.update(short)
                still.append(i)
                continue
            results[i] = _finish(state, assignment, staffed)
            if done is not None:
                done(state.problem)
        active = still
    return [r for r in results if r is not None]


def solve_region(problem: RegionProblem) -> RegionResult:
    return solve_regions([problem], InProcess())[0]


def _finish(
    state: _Rounds, assignment: DayAssignment, staffed: Sequence[StaffingResult]
) -> RegionResult:
    problem = state.problem
    region = _Region(problem)
    days, domains = assignment.days, assignment.domains
    labels = [d.isoformat() for d in problem.days]
    day_capacity = [region.day_capacity(t) for t in range(len(problem.days))]
    inspections: dict[str, tuple[date, dict[str, list[str]]]] = {}
    for result in staffed:
        for eid, (t, team) in result.teams.items():
            inspections.setdefault(eid, (problem.days[t], {}))[1][result.department] = team
    short_ids = {eid for r in staffed for eid, _t in r.short}
    counts = [0] * len(problem.days)
    for t in days.day_of.values():
        counts[t] += 1
    unscheduled: dict[str, tuple[str, str]] = dict(assignment.reasons)
    for i, (eid, _district) in enumerate(problem.enterprises):
        if eid in unscheduled:
            continue
        if eid in short_ids or i not in days.day_of:
            inspections.pop(eid, None)
            if eid in short_ids:
                unscheduled[eid] = (
                    f"{problem.days[days.day_of[i]].isoformat()} 的合格执法人员因回避或已满额，"
                    f"无法组成每部门 {problem.per_department} 人的检查组，且其他可安排日已满",
                    f"on {problem.days[days.day_of[i]].isoformat()} recusals and caps leave no "
                    f"team of {problem.per_department} per department, and the other days are full",
                )
            else:
                unscheduled[eid] = _capacity_reason(region, domains[i], counts)
    # joint inspection: keep only enterprises every department staffed
    for eid in list(inspections):
        if set(inspections[eid][1]) != set(problem.departments):
            inspections.pop(eid)
            unscheduled.setdefault(
                eid,
                (
                    "并非每个部门都能在同一天派出检查组（联合检查须同一天进一次门）",
                    "not every department could staff the same day (joint inspection)",
                ),
            )
    report: dict[str, object] = {
        "region": problem.region,
        "solver_status": state.statuses,
        "day_model_classes": days.classes,
        "repair_rounds": state.rounds - 1,
        "soft": {
            "travel_overflow_inspections": days.travel_overflow,
            "spread_overflow_inspections": days.spread_overflow,
            "team_places_outside_home_district": sum(r.travel_places for r in staffed),
        },
        "capacity_check": [
            {
                "department": dept,
                "fields": list(problem.fields[dept]),
                "demand_officer_slots": problem.per_department * sum(1 for d in domains if d),
                "capacity_officer_slots": sum(region.slots(dept, t) for t in range(len(labels))),
            }
            for dept in problem.departments
        ],
        "days": [
            {
                "date": labels[t],
                "inspections": counts[t],
                "capacity_inspections": day_capacity[t],
                "slack": day_capacity[t] - counts[t],
                "officer_slots": {d: region.slots(d, t) for d in problem.departments},
            }
            for t in range(len(labels))
        ],
    }
    return RegionResult(problem.region, inspections, unscheduled, report)
