"""The plans area (regulators): tasks, generation jobs, review, approval, publication, re-plan."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import yaml
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.divisions import division_name
from jianguan.errors import DataFileError, JianguanError
from jianguan.models import AuditEvent, EnterpriseRow, OfficerRow, PlanRow, TaskRow
from jianguan.registry_schema import Officer
from jianguan.registry_store import load_enterprises, load_officers
from scheduler import lifecycle
from scheduler.draw import check_seed, classify, in_population, inputs_sha256
from scheduler.task_file import parse_task
from scheduler.work_calendar import build_calendar
from web.access import allow
from web.app import store_of
from web.db_session import db
from web.i18n import short_language
from web.plan_jobs import generation_work, jobs_of
from web.plan_review import build_review, task_of
from web.plan_state import STATUS_NAMES, approval_is_stale, require_fresh_approval

plans = Blueprint("plans", __name__, url_prefix="/plans")

VIEWERS = ("regulator", "admin")
ACTORS = ("regulator",)

DEFAULT_FIELDS = {"SCJG": "quality", "SW": "tax", "YJ": "safety"}


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


def _plan(plan_id: int) -> PlanRow:
    plan = db().get(PlanRow, plan_id)
    if plan is None:
        abort(404)
    return plan


@plans.get("/")
@allow(*VIEWERS)
def index() -> str:
    tasks = db().scalars(select(TaskRow).order_by(TaskRow.created_at.desc(), TaskRow.id)).all()
    return render_template("plans_index.html", tasks=tasks)


def _task_form_defaults() -> dict[str, Any]:
    session = db()
    districts = session.scalars(
        select(EnterpriseRow.district).distinct().order_by(EnterpriseRow.district)
    ).all()
    departments = session.scalars(
        select(OfficerRow.department).distinct().order_by(OfficerRow.department)
    ).all()
    items = "\n".join(
        f"{d}-{DEFAULT_FIELDS.get(d, 'general').upper()}-01,{d} 随机抽查,{d},"
        f"{DEFAULT_FIELDS.get(d, 'general')}"
        for d in departments
    )
    year = date.today().year + 1
    return {
        "districts": [(d, division_name(d) or d) for d in districts],
        "form": {
            "id": f"JX-{year}-01",
            "title": f"{year}年第一批双随机抽查",
            "lead_department": departments[0] if departments else "SCJG",
            "start": f"{year}-03-01",
            "end": f"{year}-04-30",
            "items": items,
            "A": "0.03",
            "B": "0.05",
            "C": "0.2",
            "D": "1.0",
            "officers_per_department": "2",
            "max_per_officer_per_day": "3",
            "quiet_days": "1-10",
            "holidays": "",
            "extra_workdays": "",
            "industries": "",
            "chosen_districts": list(districts),
        },
    }


def _day_list(text: str) -> list[int]:
    days: list[int] = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            days.extend(range(int(lo), int(hi) + 1))
        elif part:
            days.append(int(part))
    return days


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace("，", ",").replace(";", ",").split(",") if w.strip()]


def _task_data(form: dict[str, Any]) -> dict[str, Any]:
    items = []
    for line in str(form["items"]).splitlines():
        cells = [c.strip() for c in line.replace("，", ",").split(",")]
        if any(cells):
            items.append(dict(zip(("code", "name", "department", "field"), cells, strict=False)))
    calendar: dict[str, Any] = {
        "quiet_days_of_month": _day_list(form["quiet_days"]),
        "extra_workdays": _words(form["extra_workdays"]),
    }
    if form["holidays"].strip() and form["holidays"].strip() != "-":
        calendar["holidays"] = _words(form["holidays"])
    data: dict[str, Any] = {
        "id": form["id"].strip(),
        "title": form["title"].strip(),
        "lead_department": form["lead_department"].strip(),
        "period": {"start": form["start"].strip(), "end": form["end"].strip()},
        "items": items,
        "sampling": {t: float(form[t]) for t in "ABCD"},
        "officers_per_department": int(form["officers_per_department"]),
        "max_per_officer_per_day": int(form["max_per_officer_per_day"]),
        "calendar": calendar,
    }
    if form["chosen_districts"]:
        data["districts"] = list(form["chosen_districts"])
    if _words(form["industries"]):
        data["industries"] = _words(form["industries"])
    return data


@plans.route("/tasks/new", methods=["GET", "POST"])
@allow(*ACTORS)
def new_task() -> str | Response | tuple[str, int]:
    context = _task_form_defaults()
    if request.method == "GET":
        return render_template("task_new.html", **context)
    form: dict[str, Any] = {
        k: request.form.get(k, "") for k in context["form"] if k != "chosen_districts"
    }
    form["chosen_districts"] = request.form.getlist("districts")
    context["form"] = form
    lang = short_language()
    try:
        data = _task_data(form)
        task = parse_task(yaml.safe_dump(data, allow_unicode=True), _("任务表单"))
    except ValueError:
        context["errors"] = [_("比例、人数和安静日须为数字（安静日可写成 1-10）。")]
        return render_template("task_new.html", **context), 400
    except DataFileError as err:
        context["errors"] = [i.message_en if lang == "en" else i.message_zh for i in err.issues]
        return render_template("task_new.html", **context), 400
    try:
        build_calendar(task)  # an unknown year without holidays: say so now, not in the job
    except JianguanError as err:
        context["errors"] = [err.message(lang)]
        return render_template("task_new.html", **context), 400
    session = db()
    if session.get(TaskRow, task.id) is not None:
        context["errors"] = [_("任务编号 %(id)s 已存在，请换一个编号。", id=task.id)]
        return render_template("task_new.html", **context), 400
    spec = task.canonical()
    session.add(
        TaskRow(
            id=task.id,
            title=task.title,
            lead_department=task.lead_department,
            spec=spec,
            created_by=current_user.username,
        )
    )
    audit.record(session, current_user.username, "task.create", "task", task.id, None, spec)
    session.commit()
    return redirect(url_for("plans.task", task_id=task.id))


@plans.get("/tasks/<task_id>")
@allow(*VIEWERS)
def task(task_id: str) -> str:
    row = db().get(TaskRow, task_id)
    if row is None:
        abort(404)
    spec_yaml = yaml.safe_dump(row.spec, allow_unicode=True, sort_keys=False)
    return render_template(
        "task.html", task=row, spec_yaml=spec_yaml, commitment=last_commitment(task_id)
    )


def last_commitment(task_id: str) -> AuditEvent | None:
    """The latest recorded inputs commitment of a task (from the audit chain)."""
    return (
        db()
        .scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "task.inputs_commit", AuditEvent.object_id == task_id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        .first()
    )


@plans.post("/tasks/<task_id>/generate")
@allow(*ACTORS)
def generate(task_id: str) -> Response | tuple[str, int]:
    row = db().get(TaskRow, task_id)
    if row is None:
        abort(404)
    seed = request.form.get("seed", "").strip().lower() or secrets.token_hex(32)
    try:
        check_seed(seed)
    except JianguanError as err:
        flash(err.message(short_language()))
        return redirect(url_for("plans.task", task_id=task_id))
    return _start(row.id, seed)


def _start(task_id: str, seed: str) -> Response:
    store = store_of(current_app)
    job = jobs_of(current_app).start(
        task_id,
        current_user.username,
        generation_work(store, task_id, seed, current_user.username),
    )
    return redirect(url_for("plans.job", job_id=job.id))


@plans.post("/tasks/<task_id>/commit")
@allow(*ACTORS)
def commit_inputs(task_id: str) -> Response:
    """Compute inputs_sha256 (registry rows and task) to publish BEFORE the seed exists, as
    `jianguan plan commit` does; it is logged in the audit chain with its time."""
    row = db().get(TaskRow, task_id)
    if row is None:
        abort(404)
    task = task_of(row)
    store = store_of(current_app)
    try:
        enterprises = load_enterprises(store)
        population = classify([e for e in enterprises if in_population(e, task)], task.period.start)
        digest = inputs_sha256(population, load_officers(store), task)
    except JianguanError as err:
        flash(err.message(short_language()))
        return redirect(url_for("plans.task", task_id=task_id))
    audit.record(
        db(),
        current_user.username,
        "task.inputs_commit",
        "task",
        task_id,
        None,
        {"inputs_sha256": digest, "population": len(population)},
    )
    db().commit()
    flash(_("输入承诺已记录：%(h)s。请在产生种子之前公布。", h=digest))
    return redirect(url_for("plans.task", task_id=task_id))


@plans.get("/jobs/<job_id>")
@allow(*ACTORS)
def job(job_id: str) -> str:
    found = jobs_of(current_app).get(job_id)
    if found is None:
        abort(404)
    return render_template("job.html", job=found)


@plans.get("/jobs/<job_id>/status")
@allow(*ACTORS)
def job_status(job_id: str) -> str:
    found = jobs_of(current_app).get(job_id)
    if found is None:
        abort(404)
    return render_template("job_status.html", job=found)


@plans.get("/<int:plan_id>")
@allow(*VIEWERS)
def review(plan_id: int) -> str:
    plan = _plan(plan_id)
    view = build_review(db(), plan)
    officers = db().scalars(select(OfficerRow.id).order_by(OfficerRow.id)).all()
    return render_template(
        "plan_review.html",
        r=view,
        stale=approval_is_stale(plan),
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
    officer = session.get(OfficerRow, request.form.get("officer_id", ""))
    if officer is None:
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
        enterprises = load_enterprises(store)
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
