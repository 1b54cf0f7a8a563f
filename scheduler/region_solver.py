"""Solve one region: domains → days (CP-SAT) → teams per day (min-cost flow) → repair.

Every drawn enterprise of the region ends either with a date and a team, or with a reason
naming the constraint that binds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from scheduler.day_model import PRF_BITS as DAY_PRF_BITS
from scheduler.day_model import DayModelInput, solve_days
from scheduler.draw import check_seed
from scheduler.keyed_cost import KeyedCost
from scheduler.region_problem import OfficerSlot, RegionProblem, RegionResult
from scheduler.team_flow import PRF_BITS as TEAM_PRF_BITS
from scheduler.team_flow import staff_day

MAX_REPAIR_ROUNDS = 4


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

    def slots(self, dept: str, t: int) -> int:
        """Officer-inspection places the department can fill on day t."""
        return sum(o.cap for o in self.available[dept][t])

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


def _fields_text(problem: RegionProblem, dept: str) -> str:
    return "、".join(problem.fields[dept])


def _domains(
    region: _Region, forbidden: set[tuple[str, int]]
) -> tuple[list[list[int]], dict[str, tuple[str, str]]]:
    """Allowed day indices per enterprise, and a reason for each enterprise with none."""
    p = region.p
    domains: list[list[int]] = []
    reasons: dict[str, tuple[str, str]] = {}
    n_days = len(p.days)
    for eid, _district in p.enterprises:
        prior = p.prior_counts.get(eid, {})
        open_days = [
            t
            for t in range(n_days)
            if p.yearly_cap is None or prior.get(p.days[t].year, 0) < p.yearly_cap
        ]
        short_dept: str | None = None
        domain: list[int] = []
        for t in open_days:
            ok = True
            for dept in p.departments:
                if region.eligible_count(eid, dept, t) < p.per_department:
                    short_dept = short_dept or dept
                    ok = False
                    break
            if ok and (eid, t) not in forbidden:
                domain.append(t)
        domains.append(domain)
        if domain:
            continue
        if n_days == 0:
            reasons[eid] = (
                "任务期间内没有可安排日（非安静日的工作日）",
                "the task period has no schedulable day (a working day outside the quiet days)",
            )
        elif not open_days:
            years = sorted({d.year for d in p.days})
            counts = "、".join(f"{y} 年已检查 {prior.get(y, 0)} 次" for y in years)
            reasons[eid] = (
                f"已达每家企业每年检查次数上限 {p.yearly_cap} 次（{counts}，计已批准的计划）",
                f"annual cap of {p.yearly_cap} inspections per enterprise reached "
                f"({', '.join(f'{y}: {prior.get(y, 0)}' for y in years)}, approved plans)",
            )
        elif short_dept is not None and not any((eid, t) in forbidden for t in open_days):
            reasons[eid] = (
                f"{short_dept} 持执法证、具备 {_fields_text(p, short_dept)} 领域资格、当日在岗且"
                f"未回避的执法人员在全部 {len(open_days)} 个可安排日均不足 {p.per_department} 人",
                f"{short_dept} has fewer than {p.per_department} certified officers with the "
                f"{', '.join(p.fields[short_dept])} field(s), available and not recused, on every "
                f"one of the {len(open_days)} schedulable days",
            )
        else:
            reasons[eid] = (
                f"在 {len(open_days)} 个可安排日，未回避的合格执法人员均已被其他检查占满，"
                f"无法组成每部门 {p.per_department} 人的检查组",
                f"on all {len(open_days)} schedulable days the qualified, non-recused officers are "
                f"taken by other inspections; no team of {p.per_department} per department fits",
            )
    return domains, reasons


def _capacity_reason(region: _Region, domain: list[int], counts: list[int]) -> tuple[str, str]:
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


def solve_region(problem: RegionProblem) -> RegionResult:
    region = _Region(problem)
    seed_key = check_seed(problem.seed)
    day_cost = KeyedCost(seed_key, problem.task_id, DAY_PRF_BITS)
    team_cost = KeyedCost(seed_key, problem.task_id, TEAM_PRF_BITS)
    labels = [d.isoformat() for d in problem.days]
    day_capacity = [region.day_capacity(t) for t in range(len(problem.days))]
    home = region.home_capacity()
    forbidden: set[tuple[str, int]] = set()
    statuses: list[str] = []
    rounds = 0
    while True:
        rounds += 1
        domains, reasons = _domains(region, forbidden)
        days = solve_days(
            DayModelInput(problem.enterprises, domains, day_capacity, home, labels),
            day_cost,
            num_workers=problem.num_workers,
            time_limit_s=problem.time_limit_s,
        )
        statuses.append(days.status)
        loads: dict[str, int] = {}
        inspections: dict[str, tuple[date, dict[str, list[str]]]] = {}
        short: list[tuple[str, int]] = []
        travel_places = 0
        per_day: list[list[tuple[str, str]]] = [[] for _ in problem.days]
        for i, t in sorted(days.day_of.items()):
            per_day[t].append(problem.enterprises[i])
        for dept in problem.departments:
            for t, todays in enumerate(per_day):
                staffed = staff_day(
                    problem.days[t],
                    dept,
                    todays,
                    region.available[dept][t],
                    loads,
                    problem.per_department,
                    team_cost,
                )
                travel_places += staffed.travel_arcs
                short.extend((eid, t) for eid in staffed.short)
                for eid, team in staffed.teams.items():
                    inspections.setdefault(eid, (problem.days[t], {}))[1][dept] = team
        if not short or rounds > MAX_REPAIR_ROUNDS:
            break
        # A department could not staff these on their day (recusals, distinct members): forbid
        # that day for them and solve again.
        forbidden.update(short)
    short_ids = {eid for eid, _ in short}
    counts = [len(x) for x in per_day]
    unscheduled: dict[str, tuple[str, str]] = dict(reasons)
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
        "solver_status": statuses,
        "day_model_classes": days.classes,
        "repair_rounds": rounds - 1,
        "soft": {
            "travel_overflow_inspections": days.travel_overflow,
            "spread_overflow_inspections": days.spread_overflow,
            "team_places_outside_home_district": travel_places,
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
