"""一公开: publish a plan and its results — CSV files and a static Chinese HTML page.

The page carries what anyone needs to check the draw: the seed, the commitment published
before it (`inputs_sha256`), the plan's own hash, the stratum sizes and ratios, and the exact
commands and formula to verify, and the audit log's anchor at publication (its entry count
and head hash), against which `jianguan audit verify` later detects a rewritten or
cut-short log. Results must be public within 20 working days
(企业信息公示暂行条例 Art. 6); `result_status` tracks that deadline per inspection. Officers
appear by their library id, not their name; per-firm credit tiers are never published, only
stratum sizes ("风险不公开").
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from jianguan.audit import KEYED, Anchor, record
from jianguan.compare_and_set import update_if
from jianguan.divisions import division_name
from jianguan.errors import JianguanError
from jianguan.models import Department, EnterpriseRow, InspectionRow, OfficerRow, PlanRow
from jianguan.registry_schema import Enterprise
from jianguan.registry_store import KNOWN_DEPARTMENTS
from scheduler.lifecycle import LifecycleError, document_of
from scheduler.pdf_render import PRINTED_LIST_LIMIT, html_to_pdf, print_css
from scheduler.plan_document import plan_bytes
from scheduler.task_file import Task
from scheduler.work_calendar import WorkCalendar, build_calendar

RESULTS_WITHIN_WORKING_DAYS = 20
# Result categories used in practice on the national publicity system.
RESULT_CATEGORIES = (
    "未发现问题",
    "发现问题已责令改正",
    "未按规定公示应当公示的信息",
    "通过登记的住所（经营场所）无法联系",
    "未发现开展本次抽查涉及的经营活动",
    "发现问题待后续处理",
)


@dataclass(frozen=True, slots=True)
class ResultDue:
    enterprise_id: str
    inspection_date: date
    deadline: date
    recorded: bool
    overdue: bool


def results_deadline(inspection_date: date, calendar: WorkCalendar) -> date:
    """20 working days after the inspection. Beyond the task period, a year the statutory
    calendar does not know is counted Monday–Friday, which can only bring the date earlier."""
    return calendar.add_working_days(inspection_date, RESULTS_WITHIN_WORKING_DAYS)


def _published(session: Session, plan_id: int) -> PlanRow:
    plan = session.get(PlanRow, plan_id)
    if plan is None or plan.status != "published":
        raise LifecycleError(
            f"计划 {plan_id} 不存在或尚未公开；结果只能记录在已公开的计划上",
            f"plan {plan_id} does not exist or is not published; results go on published plans",
        )
    return plan


def _inspection(session: Session, plan_id: int, enterprise_id: str) -> InspectionRow:
    row = session.scalars(
        select(InspectionRow).where(
            InspectionRow.plan_id == plan_id, InspectionRow.enterprise_id == enterprise_id
        )
    ).first()
    if row is None:
        raise JianguanError(
            f"计划 {plan_id} 中没有对企业 {enterprise_id} 的检查",
            f"plan {plan_id} has no inspection of {enterprise_id}",
        )
    return row


def record_result(
    session: Session, plan_id: int, enterprise_id: str, category: str, notes: str, actor: str
) -> InspectionRow:
    """Record (or correct) an inspection's result on a published plan. A compare and set: the
    result is written only if, at the write, it is still the one this request read and the
    plan is still published — of two entries racing, one lands and is logged once."""
    if category not in RESULT_CATEGORIES:
        raise JianguanError(
            f"检查结果“{category}”不在规定类别中：{'、'.join(RESULT_CATEGORIES)}",
            f"result '{category}' is not one of the categories: {', '.join(RESULT_CATEGORIES)}",
        )
    _published(session, plan_id)
    row = _inspection(session, plan_id, enterprise_id)
    before = {"result_category": row.result_category, "result_notes": row.result_notes}
    if before == {"result_category": category, "result_notes": notes}:
        return row  # the same result again (a second click): nothing changes, nothing logged
    still = [
        InspectionRow.result_category.is_not_distinct_from(row.result_category),
        InspectionRow.result_notes.is_not_distinct_from(row.result_notes),
        InspectionRow.result_recorded_at.is_not_distinct_from(row.result_recorded_at),
        exists().where(PlanRow.id == plan_id, PlanRow.status == "published"),
    ]
    values = {
        "result_category": category,
        "result_notes": notes,
        "result_recorded_by": actor,
        "result_recorded_at": datetime.now(UTC).replace(tzinfo=None),
    }
    if not update_if(session, row, still, values):
        raise JianguanError(
            f"企业 {enterprise_id} 的检查结果刚被他人录入或修改（或计划已不再是公示状态）；"
            "请刷新页面，核对当前结果后再录入",
            f"the result for {enterprise_id} was just recorded or changed by someone else (or "
            "the plan is no longer published); reload the page and check it before entering it",
        )
    record(
        session,
        actor,
        "inspection.result",
        "inspection",
        str(row.id),
        before,
        {"result_category": category, "result_notes": notes, "plan_id": plan_id},
    )
    return row


def result_status(session: Session, plan_id: int, task: Task, today: date) -> list[ResultDue]:
    calendar = build_calendar(task)
    rows = session.scalars(
        select(InspectionRow)
        .where(InspectionRow.plan_id == plan_id)
        .order_by(InspectionRow.date, InspectionRow.enterprise_id)
    )
    out = []
    for r in rows:
        deadline = results_deadline(r.date, calendar)
        recorded = r.result_category is not None
        out.append(
            ResultDue(
                r.enterprise_id, r.date, deadline, recorded, not recorded and today > deadline
            )
        )
    return out


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with a UTF-8 byte-order mark: Excel, which regulators use, then opens Chinese text
    correctly (the static export and the web's download alike)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    path.write_bytes(csv_text(header, rows).encode("utf-8"))
    return path


# The national publicity system's (国家企业信用信息公示系统) columns for 双随机 results.
RESULTS_HEADER = (
    "统一社会信用代码",
    "企业名称",
    "抽查事项",
    "检查日期",
    "检查结果",
    "检查实施机关",
)


def results_rows(
    inspections: Iterable[InspectionRow],
    names: Mapping[str, str],
    item_names: Mapping[str, str],
    units: Mapping[str, str],
) -> list[tuple[str, ...]]:
    """The published results table (results.csv and .xlsx, static export and web alike), one
    row per recorded result: an inspection without a result has nothing to publish yet."""
    return [
        (
            i.enterprise_id,
            names.get(i.enterprise_id, ""),
            "、".join(item_names.get(code, code) for code in i.items),
            i.date.isoformat(),
            i.result_category,
            authority_text(i.team, units),
        )
        for i in inspections
        if i.result_category is not None
    ]


def results_table(
    session: Session, plan_id: int, task: Task, names: Mapping[str, str] | None = None
) -> list[tuple[str, ...]]:
    """One plan's results table (`results_rows`) from the store; `names` (id → name) stands
    in for the store's enterprise names, as the static export's registry file does."""
    rows = session.scalars(
        select(InspectionRow)
        .where(InspectionRow.plan_id == plan_id)
        .order_by(InspectionRow.date, InspectionRow.enterprise_id)
    ).all()
    if names is None:
        found = enterprises_of(session, [r.enterprise_id for r in rows])
        names = {eid: name for eid, (name, _district) in found.items()}
    units = inspecting_units(session, (o for r in rows for team in r.team.values() for o in team))
    return results_rows(rows, names, item_names_of(task), units)


def results_workbook(table: Iterable[Sequence[Any]]) -> bytes:
    return xlsx_bytes([("检查结果", RESULTS_HEADER, table)])


def enterprise_ids_of(document: Mapping[str, Any]) -> list[str]:
    """Every drawn enterprise a plan names: the scheduled, then the unscheduled."""
    return [i["enterprise_id"] for i in document["inspections"]] + [
        u["enterprise_id"] for u in document["unscheduled"]
    ]


def enterprises_of(session: Session, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Enterprise id → (name, district code), from the store."""
    out: dict[str, tuple[str, str]] = {}
    for part in id_slices(ids):
        for eid, name, district in session.execute(
            select(EnterpriseRow.id, EnterpriseRow.name, EnterpriseRow.district).where(
                EnterpriseRow.id.in_(part)
            )
        ):
            out[eid] = (name, district)
    return out


def inspecting_units(session: Session, officer_ids: Iterable[str]) -> dict[str, str]:
    """Officer id → the authority they inspect for (检查实施机关): the division of the officer's
    unit and the department's name as the store holds it, e.g. 南昌县市场监督管理局."""
    departments = department_names(session)
    out: dict[str, str] = {}
    for part in id_slices(officer_ids):
        for oid, department, district in session.execute(
            select(OfficerRow.id, OfficerRow.department, OfficerRow.district).where(
                OfficerRow.id.in_(part)
            )
        ):
            unit = departments.get(department, department)
            out[oid] = f"{division_name(district) or district}{unit}"
    return out


def department_names(session: Session) -> dict[str, str]:
    """Department code → name: the store's names (set when officers were imported), the
    known national names where the store only repeats the code."""
    stored = {c: n for c, n in session.execute(select(Department.code, Department.name))}
    return {**KNOWN_DEPARTMENTS, **{k: v for k, v in stored.items() if v and v != k}}


def id_slices(ids: Iterable[str]) -> Iterator[list[str]]:
    """Sorted distinct ids in slices that keep SQL IN lists within every backend's limits."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 5000):
        yield wanted[start : start + 5000]


def authority_text(team: Mapping[str, Sequence[str]], units: Mapping[str, str]) -> str:
    """The authorities of one inspection's team, each once, by department (a joint inspection
    names every department's unit); an officer the store no longer holds shows the department."""
    found = dict.fromkeys(
        units.get(officer, department)
        for department, members in sorted(team.items())
        for officer in members
    )
    return "、".join(found)


PLAN_LIST_HEADER = (
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所在区划",
    "检查日期",
    "抽查事项",
    "检查组",
    "结果公示期限",
)
UNSCHEDULED_HEADER = ("统一社会信用代码", "企业名称", "未能安排的原因")


def plan_list_rows(
    document: Mapping[str, Any],
    item_names: Mapping[str, str],
    enterprises: Mapping[str, tuple[str, str]],
    officer_labels: Mapping[str, str],
    deadlines: Mapping[str, date],
) -> list[tuple[Any, ...]]:
    """The inspection list with dates and teams (plan.csv/.xlsx, the filed plan, the review's
    download). `enterprises` maps id → (name, district code); `officer_labels` maps officer
    id → how to show them (names inside the bureau; left empty, public files show the id)."""
    rows: list[tuple[Any, ...]] = []
    for n, i in enumerate(document["inspections"], start=1):
        name, district = enterprises.get(i["enterprise_id"], ("", ""))
        team = "；".join(
            f"{department}：{'、'.join(officer_labels.get(o, o) for o in members)}"
            for department, members in sorted(i["team"].items())
        )
        rows.append(
            (
                n,
                i["enterprise_id"],
                name,
                division_name(district) or district,
                i["date"],
                "、".join(item_names.get(code, code) for code in i["items"]),
                team,
                deadlines[i["enterprise_id"]].isoformat(),
            )
        )
    return rows


def plan_workbook(
    document: Mapping[str, Any],
    task: Task,
    enterprises: Mapping[str, tuple[str, str]],
    officer_labels: Mapping[str, str],
    deadlines: Mapping[str, date],
) -> bytes:
    """The plan list as .xlsx: the inspections, and the drawn firms that could not be placed."""
    listed = plan_list_rows(document, item_names_of(task), enterprises, officer_labels, deadlines)
    return xlsx_bytes(
        [
            ("检查安排", PLAN_LIST_HEADER, listed),
            ("未能安排", UNSCHEDULED_HEADER, unscheduled_rows(document, enterprises)),
        ]
    )


def unscheduled_rows(
    document: Mapping[str, Any], enterprises: Mapping[str, tuple[str, str]]
) -> list[tuple[str, ...]]:
    return [
        (u["enterprise_id"], enterprises.get(u["enterprise_id"], ("", ""))[0], u["reason"])
        for u in document["unscheduled"]
    ]


def results_deadlines(document: Mapping[str, Any], task: Task) -> dict[str, date]:
    """Enterprise id → the last day to publish its result (20 working days after the visit)."""
    calendar = build_calendar(task)
    return {
        i["enterprise_id"]: results_deadline(date.fromisoformat(i["date"]), calendar)
        for i in document["inspections"]
    }


def item_names_of(task: Task) -> dict[str, str]:
    return {i.code: i.name for i in task.items}


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx workbook, one sheet per (title, header, rows): bold frozen header row with a
    filter, columns wide enough for their Chinese text. Codes and dates stay text cells, so
    Excel keeps leading zeros and the platform's import reads them as written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from jianguan.xlsx_text import text_safe_row

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        widths = [_display_width(h) for h in header]
        for row in rows:
            sheet.append(text_safe_row(sheet, row))  # a name starting "=" is no formula
            widths = [max(w, _display_width(c)) for w, c in zip(widths, row, strict=False)]
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for n, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _display_width(value: Any) -> int:
    text = str(value)
    return len(text) + sum(1 for ch in text if ord(ch) > 0x2E80)  # CJK cells are two wide


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def anchor_of(plan: PlanRow) -> Anchor | None:
    """The audit log's head recorded when `plan` was published (None before migration 0003)."""
    if plan.audit_entries is None or plan.audit_head is None:
        return None
    return Anchor(plan.audit_entries, plan.audit_head)


def _anchor_html(anchor: Anchor | None) -> str:
    if anchor is None:
        return ""
    e = html.escape
    return f"""<h2>审计日志锚点</h2>
<p>本计划公示时，系统的审计日志共 {anchor.entries} 条记录，最新一条的哈希（HMAC-SHA256）为
<code>{e(anchor.head)}</code>。请与本页一同保存这两个值：日后运行
<code>jianguan audit verify --anchor {e(str(anchor))}</code>，若此前的任何记录被改写、删除，或日志被截短，
校验即失败。</p>
"""


def render_html(
    document: dict[str, Any],
    task: Task,
    names: dict[str, str],
    results: dict[str, tuple[str, str]],
    deadlines: dict[str, date],
    *,
    list_limit: int | None = None,
    anchor: Anchor | None = None,
) -> str:
    """The static 一公开 page (no scripts, no external resources: it works offline), which is
    also the printed notice. Above `list_limit` inspections the list is left to results.csv
    and plan.csv (a printout of thousands of rows helps nobody)."""
    e = html.escape
    strata_rows = [
        (name, s["population"], s.get("ratio", "全部（重点监管）"), s["drawn"])
        for name, s in document["strata"].items()
    ]
    plan_rows = [
        (
            i["enterprise_id"],
            names.get(i["enterprise_id"], ""),
            i["date"],
            "、".join(i["items"]),
            "；".join(f"{d}：{'、'.join(m)}" for d, m in sorted(i["team"].items())),
            results.get(i["enterprise_id"], ("待公示", ""))[0],
            deadlines[i["enterprise_id"]].isoformat(),
        )
        for i in document["inspections"]
    ]
    unscheduled_rows = [
        (u["enterprise_id"], names.get(u["enterprise_id"], ""), u["reason"])
        for u in document["unscheduled"]
    ]
    items = "".join(f"<li>{e(i.code)} {e(i.name)}（{e(i.department)}）</li>" for i in task.items)
    subs = document.get("substitutions", [])
    replan_note = (
        f"<p>本计划在审批后因执法人员病假或回避重新安排过（原计划 plan_sha256："
        f"<code>{e(str(document['replanned_from']))}</code>），共替换 {len(subs)} 人次；"
        "替换人员按 HMAC-SHA256(种子, “任务编号|substitute|日期|企业|部门|人员”) 最小者选取，"
        "记录见 plan.json 的 substitutions，plan verify 会逐条重算。</p>"
        if "replanned_from" in document
        else ""
    )
    header = (
        "统一社会信用代码",
        "企业名称",
        "检查日期",
        "事项",
        "检查人员",
        "检查结果",
        "结果公示期限",
    )
    plan_table = (
        _table(header, plan_rows)
        if list_limit is None or len(plan_rows) <= list_limit
        else f"<p>本计划共 {len(plan_rows)} 户次检查，超过打印上限 {list_limit} 户次，此处不逐条列出："
        "检查安排见 plan.csv，检查结果见 results.csv；清单内容由上面的 plan_sha256 唯一确定。</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{e(task.title)} — 双随机抽查计划公示</title>
<style>{print_css()}</style>
</head><body class="notice">
<p class="running-head">双随机抽查计划公示 · 任务编号 {e(task.id)}</p>
<h1>{e(task.title)}</h1>
<p>任务编号 {e(task.id)}；牵头部门 {e(task.lead_department)}；检查期间
{task.period.start} 至 {task.period.end}；每部门 {task.officers_per_department} 名执法人员。</p>
<h2>抽查事项</h2><ul>{items}</ul>
<h2>随机抽取的依据（可由任何人复核）</h2>
<ul>
<li>输入承诺（种子产生前公布）inputs_sha256：<code>{e(str(document.get("original_inputs_sha256", document["inputs_sha256"])))}</code></li>
<li>随机种子 seed：<code>{e(str(document["seed"]))}</code></li>
<li>计划摘要 plan_sha256：<code>{e(str(document["plan_sha256"]))}</code></li>
</ul>
<p>抽取规则：各层按信用风险分类，重点监管企业全部抽取；其余每层抽取
ceil(比例 × 层内企业数) 家（比例按十进制精确计算），企业排名值为
HMAC-SHA256(密钥 = 种子的十六进制字节, 消息 = "任务编号|统一社会信用代码")，取排名值最小者。</p>
<p>复核方法：取得公布的名录库、任务文件和计划文件后运行<br>
<code>jianguan plan commit --enterprises enterprises.csv --inspectors inspectors.csv --task task.yaml</code>（应输出上面的 inputs_sha256）<br>
<code>jianguan plan verify --plan plan.json --enterprises enterprises.csv --inspectors inspectors.csv --task task.yaml</code>（重算抽取并核对全部约束）<br>
<code>jianguan plan generate --enterprises enterprises.csv --inspectors inspectors.csv --task task.yaml --seed 上述种子 --out 重算.json</code>（排期的随机成本同样由种子决定且最优解唯一，重算结果应与公布的 plan.json 逐字节相同）。</p>
{replan_note}
{_anchor_html(anchor)}<h2>各层抽取情况</h2>
{_table(("层", "企业数", "比例", "抽取数"), strata_rows)}
<h2>检查安排与结果（结果应于检查后 {RESULTS_WITHIN_WORKING_DAYS} 个工作日内公示）</h2>
{plan_table}
<h2>未能安排的企业及原因</h2>
{_table(("统一社会信用代码", "企业名称", "原因"), unscheduled_rows)}
</body></html>
"""


def notice_page(
    session: Session,
    plan: PlanRow,
    task: Task,
    names: Mapping[str, str] | None = None,
    *,
    list_limit: int | None = None,
) -> str:
    """The 一公开 page of a published plan with the results recorded so far; `names` (id →
    name) stands in for the store's enterprise names, as the static export's file does."""
    document = document_of(plan)
    if names is None:
        found = enterprises_of(session, enterprise_ids_of(document))
        names = {eid: name for eid, (name, _district) in found.items()}
    results = {
        r.enterprise_id: (r.result_category, r.result_notes or "")
        for r in plan.inspections
        if r.result_category is not None
    }
    deadlines = results_deadlines(document, task)
    return render_html(
        document,
        task,
        dict(names),
        results,
        deadlines,
        list_limit=list_limit,
        anchor=anchor_of(plan),
    )


def notice_pdf(
    session: Session, plan: PlanRow, task: Task, names: Mapping[str, str] | None = None
) -> bytes:
    """The public notice (公示) as PDF: the 一公开 page, printed."""
    return html_to_pdf(notice_page(session, plan, task, names, list_limit=PRINTED_LIST_LIMIT))


def publication_record(plan: PlanRow, anchor: Anchor | None) -> dict[str, Any]:
    """What was published and when, with the audit log's head at that moment."""
    return {
        "plan_id": plan.id,
        "task_id": plan.task_id,
        "plan_sha256": plan.plan_sha256,
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
        "audit_anchor": None
        if anchor is None
        else {
            "entries": anchor.entries,
            "head": anchor.head,
            "scheme": KEYED,
            "check": f"jianguan audit verify --anchor {anchor}",
        },
    }


def export_publication(
    session: Session,
    plan_id: int,
    task: Task,
    enterprises: Sequence[Enterprise],
    out_dir: Path,
    actor: str,
    *,
    pdf: bool = False,
) -> list[Path]:
    """Write plan.json, plan.csv/.xlsx, results.csv/.xlsx, publication.json (the publication
    record: when, and the audit log's anchor) and index.html for a published plan; with `pdf`,
    also notice.pdf (index.html printed, the Chinese fonts embedded)."""
    plan = _published(session, plan_id)
    document = document_of(plan)
    names = {e.id: e.name for e in enterprises}
    places = {e.id: (e.name, e.district) for e in enterprises}
    deadlines = results_deadlines(document, task)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "plan.json"]
    paths[0].write_bytes(plan_bytes(document))
    listed = plan_list_rows(document, item_names_of(task), places, {}, deadlines)
    paths.append(_write_csv(out_dir / "plan.csv", PLAN_LIST_HEADER, listed))
    paths.append(out_dir / "plan.xlsx")
    paths[-1].write_bytes(plan_workbook(document, task, places, {}, deadlines))
    table = results_table(session, plan_id, task, names)
    paths.append(_write_csv(out_dir / "results.csv", RESULTS_HEADER, table))
    paths.append(out_dir / "results.xlsx")
    paths[-1].write_bytes(results_workbook(table))
    record_path = out_dir / "publication.json"
    record_path.write_text(
        json.dumps(publication_record(plan, anchor_of(plan)), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    paths.append(record_path)
    paths.append(out_dir / "index.html")
    paths[-1].write_text(notice_page(session, plan, task, names), encoding="utf-8")
    if pdf:
        paths.append(out_dir / "notice.pdf")
        paths[-1].write_bytes(notice_pdf(session, plan, task, names))
    record(
        session,
        actor,
        "plan.export",
        "plan",
        str(plan_id),
        None,
        {"files": [p.name for p in paths], "plan_sha256": plan.plan_sha256},
    )
    return paths
