"""Assemble plan.json (formats.md §4) and its quality figures; seal it with `plan_sha256`.

Extra keys beyond the contract (allowed by formats.md): `calendar` (where the holidays came
from), `report` (per-constraint loads, slack and soft penalties, per region), and
`reason_en` next to each unscheduled `reason`. Nothing time- or machine-dependent goes in, so
the same inputs and seed give the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from scheduler.canonical_json import canonical_bytes, sha256_of
from scheduler.draw import DrawResult
from scheduler.region_problem import OfficerSlot, RegionResult
from scheduler.task_file import Task
from scheduler.work_calendar import WorkCalendar


def quality_of(
    inspections: Sequence[dict[str, Any]],
    district_of: dict[str, str],
    officer_ids: Sequence[str],
) -> dict[str, Any]:
    """Travel and load figures; loads range over every officer who could have served."""
    districts: dict[tuple[str, str], set[str]] = defaultdict(set)
    load: dict[str, int] = dict.fromkeys(officer_ids, 0)
    for insp in inspections:
        for team in insp["team"].values():
            for oid in team:
                districts[oid, insp["date"]].add(district_of[insp["enterprise_id"]])
                load[oid] = load.get(oid, 0) + 1
    mean = sum(len(v) for v in districts.values()) / len(districts) if districts else 0.0
    return {
        "districts_per_officer_day": round(mean, 4),
        "max_officer_load": max(load.values(), default=0),
        "min_officer_load": min(load.values(), default=0),
    }


def seal(document: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in document.items() if k != "plan_sha256"}
    return {**body, "plan_sha256": sha256_of(body)}


def plan_bytes(document: dict[str, Any]) -> bytes:
    return canonical_bytes(document)


def assemble(
    task: Task,
    seed: str,
    inputs_sha256: str,
    drawn: DrawResult,
    calendar: WorkCalendar,
    results: Sequence[RegionResult],
    staff: Sequence[OfficerSlot],
    district_of: dict[str, str],
) -> dict[str, Any]:
    inspections: list[dict[str, Any]] = []
    unscheduled: list[dict[str, Any]] = []
    for r in results:
        for eid, (day, team) in r.inspections.items():
            inspections.append(
                {
                    "enterprise_id": eid,
                    "date": day.isoformat(),
                    "items": list(task.item_codes),
                    "team": {d: list(ids) for d, ids in sorted(team.items())},
                }
            )
        for eid, (zh, en) in r.unscheduled.items():
            unscheduled.append({"enterprise_id": eid, "reason": zh, "reason_en": en})
    inspections.sort(key=lambda i: (i["date"], i["enterprise_id"]))
    unscheduled.sort(key=lambda u: u["enterprise_id"])
    document: dict[str, Any] = {
        "task_id": task.id,
        "seed": seed,
        "inputs_sha256": inputs_sha256,
        "strata": drawn.strata,
        "draw": drawn.draw_json(),
        "inspections": inspections,
        "unscheduled": unscheduled,
        "quality": quality_of(inspections, district_of, [s.id for s in staff]),
        "calendar": {
            "source": calendar.source_zh,
            "source_en": calendar.source_en,
            "working_days": len(calendar.working_days),
            "schedulable_days": len(calendar.schedulable_days),
            "quiet_days_of_month": sorted(calendar.quiet_days_of_month),
        },
        "report": {"regions": [r.report for r in results]},
    }
    return seal(document)
