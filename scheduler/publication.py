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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from jianguan.audit import KEYED, Anchor, record
from jianguan.compare_and_set import update_if
from jianguan.errors import JianguanError
from jianguan.models import InspectionRow, PlanRow
from jianguan.registry_schema import Enterprise
from scheduler.lifecycle import LifecycleError, document_of
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


RESULTS_HEADER = ("enterprise_id", "name", "date", "items", "result")


def results_rows(
    inspections: Iterable[InspectionRow], names: Mapping[str, str]
) -> list[tuple[str, ...]]:
    """The published results table (results.csv), one row per inspection; a result not yet
    recorded is an empty cell."""
    return [
        (
            i.enterprise_id,
            names.get(i.enterprise_id, ""),
            i.date.isoformat(),
            ";".join(i.items),
            i.result_category or "",
        )
        for i in inspections
    ]


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
    anchor: Anchor | None = None,
) -> str:
    """The static 一公开 page (no scripts, no external resources: it works offline)."""
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
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{e(task.title)} — 双随机抽查计划公示</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:72em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.2em .5em;font-size:90%}}code{{word-break:break-all}}</style>
</head><body>
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
{_table(("统一社会信用代码", "企业名称", "检查日期", "事项", "检查人员", "检查结果", "结果公示期限"), plan_rows)}
<h2>未能安排的企业及原因</h2>
{_table(("统一社会信用代码", "企业名称", "原因"), unscheduled_rows)}
</body></html>
"""


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
) -> list[Path]:
    """Write plan.json, plan.csv, results.csv, publication.json (the publication record:
    when, and the audit log's anchor) and index.html for a published plan."""
    plan = _published(session, plan_id)
    document = document_of(plan)
    names = {e.id: e.name for e in enterprises}
    rows = session.scalars(
        select(InspectionRow)
        .where(InspectionRow.plan_id == plan_id)
        .order_by(InspectionRow.date, InspectionRow.enterprise_id)
    ).all()
    results = {
        r.enterprise_id: (r.result_category, r.result_notes or "")
        for r in rows
        if r.result_category is not None
    }
    calendar = build_calendar(task)
    deadlines = {
        i["enterprise_id"]: results_deadline(date.fromisoformat(i["date"]), calendar)
        for i in document["inspections"]
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "plan.json"]
    paths[0].write_bytes(plan_bytes(document))
    paths.append(
        _write_csv(
            out_dir / "plan.csv",
            ("enterprise_id", "name", "date", "items", "team", "results_deadline"),
            [
                (
                    i["enterprise_id"],
                    names.get(i["enterprise_id"], ""),
                    i["date"],
                    ";".join(i["items"]),
                    " ".join(f"{d}:{';'.join(m)}" for d, m in sorted(i["team"].items())),
                    deadlines[i["enterprise_id"]].isoformat(),
                )
                for i in document["inspections"]
            ],
        )
    )
    paths.append(_write_csv(out_dir / "results.csv", RESULTS_HEADER, results_rows(rows, names)))
    anchor = anchor_of(plan)
    record_path = out_dir / "publication.json"
    record_path.write_text(
        json.dumps(publication_record(plan, anchor), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    paths.append(record_path)
    page = out_dir / "index.html"
    page.write_text(
        render_html(document, task, names, results, deadlines, anchor), encoding="utf-8"
    )
    paths.append(page)
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
