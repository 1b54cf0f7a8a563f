"""Teams of one department of one region over the whole period: an independent sub-problem.

Once the day model has fixed every enterprise's day (the joint inspection: one day for all
departments), the departments no longer interact: an officer serves exactly one department,
so the daily cap, the availability and the running load of each officer are decided inside
one of these sub-problems and nowhere else. They can therefore be solved in any order, in
parallel processes or on a cluster, and put together without re-checking anything between
them. Days are solved in date order because the flow evens load against the days before;
the zones also look at the days after (`Outlook`), which the day model has already fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scheduler.day_zones import Outlook
from scheduler.draw import check_seed
from scheduler.keyed_cost import KeyedCost
from scheduler.region_problem import OfficerSlot
from scheduler.team_flow import PRF_BITS, staff_day


@dataclass(frozen=True, slots=True)
class StaffingTask:
    task_id: str
    seed: str
    department: str
    per_department: int
    days: tuple[date, ...]
    officers: tuple[OfficerSlot, ...]  # this department's officers of the region, sorted by id
    per_day: tuple[tuple[tuple[str, str], ...], ...]  # (enterprise id, district) per day index


@dataclass(slots=True)
class StaffingResult:
    department: str
    teams: dict[str, tuple[int, list[str]]]  # enterprise id -> (day index, officer ids sorted)
    short: list[tuple[str, int]]  # (enterprise id, day index) left without a full team
    travel_places: int  # team places filled from another district


def staff_department(task: StaffingTask) -> StaffingResult:
    cost = KeyedCost(check_seed(task.seed), task.task_id, PRF_BITS)
    loads: dict[str, int] = {}
    result = StaffingResult(task.department, {}, [], 0)
    outlook = Outlook(task.days, task.per_day, task.officers, task.per_department)
    for t, todays in enumerate(task.per_day):
        day = task.days[t]
        available = [o for o in task.officers if day not in o.unavailable]
        staffed = staff_day(
            day,
            task.department,
            todays,
            available,
            loads,
            task.per_department,
            cost,
            outlook.ahead(t),
        )
        result.travel_places += staffed.travel_arcs
        result.short.extend((eid, t) for eid in staffed.short)
        for eid, team in staffed.teams.items():
            result.teams[eid] = (t, team)
    return result
