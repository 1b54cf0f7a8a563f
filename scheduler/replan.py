"""Re-planning an approved plan after an officer falls ill or declares a recusal (回避).

Only the inspections the change touches move; every other inspection stays exactly as it was
(pinned). A team member who can no longer serve is replaced on the same date by the eligible
officer with the smallest substitution rank, `HMAC-SHA256(seed, "task|substitute|date|
enterprise|department|officer")` — the draw's own rule, so anyone can recompute the choice. If
nobody eligible is free that day, the whole inspection moves to the earliest schedulable day on
which every department can field a team (members again by smallest rank); failing that it
becomes unscheduled with the reason. The draw itself never changes.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jianguan.registry_schema import Enterprise, Officer
from scheduler.draw import check_seed, classify, in_population, inputs_sha256
from scheduler.officer_pool import daily_cap, is_qualified, qualified_slots, staff_by_region
from scheduler.plan_document import quality_of, seal
from scheduler.task_file import Task
from scheduler.work_calendar import build_calendar


@dataclass(frozen=True, slots=True)
class Substitution:
    enterprise_id: str
    department: str
    removed: str
    added: str | None
    old_date: str
    new_date: str | None
    rank: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "enterprise_id": self.enterprise_id,
            "department": self.department,
            "removed": self.removed,
            "added": self.added,
            "old_date": self.old_date,
            "new_date": self.new_date,
            "rank": self.rank,
        }


def substitution_rank(seed: str, task_id: str, day: str, eid: str, dept: str, oid: str) -> str:
    message = f"{task_id}|substitute|{day}|{eid}|{dept}|{oid}".encode()
    return hmac.new(check_seed(seed), message, "sha256").hexdigest()


def _cannot_serve(o: Officer | None, eid: str, day: date, task: Task) -> bool:
    return o is None or not is_qualified(o, task) or day in o.unavailable or eid in o.recusals


def replan(
    document: dict[str, Any],
    enterprises: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
) -> tuple[dict[str, Any], list[Substitution]]:
    """The re-planned document (re-sealed) and the substitutions made, in plan order."""
    seed = str(document["seed"])
    by_id = {o.id: o for o in officers}
    load: Counter[tuple[str, date]] = Counter()
    for insp in document["inspections"]:
        for team in insp["team"].values():
            for oid in team:
                load[oid, date.fromisoformat(insp["date"])] += 1

    def free(o: Officer, eid: str, day: date, team: Sequence[str]) -> bool:
        return (
            not _cannot_serve(o, eid, day, task)
            and o.id not in team
            and load[o.id, day] < daily_cap(o, task)
        )

    def pick(dept: str, eid: str, day: date, team: list[str]) -> tuple[str, str] | None:
        ranked = sorted(
            (substitution_rank(seed, task.id, day.isoformat(), eid, dept, o.id), o.id)
            for o in officers
            if o.department == dept and free(o, eid, day, team)
        )
        return (ranked[0][1], ranked[0][0]) if ranked else None

    calendar = build_calendar(task)
    changes: list[Substitution] = []
    inspections: list[dict[str, Any]] = []
    unscheduled = list(document["unscheduled"])
    for insp in document["inspections"]:
        eid, day = insp["enterprise_id"], date.fromisoformat(insp["date"])
        team = {d: list(m) for d, m in insp["team"].items()}
        bad = [
            (d, oid)
            for d, members in sorted(team.items())
            for oid in members
            if _cannot_serve(by_id.get(oid), eid, day, task)
        ]
        if not bad:
            inspections.append(insp)
            continue
        for _d, oid in bad:  # free their places first
            load[oid, day] -= 1
        same_day: list[Substitution] = []
        for d, oid in bad:
            got = pick(d, eid, day, team[d])
            if got is None:
                break
            team[d][team[d].index(oid)] = got[0]
            load[got[0], day] += 1
            same_day.append(
                Substitution(eid, d, oid, got[0], day.isoformat(), day.isoformat(), got[1])
            )
        if len(same_day) == len(bad):
            changes.extend(same_day)
            inspections.append({**insp, "team": {d: sorted(m) for d, m in team.items()}})
            continue
        for s in same_day:  # undo the partial same-day substitution
            load[str(s.added), day] -= 1
        leaving = {oid for _d, oid in bad}
        for members in insp["team"].values():
            for oid in members:
                if oid not in leaving:  # the rest of the old team is released too
                    load[oid, day] -= 1
        moved = _move(insp, calendar.schedulable_days, task, pick, load)
        if moved is None:
            for d, oid in bad:
                changes.append(Substitution(eid, d, oid, None, day.isoformat(), None, None))
            unscheduled.append(
                {
                    "enterprise_id": eid,
                    "reason": "原定检查组成员因病假或回避不能参加，期间内没有能组成完整检查组的可安排日",
                    "reason_en": "a team member fell ill or recused and no schedulable day in "
                    "the period can field a full team",
                }
            )
            continue
        new_insp, ranks = moved
        # the whole inspection moved: record each department's new team with its ranks
        for d, members in sorted(new_insp["team"].items()):
            for oid in members:
                changes.append(
                    Substitution(
                        eid,
                        d,
                        ";".join(insp["team"][d]),
                        oid,
                        day.isoformat(),
                        new_insp["date"],
                        ranks[d, oid],
                    )
                )
        inspections.append(new_insp)
    inspections.sort(key=lambda i: (i["date"], i["enterprise_id"]))
    unscheduled.sort(key=lambda u: u["enterprise_id"])
    population = classify([e for e in enterprises if in_population(e, task)], task.period.start)
    district_of = {e.id: e.district for e in enterprises}
    drawn = [d["enterprise_id"] for d in document["draw"]]
    _r, staff = staff_by_region(
        [district_of[e] for e in drawn], qualified_slots(officers, task), task
    )
    body = {k: v for k, v in document.items() if k != "plan_sha256"}
    body.update(
        inspections=inspections,
        unscheduled=unscheduled,
        inputs_sha256=inputs_sha256(population, officers, task),
        quality=quality_of(inspections, district_of, [s.id for m in staff.values() for s in m]),
        replanned_from=document["plan_sha256"],
        substitutions=[
            *document.get("substitutions", []),
            *(c.as_json() for c in changes),
        ],
    )
    body.setdefault("original_inputs_sha256", document["inputs_sha256"])
    return seal(body), changes


def _move(
    insp: dict[str, Any],
    days: Sequence[date],
    task: Task,
    pick: Any,
    load: Counter[tuple[str, date]],
) -> tuple[dict[str, Any], dict[tuple[str, str], str]] | None:
    """Earliest schedulable day on which every department fields a full team by rank."""
    eid = insp["enterprise_id"]
    for day in days:
        team: dict[str, list[str]] = {}
        ranks: dict[tuple[str, str], str] = {}
        for dept in task.departments:
            members: list[str] = []
            while len(members) < task.officers_per_department:
                got = pick(dept, eid, day, members)
                if got is None:
                    break
                members.append(got[0])
                ranks[dept, got[0]] = got[1]
                load[got[0], day] += 1
            team[dept] = members
        if all(len(m) == task.officers_per_department for m in team.values()):
            return {
                **insp,
                "date": day.isoformat(),
                "team": {d: sorted(m) for d, m in team.items()},
            }, ranks
        for members in team.values():
            for oid in members:
                load[oid, day] -= 1
    return None
