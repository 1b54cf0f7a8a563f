"""Which officers may serve on a task, and how the task splits into regions.

Qualified = certified (执法证), of a department on the task, holding every field of that
department's items. The daily cap is the officer's own `max_per_day` or the task's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from jianguan.registry_schema import Officer
from scheduler.region_problem import OfficerSlot
from scheduler.task_file import Task

SINGLE_REGION = "all"


def daily_cap(officer: Officer, task: Task) -> int:
    return officer.max_per_day if officer.max_per_day is not None else task.max_per_officer_per_day


def is_qualified(officer: Officer, task: Task) -> bool:
    if not officer.certified or officer.department not in task.departments:
        return False
    return set(task.fields_of(officer.department)) <= set(officer.fields)


def qualified_slots(officers: Sequence[Officer], task: Task) -> list[OfficerSlot]:
    return [
        OfficerSlot(
            id=o.id,
            department=o.department,
            district=o.district,
            cap=daily_cap(o, task),
            unavailable=frozenset(o.unavailable),
            recusals=frozenset(o.recusals),
        )
        for o in sorted(officers, key=lambda o: o.id)
        if is_qualified(o, task)
    ]


def city_of(district: str) -> str:
    return district[:4]


def region_keys(
    enterprise_districts: Sequence[str], slots: Sequence[OfficerSlot], task: Task
) -> dict[str, str]:
    """Map each city of the drawn enterprises to its region.

    A multi-city task is split by city (officers work in their own city) when every city has
    at least `officers_per_department` qualified officers of every department; otherwise the
    task is one region, so no enterprise is left without officers by the split.
    """
    cities = sorted({city_of(d) for d in set(enterprise_districts)})  # ~100 districts, not 20,000
    if len(cities) <= 1:
        return {c: SINGLE_REGION for c in cities}
    staff: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in slots:
        staff[city_of(s.district)][s.department] += 1
    enough = all(
        staff[c][d] >= task.officers_per_department for c in cities for d in task.departments
    )
    return {c: (c if enough else SINGLE_REGION) for c in cities}


def staff_by_region(
    enterprise_districts: Sequence[str], slots: Sequence[OfficerSlot], task: Task
) -> tuple[dict[str, str], dict[str, list[OfficerSlot]]]:
    """City → region, and each region's officers (the officers who could serve the plan)."""
    regions = region_keys(enterprise_districts, slots, task)
    staff: dict[str, list[OfficerSlot]] = {}
    for region in sorted(set(regions.values())):
        staff[region] = [
            s for s in slots if region == SINGLE_REGION or city_of(s.district) == region
        ]
    return regions, staff
