"""A plan's life in the store: draft → approved → published (or rejected / superseded).

Every transition is one transaction with its audit event (`jianguan.audit.record`), so the log
and the plans never disagree, and a compare and set (`jianguan.compare_and_set`): the write
itself checks the state the transition starts from, so of two racing approvals (or publishes,
rejections, re-plans) exactly one happens and writes one audit row; the other is told the
plan's state as it is now. The stored `document` is the canonical plan.json, byte for byte;
approval pins its `plan_sha256`. Re-planning an approved plan (an officer falls ill or declares
a recusal) makes a new draft whose parent is the approved plan: only the affected inspections
move, and approving it supersedes the parent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jianguan.audit import head_of, record
from jianguan.compare_and_set import update_if
from jianguan.errors import JianguanError
from jianguan.models import InspectionRow, PlanRow, TaskRow
from jianguan.registry_schema import Enterprise, Officer
from scheduler.plan_document import plan_bytes
from scheduler.replan import replan
from scheduler.task_file import Task

# Plans whose inspections count against the annual per-enterprise cap.
BINDING_STATUSES = ("approved", "published")


class LifecycleError(JianguanError):
    """A transition that the plan's state does not allow."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _plan(session: Session, plan_id: int) -> PlanRow:
    plan = session.get(PlanRow, plan_id)
    if plan is None:
        raise LifecycleError(
            f"计划 {plan_id} 不存在，请检查计划编号", f"plan {plan_id} does not exist; check the id"
        )
    return plan


def _require(plan: PlanRow, *allowed: str) -> None:
    if plan.status not in allowed:
        raise LifecycleError(
            f"计划 {plan.id} 当前状态为 {plan.status}，只有 {'/'.join(allowed)} 状态才能执行此操作",
            f"plan {plan.id} is {plan.status}; this needs a plan that is {'/'.join(allowed)}",
        )


def _lost_race(session: Session, plan: PlanRow, *allowed: str) -> LifecycleError:
    """The refusal for a request whose compare and set found the plan changed: the usual
    message, with the plan's state as another request has just left it."""
    session.refresh(plan)
    try:
        _require(plan, *allowed)
    except LifecycleError as err:
        return err
    return LifecycleError(
        f"计划 {plan.id} 刚被他人处理或修改；请刷新页面后重试",
        f"plan {plan.id} was just changed by someone else; reload the page and try again",
    )


def _set_status(
    session: Session,
    plan: PlanRow,
    allowed: tuple[str, ...],
    values: dict[str, Any],
    *conditions: Any,
) -> None:
    """Move `plan` on only if, at the write, it is still in one of `allowed` (and
    `conditions` hold); otherwise refuse as `_lost_race` does."""
    if not update_if(session, plan, [PlanRow.status.in_(allowed), *conditions], values):
        raise _lost_race(session, plan, *allowed)


def hold_for_replan(session: Session, plan: PlanRow) -> None:
    """Lock an approved or published plan for this transaction (refuse it in any other
    state). A re-plan reads the officer library after this: two requests re-planning one
    plan then run one after the other, the second seeing the first's change."""
    allowed = ("approved", "published")
    held = session.execute(
        update(PlanRow)
        .where(PlanRow.id == plan.id, PlanRow.status.in_(allowed))
        .values(status=PlanRow.status)  # a write that changes nothing: it takes the lock
        .execution_options(synchronize_session=False)
    )
    if getattr(held, "rowcount", 0) != 1:
        raise _lost_race(session, plan, *allowed)


def document_of(plan: PlanRow) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(plan.document)
    return data


def save_draft(
    session: Session,
    task: Task,
    document: dict[str, Any],
    actor: str,
    *,
    parent_plan_id: int | None = None,
) -> PlanRow:
    """Store a generated plan as a draft (and the task, when new); audit-logged."""
    row = session.get(TaskRow, task.id)
    if row is None:
        row = TaskRow(
            id=task.id,
            title=task.title,
            lead_department=task.lead_department,
            spec=task.canonical(),
            created_by=actor,
        )
        session.add(row)
    elif row.spec != task.canonical():
        row.spec = task.canonical()
    plan = PlanRow(
        task_id=task.id,
        seed=str(document["seed"]),
        inputs_sha256=str(document["inputs_sha256"]),
        plan_sha256=str(document["plan_sha256"]),
        document=plan_bytes(document).decode("utf-8"),
        status="draft",
        generated_by=actor,
        parent_plan_id=parent_plan_id,
    )
    plan.inspections = [
        InspectionRow(
            enterprise_id=i["enterprise_id"],
            date=date.fromisoformat(i["date"]),
            items=list(i["items"]),
            team={d: list(m) for d, m in i["team"].items()},
        )
        for i in document["inspections"]
    ]
    session.add(plan)
    session.flush()
    record(
        session,
        actor,
        "plan.generate" if parent_plan_id is None else "plan.replan",
        "plan",
        str(plan.id),
        None,
        {
            "task_id": task.id,
            "plan_sha256": plan.plan_sha256,
            "inputs_sha256": plan.inputs_sha256,
            "seed": plan.seed,
            "inspections": len(document["inspections"]),
            "unscheduled": len(document["unscheduled"]),
            "parent_plan_id": parent_plan_id,
        },
    )
    return plan


def approve(session: Session, plan_id: int, actor: str) -> PlanRow:
    plan = _plan(session, plan_id)
    _require(plan, "draft")
    if plan.generated_by == actor:
        # 双随机 practice: the person who drew the plan does not approve it alone.
        raise LifecycleError(
            "生成计划的人员不能审批同一计划，请由另一名负责人审批",
            "the person who generated a plan may not approve it; ask another approver",
        )
    _set_status(
        session,
        plan,
        ("draft",),
        {
            "status": "approved",
            "approved_by": actor,
            "approved_at": _now(),
            "approved_plan_sha256": plan.plan_sha256,
        },
        PlanRow.generated_by != actor,
        PlanRow.plan_sha256 == plan.plan_sha256,  # the plan this approver was shown
    )
    if plan.parent_plan_id is not None:
        parent = _plan(session, plan.parent_plan_id)
        if not update_if(
            session, parent, [PlanRow.status.in_(BINDING_STATUSES)], {"status": "superseded"}
        ):
            # Another re-plan of the same plan was approved first: approving this one too
            # would leave two binding plans for one task.
            session.refresh(parent)
            raise LifecycleError(
                f"计划 {plan.id} 是计划 {parent.id} 的重新排期，但计划 {parent.id} 当前状态为 "
                f"{parent.status}（已被另一重新排期的计划替代）；请对当前有效的计划重新排期",
                f"plan {plan.id} re-plans plan {parent.id}, which is {parent.status} (another "
                "re-plan of it was approved); re-plan the plan now in force instead",
            )
    record(
        session,
        actor,
        "plan.approve",
        "plan",
        str(plan.id),
        {"status": "draft"},
        {
            "status": "approved",
            "plan_sha256": plan.plan_sha256,
            "superseded_parent": plan.parent_plan_id,
        },
    )
    return plan


def reject(session: Session, plan_id: int, actor: str, reason: str) -> PlanRow:
    plan = _plan(session, plan_id)
    _require(plan, "draft")
    if not reason.strip():
        raise LifecycleError("驳回须写明理由", "a rejection needs a reason")
    _set_status(session, plan, ("draft",), {"status": "rejected", "rejection_reason": reason})
    record(
        session,
        actor,
        "plan.reject",
        "plan",
        str(plan.id),
        {"status": "draft"},
        {"status": "rejected", "reason": reason},
    )
    return plan


def publish(session: Session, plan_id: int, actor: str) -> PlanRow:
    plan = _plan(session, plan_id)
    _require(plan, "approved")
    if plan.approved_plan_sha256 != plan.plan_sha256:
        raise LifecycleError(
            f"计划 {plan.id} 审批后被改动过，不能公开；请重新审批",
            f"plan {plan.id} changed after approval and cannot be published; approve it again",
        )
    _set_status(
        session,
        plan,
        ("approved",),
        {"status": "published", "published_at": _now()},
        PlanRow.approved_plan_sha256 == PlanRow.plan_sha256,
        PlanRow.plan_sha256 == plan.plan_sha256,
    )
    record(
        session,
        actor,
        "plan.publish",
        "plan",
        str(plan.id),
        {"status": "approved"},
        {"status": "published", "plan_sha256": plan.plan_sha256},
    )
    # The log's head, this publication included: printed on the notice, it is what a log
    # cut short or rewritten later is checked against (jianguan.audit.Anchor).
    anchor = head_of(session)
    plan.audit_entries, plan.audit_head = anchor.entries, anchor.head
    return plan


def replan_stored(
    session: Session,
    plan_id: int,
    enterprises: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
    actor: str,
) -> PlanRow:
    """Re-plan an approved or published plan against the updated officer library."""
    parent = _plan(session, plan_id)
    _require(parent, "approved", "published")
    hold_for_replan(session, parent)
    new_document, changes = replan(document_of(parent), enterprises, officers, task)
    if not changes:
        raise LifecycleError(
            f"计划 {plan_id} 的检查组都仍然可用（无病假或回避冲突），无需重新安排",
            f"every team of plan {plan_id} can still serve (no illness or recusal conflict)",
        )
    twin = session.scalar(
        select(PlanRow.id).where(
            PlanRow.parent_plan_id == parent.id,
            PlanRow.status == "draft",
            PlanRow.plan_sha256 == str(new_document["plan_sha256"]),
        )
    )
    if twin is not None:  # the same change submitted twice (a double click, two tabs)
        raise LifecycleError(
            f"计划 {plan_id} 已按同样的变动重新排期为计划 {twin}（待审批），无需再次提交",
            f"plan {plan_id} was already re-planned for this change as plan {twin} (awaiting "
            "approval); there is nothing to submit again",
        )
    child = save_draft(session, task, new_document, actor, parent_plan_id=parent.id)
    record(
        session,
        actor,
        "plan.substitute",
        "plan",
        str(child.id),
        {"plan_sha256": parent.plan_sha256},
        {"plan_sha256": child.plan_sha256, "substitutions": [c.as_json() for c in changes]},
    )
    return child


def approved_counts_in(session: Session, task: Task) -> dict[str, dict[int, int]]:
    """Inspections per enterprise and calendar year in approved or published plans of other
    tasks (the task's own earlier plans are what is being replaced, so they do not count)."""
    rows = session.execute(
        select(InspectionRow.enterprise_id, InspectionRow.date)
        .join(PlanRow, InspectionRow.plan_id == PlanRow.id)
        .where(PlanRow.status.in_(BINDING_STATUSES), PlanRow.task_id != task.id)
    )
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for eid, day in rows:
        counts[eid][day.year] += 1
    return {e: dict(years) for e, years in counts.items()}


def approved_counts(db_url: str | None, task: Task) -> dict[str, dict[int, int]]:
    from jianguan.db import open_store

    store = open_store(db_url)
    try:
        with store.session() as session:
            return approved_counts_in(session, task)
    finally:
        store.dispose()
