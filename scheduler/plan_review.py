"""What the review page shows, computed once per request: calendars, the why of each
inspection, the unscheduled list and the quality report.

Built from the canonical plan document (the contract) plus the registry for names, so the
review shows exactly what would be published.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan.divisions import division_name
from jianguan.models import EnterpriseRow, OfficerRow, PlanRow, TaskRow
from scheduler.lifecycle import document_of
from scheduler.task_file import Task
from scheduler.work_calendar import WorkCalendar, build_calendar


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    kind: str  # work / quiet / off (weekend or holiday) / outside

    @property
    def label(self) -> str:
        return f"{self.day.month}/{self.day.day}"


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    name: str
    counts: list[int]
    total: int
    away: frozenset[int] = frozenset()  # day columns the officer is unavailable (leave)


@dataclass(frozen=True, slots=True)
class Why:
    enterprise_id: str
    name: str
    district: str
    stratum: str
    rank: str
    rank_in_stratum: int
    date: str
    items: list[str]
    team: dict[str, list[str]]


@dataclass
class Review:
    plan: PlanRow
    task: Task
    document: dict[str, Any]
    calendar: WorkCalendar | None
    calendar_error: str | None
    days: list[Day]
    by_officer: list[Row]
    by_district: list[Row]
    why: list[Why]
    unscheduled: list[dict[str, Any]]
    names: dict[str, str]
    officer_names: dict[str, str]


def chunks(ids: list[str], size: int = 5000) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def enterprise_names(session: Session, ids: list[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for part in chunks(sorted(set(ids))):
        for eid, name, district in session.execute(
            select(EnterpriseRow.id, EnterpriseRow.name, EnterpriseRow.district).where(
                EnterpriseRow.id.in_(part)
            )
        ):
            out[eid] = (name, district)
    return out


def officer_names(session: Session, ids: list[str]) -> dict[str, str]:
    return {oid: name for oid, (name, _away) in officer_details(session, ids).items()}


def officer_details(session: Session, ids: list[str]) -> dict[str, tuple[str, list[str]]]:
    out: dict[str, tuple[str, list[str]]] = {}
    for part in chunks(sorted(set(ids))):
        for oid, name, away in session.execute(
            select(OfficerRow.id, OfficerRow.name, OfficerRow.unavailable).where(
                OfficerRow.id.in_(part)
            )
        ):
            out[oid] = (name, list(away))
    return out


def _days(calendar: WorkCalendar | None, task: Task) -> list[Day]:
    out = []
    day = task.period.start
    while day <= task.period.end:
        if calendar is None:
            kind = "work" if day.weekday() < 5 else "off"
        elif not calendar.is_working_day(day):
            kind = "off"
        elif day.day in calendar.quiet_days_of_month:
            kind = "quiet"
        else:
            kind = "work"
        out.append(Day(day, kind))
        day += timedelta(days=1)
    return out


def task_of(task_row: TaskRow) -> Task:
    return Task.model_validate(task_row.spec)


def build_review(session: Session, plan: PlanRow) -> Review:
    document = document_of(plan)
    task = task_of(plan.task)
    try:
        calendar: WorkCalendar | None = build_calendar(task)
        calendar_error = None
    except Exception as err:  # an unknown year: show the plan anyway, say why it is unshaded
        calendar, calendar_error = None, str(err)
    days = _days(calendar, task)
    index = {d.day.isoformat(): i for i, d in enumerate(days)}
    inspections: list[dict[str, Any]] = document["inspections"]
    enterprise_ids = [i["enterprise_id"] for i in inspections] + [
        u["enterprise_id"] for u in document["unscheduled"]
    ]
    names = enterprise_names(session, enterprise_ids)
    officers: Counter[str] = Counter()
    per_officer: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    per_district: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for insp in inspections:
        col = index.get(insp["date"])
        district = names.get(insp["enterprise_id"], ("", "?"))[1]
        if col is not None:
            per_district[district][col] += 1
        for team in insp["team"].values():
            for oid in team:
                officers[oid] += 1
                if col is not None:
                    per_officer[oid][col] += 1
    details = officer_details(session, list(officers))
    o_names = {oid: name for oid, (name, _away) in details.items()}
    by_officer = [
        Row(
            oid,
            o_names.get(oid, oid),
            per_officer[oid],
            officers[oid],
            frozenset(index[d] for d in details.get(oid, ("", []))[1] if d in index),
        )
        for oid in sorted(officers)
    ]
    by_district = [
        Row(code, division_name(code) or code, counts, sum(counts))
        for code, counts in sorted(per_district.items())
    ]
    draw = {d["enterprise_id"]: d for d in document["draw"]}
    # Rank within the stratum: the draw took the smallest HMAC ranks first.
    position: dict[str, int] = {}
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for d in document["draw"]:
        by_stratum[d["stratum"]].append(d["enterprise_id"])
    for members in by_stratum.values():
        for n, eid in enumerate(sorted(members, key=lambda e: draw[e]["rank"]), start=1):
            position[eid] = n
    why = [
        Why(
            i["enterprise_id"],
            names.get(i["enterprise_id"], ("?", ""))[0],
            division_name(names.get(i["enterprise_id"], ("", ""))[1]) or "",
            draw.get(i["enterprise_id"], {}).get("stratum", "?"),
            draw.get(i["enterprise_id"], {}).get("rank", ""),
            position.get(i["enterprise_id"], 0),
            i["date"],
            i["items"],
            i["team"],
        )
        for i in inspections
    ]
    return Review(
        plan=plan,
        task=task,
        document=document,
        calendar=calendar,
        calendar_error=calendar_error,
        days=days,
        by_officer=by_officer,
        by_district=by_district,
        why=why,
        unscheduled=document["unscheduled"],
        names={k: v[0] for k, v in names.items()},
        officer_names=o_names,
    )
