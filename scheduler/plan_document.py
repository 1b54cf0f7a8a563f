"""Assemble plan.json (formats.md §4) and its quality figures; seal it with `plan_sha256`.

Extra keys beyond the contract (allowed by formats.md): `calendar` (where the holidays came
from), `report` (per-constraint loads, slack and soft penalties, per region), and
`reason_en` next to each unscheduled `reason`. Nothing time- or machine-dependent goes in, so
the same inputs and seed give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from scheduler.canonical_json import Encoded, canonical_bytes, canonical_bytes_with
from scheduler.draw import DrawResult
from scheduler.region_problem import OfficerSlot, RegionResult
from scheduler.task_file import Task
from scheduler.team_figures import TeamFigures, team_figures
from scheduler.work_calendar import WorkCalendar


def quality_of(
    inspections: Sequence[dict[str, Any]],
    district_of: dict[str, str],
    officer_ids: Sequence[str],
) -> dict[str, Any]:
    """Travel and load figures; loads range over every officer who could have served."""
    return quality_from(team_figures(inspections, district_of), officer_ids)


def quality_from(figures: TeamFigures, officer_ids: Sequence[str]) -> dict[str, Any]:
    load = {**dict.fromkeys(officer_ids, 0), **figures.load}
    days = figures.officer_days
    mean = figures.district_visits / days if days else 0.0
    return {
        "districts_per_officer_day": round(mean, 4),
        "max_officer_load": max(load.values(), default=0),
        "min_officer_load": min(load.values(), default=0),
    }


def inspection_rows(task: Task, results: Sequence[RegionResult]) -> list[dict[str, Any]]:
    """The `inspections` list of plan.json, ordered by date then enterprise."""
    items = list(task.item_codes)
    iso: dict[date, str] = {}
    rows = [
        {
            "enterprise_id": eid,
            "date": iso.get(day) or iso.setdefault(day, day.isoformat()),
            "items": list(items),
            "team": dict(sorted(team.items())),
        }
        for r in results
        for eid, (day, team) in r.inspections.items()
    ]
    rows.sort(key=lambda i: (i["date"], i["enterprise_id"]))
    return rows


def _soft(result: RegionResult, key: str) -> int:
    soft = result.report["soft"]
    assert isinstance(soft, dict)
    return int(soft[key])


def constraint_table(
    figures: TeamFigures,
    unscheduled: Sequence[dict[str, Any]],
    results: Sequence[RegionResult],
    hard_violations: dict[str, int],
) -> list[dict[str, Any]]:
    """A Timefold-style score table: hard constraints with the violations the independent
    checker (`verify.check_inspections`) counted, the drawn enterprises left out by binding
    constraint, and the soft penalties in priority order."""
    load = figures.load
    binding: dict[str, int] = defaultdict(int)
    for u in unscheduled:
        binding[str(u["reason_en"]).split(";")[0].split(" (")[0]] += 1
    table: list[dict[str, Any]] = [
        {"constraint": name, "level": "hard", "violations": n}
        for name, n in sorted(hard_violations.items())
    ]
    table.append(
        {
            "constraint": "coverage: drawn enterprises left unscheduled, by binding constraint",
            "level": "hard-relaxed",
            "count": len(unscheduled),
            "by_reason": dict(sorted(binding.items())),
        }
    )
    soft_travel = figures.travel_penalty()
    table.append(
        {
            "constraint": "1 travel: extra districts per officer-day",
            "level": "soft",
            "penalty": soft_travel,
            "team_places_outside_home_district": sum(
                _soft(r, "team_places_outside_home_district") for r in results
            ),
        }
    )
    table.append(
        {
            "constraint": "2 even load: inspections above a day's capacity share",
            "level": "soft",
            "penalty": sum(_soft(r, "spread_overflow_inspections") for r in results),
            "officer_load_max_minus_min": (max(load.values()) - min(load.values())) if load else 0,
        }
    )
    table.append(
        {
            "constraint": "3 randomness: seeded PRF tie-break (unique optimum)",
            "level": "soft",
            "penalty": None,
        }
    )
    return table


def seal(document: dict[str, Any], encoded: Mapping[str, Encoded] | None = None) -> dict[str, Any]:
    """The document with its `plan_sha256`; `encoded`: values whose bytes were made already."""
    body = {k: v for k, v in document.items() if k != "plan_sha256"}
    digest = hashlib.sha256(canonical_bytes_with(body, encoded or {})).hexdigest()
    return {**body, "plan_sha256": digest}


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
    hard_violations: dict[str, int],
    inspections: list[dict[str, Any]],
    figures: TeamFigures,
    draw: Encoded,
) -> dict[str, Any]:
    """plan.json from the regions' results; `inspections` is `inspection_rows(task, results)`
    (built by the caller, who checks them before they are sealed) and `figures` their
    `team_figures` (the regions' added up when no officer serves two); `draw` is
    `drawn.draw_json()` already encoded (made while the regions were solved)."""
    unscheduled: list[dict[str, Any]] = []
    for r in results:
        for eid, (zh, en) in r.unscheduled.items():
            unscheduled.append({"enterprise_id": eid, "reason": zh, "reason_en": en})
    unscheduled.sort(key=lambda u: u["enterprise_id"])
    document: dict[str, Any] = {
        "task_id": task.id,
        "seed": seed,
        "inputs_sha256": inputs_sha256,
        "strata": drawn.strata,
        "draw": draw.value,
        "inspections": inspections,
        "unscheduled": unscheduled,
        "quality": quality_from(figures, [s.id for s in staff]),
        "calendar": {
            "source": calendar.source_zh,
            "source_en": calendar.source_en,
            "working_days": len(calendar.working_days),
            "schedulable_days": len(calendar.schedulable_days),
            "quiet_days_of_month": sorted(calendar.quiet_days_of_month),
        },
        "report": {
            "regions": [r.report for r in results],
            "constraints": constraint_table(figures, unscheduled, results, hard_violations),
        },
    }
    return seal(document, {"draw": draw})
