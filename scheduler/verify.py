"""`plan verify`: recompute the draw and check every hard constraint of a plan.

Deliberately its own code path: it reads plan.json as plain data and checks it against the
registry and the task with straightforward loops; it never builds or calls a solver, so a bug
or a tampered file in the planner cannot vouch for itself.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jianguan.errors import DataFileError, FileIssue
from jianguan.registry_schema import Enterprise, Officer
from rules.gc_pause import collector_paused
from scheduler.canonical_json import sha256_of
from scheduler.draw import classify, draw, in_population, inputs_sha256
from scheduler.officer_pool import daily_cap, is_qualified, qualified_slots, staff_by_region
from scheduler.plan_document import quality_of
from scheduler.plan_shape import shape_problems
from scheduler.replan import substitution_rank
from scheduler.task_file import Task
from scheduler.work_calendar import build_calendar


@dataclass(frozen=True, slots=True)
class Problem:
    zh: str
    en: str
    constraint: str = "plan"

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _unreadable(p: Path, line: int, zh: str, en: str) -> DataFileError:
    return DataFileError(
        [
            FileIssue(
                str(p),
                line,
                "",
                f"无法读取计划文件（应为 UTF-8 JSON）：{zh}",
                f"cannot read the plan file (UTF-8 JSON expected): {en}",
            )
        ]
    )


class _NotFinite(ValueError):
    pass


def _not_json(name: str) -> float:
    raise _NotFinite(name)  # NaN, Infinity, -Infinity: Python's json takes them, JSON does not


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)  # 1e999
    return value


def read_plan(path: Path | str) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(
            p.read_bytes().decode("utf-8"),
            parse_constant=_not_json,
            parse_float=_finite,
        )
    except _NotFinite as exc:
        raise _unreadable(
            p, 1, f"{exc} 不是有限数值（JSON 不允许 NaN 与无穷大）", f"{exc} is not a finite number"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _unreadable(p, getattr(exc, "lineno", 1), str(exc), str(exc)) from None
    except RecursionError:
        # Thousands of nested [ or {: json gives up before any plan could be that deep.
        raise _unreadable(
            p, 1, "数组或对象嵌套层数过多", "arrays or objects nested too deeply"
        ) from None
    except ValueError as exc:  # an integer of more than 4,300 digits (int_max_str_digits)
        raise _unreadable(p, 1, f"数值过长（{exc}）", f"a number too long ({exc})") from None
    if not isinstance(data, dict):
        raise DataFileError(
            [FileIssue(str(p), 1, "", "计划文件应为 JSON 对象", "the plan must be a JSON object")]
        )
    return data


def _iso(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def verify_plan(
    plan: dict[str, Any],
    enterprises: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
    *,
    prior_counts: dict[str, dict[int, int]] | None = None,
) -> list[Problem]:
    """Every problem found; an empty list means the plan holds."""
    with collector_paused():  # as generate_plan: many small acyclic objects, a large heap
        return _verify_plan(plan, enterprises, officers, task, prior_counts)


def _verify_plan(
    plan: dict[str, Any],
    enterprises: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
    prior_counts: dict[str, dict[int, int]] | None,
) -> list[Problem]:
    problems: list[Problem] = []

    def bad(zh: str, en: str) -> None:
        problems.append(Problem(zh, en))

    required = ("task_id", "seed", "inputs_sha256", "strata", "draw", "inspections")
    missing = [k for k in (*required, "unscheduled", "quality", "plan_sha256") if k not in plan]
    if missing:
        bad(f"计划缺少字段：{', '.join(missing)}", f"the plan lacks keys: {', '.join(missing)}")
        return problems
    for zh, en in shape_problems(plan):
        bad(zh, en)
    if problems:
        return problems  # what follows reads these places as formats.md §4 types them
    body = {k: v for k, v in plan.items() if k != "plan_sha256"}
    if sha256_of(body) != plan["plan_sha256"]:
        bad(
            "plan_sha256 与文件内容不符：计划在生成后被改动过",
            "plan_sha256 does not match the content: the plan was changed after it was made",
        )
    if plan["task_id"] != task.id:
        bad(
            f"计划的 task_id {plan['task_id']} 与任务文件的 {task.id} 不符",
            f"the plan's task_id {plan['task_id']} differs from the task file's {task.id}",
        )

    # 1. The draw, recomputed from the registry, the task and the published seed.
    population = classify([e for e in enterprises if in_population(e, task)], task.period.start)
    seed = str(plan["seed"])
    recomputed = draw(population, task, seed)
    if inputs_sha256(population, officers, task) != plan["inputs_sha256"]:
        bad(
            "inputs_sha256 与名录库和任务文件不符：抽取所用的数据不是这些文件",
            "inputs_sha256 does not match the registry and task given: the plan was drawn "
            "from other data",
        )
    if plan["strata"] != recomputed.strata:
        bad("各层总体数、比例或抽取数与重新计算不符", "strata sizes, ratios or counts differ")
    expected = recomputed.draw_json()
    if plan["draw"] != expected:
        got = {str(d.get("enterprise_id")) for d in plan["draw"] if isinstance(d, dict)}
        want = {d["enterprise_id"] for d in expected}
        extra, lost = sorted(got - want), sorted(want - got)
        bad(
            f"抽取结果与按种子重新计算的不符（多出 {len(extra)} 家，如 {extra[:3]}；"
            f"缺少 {len(lost)} 家，如 {lost[:3]}；或排序、层、排名值被改动）",
            f"the draw differs from the recomputation with the seed ({len(extra)} extra, e.g. "
            f"{extra[:3]}; {len(lost)} missing, e.g. {lost[:3]}; or order, stratum or rank edited)",
        )
    drawn_ids = [d["enterprise_id"] for d in expected]

    # 2. Every drawn enterprise exactly once, in the plan or unscheduled with a reason.
    placed = Counter(str(i.get("enterprise_id")) for i in plan["inspections"])
    placed.update(str(u.get("enterprise_id")) for u in plan["unscheduled"])
    for eid, n in sorted(placed.items()):
        if n > 1:
            bad(f"企业 {eid} 在计划中出现 {n} 次", f"enterprise {eid} appears {n} times")
    for eid in sorted(set(drawn_ids) - set(placed)):
        bad(f"抽中的企业 {eid} 既未安排也未说明原因", f"drawn enterprise {eid} is missing")
    for eid in sorted(set(placed) - set(drawn_ids)):
        bad(f"企业 {eid} 未被抽中却出现在计划中", f"enterprise {eid} is in the plan undrawn")
    for u in plan["unscheduled"]:
        if not str(u.get("reason", "")).strip():
            bad(
                f"未安排的企业 {u.get('enterprise_id')} 没有说明原因",
                f"unscheduled enterprise {u.get('enterprise_id')} has no reason",
            )

    # 3. Each inspection: date, items, team; daily and annual caps.
    problems.extend(check_inspections(plan["inspections"], officers, task, prior_counts))
    by_enterprise = {e.id: e for e in enterprises}

    # 4. Substitutions after re-planning carry the rank anyone can recompute.
    for sub in plan.get("substitutions", []):
        if sub.get("added") and sub.get("new_date"):
            rank = substitution_rank(
                seed,
                task.id,
                str(sub["new_date"]),
                str(sub["enterprise_id"]),
                str(sub["department"]),
                str(sub["added"]),
            )
            if rank != sub.get("rank"):
                bad(
                    f"替换记录 {sub['enterprise_id']}/{sub['added']} 的排名值与按种子重算的不符",
                    f"substitution {sub['enterprise_id']}/{sub['added']} has a rank that does "
                    "not match the seed",
                )

    # 5. The quality figures are what the inspections give.
    district_of = {e.id: e.district for e in by_enterprise.values()}
    _regions, staff = staff_by_region(
        [district_of[eid] for eid in drawn_ids], qualified_slots(officers, task), task
    )
    pool = [s.id for members in staff.values() for s in members]
    known = all(str(i.get("enterprise_id")) in district_of for i in plan["inspections"])
    if known and plan["quality"] != quality_of(plan["inspections"], district_of, pool):
        bad("quality 指标与检查安排不符", "the quality figures do not match the inspections")
    return problems


# Hard-constraint names, shared with the plan's constraint table.
CALENDAR = "calendar"
ITEMS = "items"
JOINT = "joint"
TEAM_QUALIFIED = "team_qualified"
TEAM_AVAILABLE = "team_available"
DAILY_CAP = "daily_cap"
ANNUAL_CAP = "annual_cap"
HARD_CONSTRAINTS = (CALENDAR, ITEMS, JOINT, TEAM_QUALIFIED, TEAM_AVAILABLE, DAILY_CAP, ANNUAL_CAP)


def check_inspections(
    inspections: Sequence[dict[str, Any]],
    officers: Sequence[Officer],
    task: Task,
    prior_counts: dict[str, dict[int, int]] | None = None,
) -> list[Problem]:
    """The hard constraints of formats.md §2 and §4 on each inspection and across the plan."""
    problems: list[Problem] = []
    kind = CALENDAR

    def bad(zh: str, en: str) -> None:
        problems.append(Problem(zh, en, kind))

    calendar = build_calendar(task)
    by_officer = {o.id: o for o in officers}
    qualified = {o.id for o in officers if is_qualified(o, task)}
    per_officer_day: Counter[tuple[str, date]] = Counter()
    per_year: Counter[tuple[str, int]] = Counter()
    items = sorted(task.item_codes)
    departments = list(task.departments)  # a property that sorts: once, not per inspection
    per_department = task.officers_per_department
    for insp in inspections:
        eid = str(insp.get("enterprise_id"))
        day = _iso(insp.get("date"))
        where = f"{eid}（{insp.get('date')}）"
        where_en = f"{eid} ({insp.get('date')})"
        kind = CALENDAR
        if day is None:
            bad(f"检查 {where} 的日期无效", f"inspection {where_en} has an invalid date")
            continue
        if not task.period.start <= day <= task.period.end:
            bad(f"检查 {where} 不在任务期间内", f"inspection {where_en} is outside the period")
        elif not calendar.is_working_day(day):
            bad(f"检查 {where} 不是工作日", f"inspection {where_en} is not a working day")
        elif day.day in calendar.quiet_days_of_month:
            bad(f"检查 {where} 落在企业安静日", f"inspection {where_en} falls on a quiet day")
        kind = ITEMS
        if sorted(str(x) for x in insp.get("items", [])) != items:
            bad(
                f"检查 {where} 的事项应为任务的全部事项 {items}",
                f"inspection {where_en} must list all task items {items}",
            )
        per_year[eid, day.year] += 1
        kind = JOINT
        team = insp.get("team", {})
        if not isinstance(team, dict) or sorted(team) != departments:
            bad(
                f"检查 {where} 应由 {'、'.join(task.departments)} 各派人员联合检查",
                f"inspection {where_en} needs a sub-team from each of {task.departments}",
            )
            continue
        for dept, members in sorted(team.items()):
            kind = TEAM_QUALIFIED
            if len(members) != per_department or len(set(members)) != len(members):
                bad(
                    f"检查 {where} 的 {dept} 小组应为 {per_department} 名不同人员",
                    f"inspection {where_en}: {dept} needs {per_department} distinct officers",
                )
            for oid in members:
                o = by_officer.get(oid)
                if o is None:
                    bad(f"检查 {where}：人员 {oid} 不在人员名录库", f"{where_en}: unknown {oid}")
                    continue
                per_officer_day[oid, day] += 1
                kind = TEAM_QUALIFIED
                if o.department != dept:
                    bad(
                        f"检查 {where}：{oid} 属于 {o.department}，不能代表 {dept}",
                        f"{where_en}: {oid} belongs to {o.department}, not {dept}",
                    )
                elif oid not in qualified:
                    bad(
                        f"检查 {where}：{oid} 无执法证或不具备 {dept} 事项所需领域资格",
                        f"{where_en}: {oid} lacks a certificate or the {dept} item fields",
                    )
                kind = TEAM_AVAILABLE
                if day in o.unavailable:
                    bad(f"检查 {where}：{oid} 当日不在岗", f"{where_en}: {oid} is unavailable")
                if eid in o.recusals:
                    bad(f"检查 {where}：{oid} 须回避该企业", f"{where_en}: {oid} must recuse")
    kind = DAILY_CAP
    for (oid, day), n in sorted(per_officer_day.items()):
        cap = daily_cap(by_officer[oid], task)
        if n > cap:
            bad(
                f"人员 {oid} 在 {day} 安排了 {n} 次检查，超过每日上限 {cap}",
                f"officer {oid} has {n} inspections on {day}, over the daily cap of {cap}",
            )
    kind = ANNUAL_CAP
    cap_year = task.max_inspections_per_enterprise_per_year
    if cap_year is not None and prior_counts is not None:
        for (eid, year), n in sorted(per_year.items()):
            before = prior_counts.get(eid, {}).get(year, 0)
            if before + n > cap_year:
                bad(
                    f"企业 {eid} 在 {year} 年将被检查 {before + n} 次，超过年度上限 {cap_year}",
                    f"enterprise {eid} would be inspected {before + n} times in {year}, over "
                    f"the annual cap of {cap_year}",
                )

    return problems
