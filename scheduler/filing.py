"""The plan a bureau files with the level above (抽查工作方案): the task, the legal basis of
each item, strata and ratios, the seed and its commitment, the list with dates and teams.

HTML from a Jinja2 template beside this module (scheduler/templates/plan_filing.html), printed
to PDF by `scheduler.pdf_render` (offline, Chinese fonts embedded). It is internal: officers
appear by name. The public notice is `scheduler.publication`'s static page, printed.

Above `PRINTED_LIST_LIMIT` inspections the list section says how many there are and refers to
the Excel list instead, which the plan's `plan_sha256` pins exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan.divisions import division_name
from jianguan.models import (
    AuditEvent,
    OfficerRow,
    PlanRow,
)
from scheduler.canonical_json import sha256_of
from scheduler.lifecycle import LifecycleError, document_of
from scheduler.pdf_render import PRINTED_LIST_LIMIT, html_to_pdf, print_css
from scheduler.publication import (
    PLAN_LIST_HEADER,
    RESULT_CATEGORIES,
    RESULTS_WITHIN_WORKING_DAYS,
    UNSCHEDULED_HEADER,
    department_names,
    enterprise_ids_of,
    enterprises_of,
    id_slices,
    item_names_of,
    plan_list_rows,
    plan_workbook,
    results_deadlines,
    unscheduled_rows,
)
from scheduler.task_file import Task

TIER_NAMES = {
    "A": "A类（低风险）",
    "B": "B类（一般风险）",
    "C": "C类（较高风险）",
    "D": "D类（高风险）",
    "key": "重点监管",
}
STATUS_NOTES = {
    "draft": "草稿，尚未审批",
    "approved": "已审批，待公示",
    "published": "已审批并公示",
    "rejected": "已退回，不得执行",
    "superseded": "已被重新排期后的计划替代，不得执行",
}
# What the plan rests on as a whole; each item's own basis comes from the task (items[].basis).
GENERAL_BASIS = (
    "《国务院办公厅关于推广随机抽查规范事中事后监管的通知》（国办发〔2015〕58号）",
    "《国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》（国发〔2019〕5号）",
    "《中华人民共和国行政处罚法》第四十二条（执法人员不得少于两人）、第四十三条（回避）",
    "《企业信息公示暂行条例》第六条（自产生之日起20个工作日内公示）",
)


@dataclass(frozen=True, slots=True)
class Commitment:
    """When the inputs commitment entered the audit chain, and when the plan was made after it
    (both UTC, the chain's clock)."""

    at: datetime
    plan_made_at: datetime


@dataclass(frozen=True, slots=True)
class FiledPlan:
    """Everything the filed plan prints, read from the store once."""

    plan_id: int
    status: str
    task: Task
    document: dict[str, Any]
    enterprises: dict[str, tuple[str, str]]  # id → (name, district code)
    officers: dict[str, str]  # id → "name（id）"
    departments: dict[str, str]  # code → name
    generated_by: str
    generated_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    approval_holds: bool
    committed: Commitment | None


def filed_plan(session: Session, plan_id: int) -> FiledPlan:
    """Gather a stored plan and the registry names it needs (any status: a draft prints as
    a draft, so it can be discussed before it is approved)."""
    plan = session.get(PlanRow, plan_id)
    if plan is None:
        raise LifecycleError(
            f"计划 {plan_id} 不存在，请检查计划编号", f"plan {plan_id} does not exist; check the id"
        )
    document = document_of(plan)
    officer_ids = {o for i in document["inspections"] for m in i["team"].values() for o in m}
    commitment = str(document.get("original_inputs_sha256", document["inputs_sha256"]))
    body = {k: v for k, v in document.items() if k != "plan_sha256"}
    return FiledPlan(
        plan_id=plan.id,
        status=plan.status,
        task=Task.model_validate(plan.task.spec),
        document=document,
        enterprises=enterprises_of(session, enterprise_ids_of(document)),
        officers={oid: f"{name}（{oid}）" for oid, name in _officer_names(session, officer_ids)},
        departments=department_names(session),
        generated_by=plan.generated_by,
        generated_at=plan.generated_at,
        approved_by=plan.approved_by,
        approved_at=plan.approved_at,
        approval_holds=plan.approved_plan_sha256 == plan.plan_sha256 == sha256_of(body),
        committed=_commitment_before(session, plan, commitment),
    )


def _commitment_before(session: Session, plan: PlanRow, commitment: str) -> Commitment | None:
    """The audit chain's record of the inputs commitment, if it precedes the plan's generation
    (the chain's order, not the clocks, says which came first)."""
    made = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "plan",
            AuditEvent.object_id == str(plan.id),
            AuditEvent.action.in_(("plan.generate", "plan.replan")),
        )
        .order_by(AuditEvent.id)
    ).first()
    if made is None:
        return None
    earlier = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "task.inputs_commit",
            AuditEvent.object_id == plan.task_id,
            AuditEvent.id < made.id,
        )
        .order_by(AuditEvent.id.desc())
    )
    found = next((e for e in earlier if (e.after or {}).get("inputs_sha256") == commitment), None)
    return None if found is None else Commitment(found.at, made.at)


def _officer_names(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, str]]:
    for part in id_slices(ids):
        yield from session.execute(
            select(OfficerRow.id, OfficerRow.name).where(OfficerRow.id.in_(part))
        )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("scheduler", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["division"] = lambda code: division_name(str(code)) or str(code)
    return env


def plan_filing_html(filed: FiledPlan, *, list_limit: int | None = None) -> str:
    document, task = filed.document, filed.task
    deadlines = results_deadlines(document, task)
    listed = list_limit is None or len(document["inspections"]) <= list_limit
    return (
        _environment()
        .get_template("plan_filing.html")
        .render(
            css=print_css(),
            f=filed,
            task=task,
            doc=document,
            status_note=STATUS_NOTES.get(filed.status, filed.status),
            tiers=TIER_NAMES,
            general_basis=GENERAL_BASIS,
            commitment=str(document.get("original_inputs_sha256", document["inputs_sha256"])),
            header=PLAN_LIST_HEADER,
            rows=plan_list_rows(
                document, item_names_of(task), filed.enterprises, filed.officers, deadlines
            )
            if listed
            else [],
            listed=listed,
            limit=list_limit,
            unscheduled_header=UNSCHEDULED_HEADER,
            unscheduled=unscheduled_rows(document, filed.enterprises),
            categories=RESULT_CATEGORIES,
            within=RESULTS_WITHIN_WORKING_DAYS,
            today=date.today(),
        )
    )


def plan_filing_pdf(filed: FiledPlan) -> bytes:
    """The 抽查工作方案 as PDF."""
    return html_to_pdf(plan_filing_html(filed, list_limit=PRINTED_LIST_LIMIT))


def plan_list_workbook(filed: FiledPlan) -> bytes:
    """The filed plan's inspection list as .xlsx (officers by name, as in the PDF)."""
    deadlines = results_deadlines(filed.document, filed.task)
    return plan_workbook(filed.document, filed.task, filed.enterprises, filed.officers, deadlines)
