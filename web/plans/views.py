"""The plans area (regulators): review, approval, publication, re-plan. Tasks and generation
jobs are in task_views.py, on the same blueprint."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.errors import JianguanError
from jianguan.models import EnterpriseRow, OfficerRow, PlanRow, TaskRow
from jianguan.registry_schema import Officer
from jianguan.registry_store import load_officers
from rules.versions.decided_registry import decided_enterprises
from scheduler import lifecycle
from scheduler.filing import filed_plan, plan_filing_html, plan_list_workbook
from scheduler.pdf_render import PRINTED_LIST_LIMIT
from scheduler.plan_review import task_of
from scheduler.plan_state import (
    STATUS_NAMES,
    approval_is_stale,
    require_fresh_approval,
    without_document,
)
from web.core.access import allow
from web.core.db_session import db
from web.core.downloads import attachment, cached_pdf, pdf_apart
from web.core.i18n import short_language
from web.extensions import store_of
from web.plans.review_cache import review_body

plans = Blueprint("plans", __name__, template_folder="templates", url_prefix="/plans")

VIEWERS = ("regulator", "admin")
ACTORS = ("regulator",)


# What the scheduler's soft-goal counters mean (scheduler/region_solver.py report keys).
SOFT_GOALS = {
    "travel_overflow_inspections": "跨区划出行超出（户次）",
    "spread_overflow_inspections": "负载不均超出（户次）",
    "team_places_outside_home_district": "在本单位区划外检查（人次）",
}


def soft_goal_name(key: str) -> str:
    return _(SOFT_GOALS[key]) if key in SOFT_GOALS else key


def status_name(status: str) -> str:
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def plans_without_documents() -> Any:
    """Loading a task's plans for a list, in one query and without their documents: each is
    a plan.json of half a megabyte or more, which a list of links and states never reads."""
    return selectinload(TaskRow.plans).options(defer(PlanRow.document))


def _plan(plan_id: int) -> PlanRow:
    plan = db().get(PlanRow, plan_id, options=without_document())
    if plan is None:
        abort(404)
    return plan


@plans.get("/")
@allow(*VIEWERS)
def index() -> str:
    tasks = (
        db()
        .scalars(
            select(TaskRow)
            .options(plans_without_documents())
            .order_by(TaskRow.created_at.desc(), TaskRow.id)
        )
        .all()
    )
    return render_template("plans_index.html", tasks=tasks)


@plans.get("/<int:plan_id>")
@allow(*VIEWERS)
def review(plan_id: int) -> str:
    plan = _plan(plan_id)
    body = review_body(plan)  # the plan part, the same for every reader: rendered once
    officers = db().scalars(select(OfficerRow.id).order_by(OfficerRow.id)).all()
    return render_template(
        "plan_review.html",
        p=plan,
        body=body,
        stale=approval_is_stale(plan, body.content_sha256),
        officer_ids=officers,
    )


def _transition(plan_id: int, act: str) -> Response:
    session = db()
    plan = _plan(plan_id)
    try:
        if act == "approve":
            lifecycle.approve(session, plan.id, current_user.username)
            message = _("计划已审批。")
        elif act == "reject":
            lifecycle.reject(
                session, plan.id, current_user.username, request.form.get("reason", "")
            )
            message = _("计划已退回。")
        else:
            require_fresh_approval(plan)
            lifecycle.publish(session, plan.id, current_user.username)
            message = _("计划已公示。")
        session.commit()
        flash(message)
    except JianguanError as err:
        session.rollback()
        flash(err.message(short_language()))
    return redirect(url_for("plans.review", plan_id=plan_id))


@plans.post("/<int:plan_id>/approve")
@allow(*ACTORS)
def approve_plan(plan_id: int) -> Response:
    return _transition(plan_id, "approve")


@plans.post("/<int:plan_id>/reject")
@allow(*ACTORS)
def reject_plan(plan_id: int) -> Response:
    return _transition(plan_id, "reject")


@plans.post("/<int:plan_id>/publish")
@allow(*ACTORS)
def publish_plan(plan_id: int) -> Response:
    return _transition(plan_id, "publish")


@plans.post("/<int:plan_id>/replan")
@allow(*ACTORS)
def replan(plan_id: int) -> Response:
    """Record an illness or a recusal in the officer library, then re-plan: only the affected
    inspections move (scheduler.replan); the draw never changes. The new plan is a draft."""
    plan = _plan(plan_id)
    session = db()
    lang = short_language()
    back = redirect(url_for("plans.review", plan_id=plan_id))
    try:
        # First the plan's lock, then the officer as it is now: a second request for the
        # same re-plan (a double click) waits here and then sees the first one's change.
        lifecycle.hold_for_replan(session, plan)
    except JianguanError as err:
        session.rollback()
        flash(err.message(lang))
        return back
    officer = session.get(OfficerRow, request.form.get("officer_id", ""), populate_existing=True)
    if officer is None:
        session.rollback()
        flash(_("请选择名录库中的执法人员。"))
        return back
    before = {"unavailable": list(officer.unavailable), "recusals": list(officer.recusals)}
    kind = request.form.get("kind")
    try:
        if kind == "recusal":
            eid = request.form.get("enterprise_id", "").strip().upper()
            if session.get(EnterpriseRow, eid) is None:
                raise JianguanError(
                    "回避企业不在名录库中，请填写正确的统一社会信用代码。",
                    "The enterprise is not in the registry; give its credit code.",
                )
            officer.recusals = sorted({*officer.recusals, eid})
        elif kind == "illness":
            start = date.fromisoformat(request.form.get("from", ""))
            end = date.fromisoformat(request.form.get("to", "") or start.isoformat())
            if end < start or (end - start).days > 366:
                raise ValueError("range")
            days = {
                date.fromordinal(o).isoformat()
                for o in range(start.toordinal(), end.toordinal() + 1)
            }
            officer.unavailable = sorted({*officer.unavailable, *days})
        else:
            abort(400)
        audit.record(
            session,
            current_user.username,
            f"officer.{kind}",
            "officer",
            officer.id,
            before,
            {"unavailable": officer.unavailable, "recusals": officer.recusals, "plan": plan_id},
        )
        session.flush()
        store = store_of(current_app)
        # The registry as this transaction sees it (the officer change is not yet committed).
        enterprises = decided_enterprises(store, task_of(plan.task).period.start)
        officers = [o for o in load_officers(store) if o.id != officer.id]
        officers.append(_officer_value(officer))
        child = lifecycle.replan_stored(
            session, plan.id, enterprises, officers, task_of(plan.task), current_user.username
        )
        session.commit()
    except ValueError:
        session.rollback()
        flash(_("请填写正确的起止日期（YYYY-MM-DD）。"))
        return back
    except JianguanError as err:
        session.rollback()
        flash(err.message(lang))
        return back
    flash(_("已重新排期，新计划 #%(id)s 须经审批后公示。", id=child.id))
    return redirect(url_for("plans.review", plan_id=child.id))


def _officer_value(row: OfficerRow) -> Officer:
    return Officer(
        id=row.id,
        name=row.name,
        department=row.department,
        district=row.district,
        certificate=row.certificate,
        fields=tuple(row.fields),
        max_per_day=row.max_per_day,
        unavailable=tuple(date.fromisoformat(d) for d in row.unavailable),
        recusals=tuple(row.recusals),
    )


def _filing_key(plan: PlanRow) -> tuple[object, ...]:
    # What the filed plan prints beyond its (immutable) document: state and approval.
    return ("filing", plan.id, plan.plan_sha256, plan.status, plan.approved_by, plan.approved_at)


@plans.get("/<int:plan_id>/plan.pdf")
@allow(*VIEWERS)
def plan_pdf(plan_id: int) -> Response:
    """The 抽查工作方案 to file with the level above (any state: a draft prints as a draft)."""
    plan = _plan(plan_id)
    try:
        body = cached_pdf(
            current_app,
            _filing_key(plan),
            lambda: pdf_apart(
                plan_filing_html(filed_plan(db(), plan_id), list_limit=PRINTED_LIST_LIMIT)
            ),
        )
    except JianguanError as err:
        flash(err.message(short_language()))
        return redirect(url_for("plans.review", plan_id=plan_id))
    return attachment(body, f"抽查工作方案-{plan.task_id}-计划{plan_id}.pdf")


@plans.get("/<int:plan_id>/plan.xlsx")
@allow(*VIEWERS)
def plan_xlsx(plan_id: int) -> Response:
    """The inspection list with dates and teams (officers by name), Chinese headers."""
    plan = _plan(plan_id)
    try:
        body = plan_list_workbook(filed_plan(db(), plan_id))
    except JianguanError as err:
        flash(err.message(short_language()))
        return redirect(url_for("plans.review", plan_id=plan_id))
    return attachment(body, f"检查清单-{plan.task_id}-计划{plan_id}.xlsx")
