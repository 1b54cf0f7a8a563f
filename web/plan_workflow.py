"""A plan's life in the store: saved as a draft, approved by a second person, published.

The rules a regulator relies on:
- four eyes: the user who generated a plan may not approve it;
- an approval covers exact bytes: it records the sha256 of the plan document, and if the
  document changes afterwards the approval is stale and publishing is refused;
- publishing a re-plan supersedes the plan it replaces.
Every transition is written to the hash-chained audit log in the same transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan import audit
from jianguan.errors import JianguanError
from jianguan.models import InspectionRow, PlanRow, TaskRow
from scheduler.canonical_json import sha256_of
from scheduler.plan_document import plan_bytes

STATUS_NAMES = {
    "draft": "草稿（待审批）",
    "approved": "已审批（待公示）",
    "published": "已公示",
    "rejected": "已退回",
    "superseded": "已被新计划替代",
}


class WorkflowError(JianguanError):
    """A plan transition that the rules forbid; the message says what to do instead."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def document_of(plan: PlanRow) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(plan.document)
    return document


def current_sha256(plan: PlanRow) -> str:
    """The sha256 of the plan as stored now (without its own `plan_sha256` key)."""
    body = {k: v for k, v in document_of(plan).items() if k != "plan_sha256"}
    return sha256_of(body)


def approval_is_stale(plan: PlanRow) -> bool:
    return plan.approved_plan_sha256 is not None and (
        plan.approved_plan_sha256 != current_sha256(plan)
    )


def _state(plan: PlanRow) -> dict[str, Any]:
    return {
        "status": plan.status,
        "plan_sha256": plan.plan_sha256,
        "approved_by": plan.approved_by,
        "approved_plan_sha256": plan.approved_plan_sha256,
    }


def save_generated(
    session: Session,
    task: TaskRow,
    document: dict[str, Any],
    actor: str,
    parent_plan_id: int | None = None,
) -> PlanRow:
    """Store a freshly generated plan as a draft, with one row per scheduled inspection."""
    plan = PlanRow(
        task_id=task.id,
        seed=str(document["seed"]),
        inputs_sha256=str(document["inputs_sha256"]),
        plan_sha256=str(document["plan_sha256"]),
        document=plan_bytes(document).decode("utf-8"),
        status="draft",
        generated_by=actor,
        generated_at=_now(),
        parent_plan_id=parent_plan_id,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        InspectionRow(
            plan_id=plan.id,
            enterprise_id=i["enterprise_id"],
            date=date.fromisoformat(i["date"]),
            items=list(i["items"]),
            team=dict(i["team"]),
        )
        for i in document["inspections"]
    )
    audit.record(
        session,
        actor,
        "plan.generate",
        "plan",
        str(plan.id),
        None,
        {
            **_state(plan),
            "task_id": task.id,
            "inspections": len(document["inspections"]),
            "unscheduled": len(document["unscheduled"]),
            "parent_plan_id": parent_plan_id,
        },
    )
    return plan


def approve(session: Session, plan: PlanRow, actor: str) -> None:
    if plan.status != "draft":
        raise WorkflowError(
            f"只有草稿状态的计划可以审批，此计划为“{STATUS_NAMES.get(plan.status, plan.status)}”。",
            f"Only a draft plan can be approved; this one is {plan.status}.",
        )
    if actor == plan.generated_by:
        raise WorkflowError(
            "审批人不能是计划的生成人（双人复核）。请由另一名监管人员审批。",
            "The approver must be another user than the one who generated the plan (four eyes).",
        )
    before = _state(plan)
    plan.status = "approved"
    plan.approved_by = actor
    plan.approved_at = _now()
    plan.approved_plan_sha256 = current_sha256(plan)
    audit.record(session, actor, "plan.approve", "plan", str(plan.id), before, _state(plan))


def reject(session: Session, plan: PlanRow, actor: str, reason: str) -> None:
    if not reason.strip():
        raise WorkflowError("退回计划必须填写理由。", "Give a reason for rejecting the plan.")
    if plan.status not in ("draft", "approved"):
        raise WorkflowError(
            "只有草稿或已审批（未公示）的计划可以退回。",
            "Only a draft or approved (unpublished) plan can be rejected.",
        )
    before = _state(plan)
    plan.status = "rejected"
    plan.rejection_reason = reason.strip()
    audit.record(
        session,
        actor,
        "plan.reject",
        "plan",
        str(plan.id),
        before,
        {**_state(plan), "reason": plan.rejection_reason},
    )


def publish(session: Session, plan: PlanRow, actor: str) -> None:
    if plan.status != "approved":
        raise WorkflowError(
            "只有已审批的计划可以公示。请先由生成人以外的监管人员审批。",
            "Only an approved plan can be published; have another user approve it first.",
        )
    if approval_is_stale(plan):
        before = _state(plan)
        plan.status = "draft"
        plan.approved_by = None
        plan.approved_at = None
        plan.approved_plan_sha256 = None
        audit.record(
            session, actor, "plan.approval_stale", "plan", str(plan.id), before, _state(plan)
        )
        session.commit()
        raise WorkflowError(
            "审批后计划内容已发生变化，原审批失效，计划已退回草稿。请重新审批后再公示。",
            "The plan changed after it was approved; the approval is stale and the plan is a "
            "draft again. Approve it again before publishing.",
        )
    before = _state(plan)
    plan.status = "published"
    plan.published_at = _now()
    audit.record(session, actor, "plan.publish", "plan", str(plan.id), before, _state(plan))
    for older in session.scalars(
        select(PlanRow).where(
            PlanRow.task_id == plan.task_id,
            PlanRow.id != plan.id,
            PlanRow.status == "published",
        )
    ):
        older_before = _state(older)
        older.status = "superseded"
        audit.record(
            session,
            actor,
            "plan.supersede",
            "plan",
            str(older.id),
            older_before,
            {**_state(older), "superseded_by": plan.id},
        )
