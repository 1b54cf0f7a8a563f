"""Inspection tasks (plans area): create a task from the registry, record the inputs
commitment, start plan generation as a background job and follow its progress."""

from __future__ import annotations

import functools
import json
import re
import secrets
from datetime import date
from typing import Any

import yaml
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.divisions import division_name
from jianguan.errors import DataFileError, JianguanError
from jianguan.models import AuditEvent, EnterpriseRow, OfficerRow, TaskRow
from jianguan.registry_store import load_officers
from rules.versions.decided_registry import decided_enterprises
from scheduler.draw import check_seed, classify, in_population, inputs_sha256
from scheduler.plan_review import task_of
from scheduler.task_file import parse_task
from scheduler.work_calendar import build_calendar
from web.core.access import allow
from web.core.db_session import db
from web.core.form_values import day_list, words
from web.core.i18n import short_language
from web.extensions import store_of
from web.plans.jobs import Job, job_or_404, start_generation
from web.plans.views import ACTORS, VIEWERS, plans, plans_without_documents

DEFAULT_FIELDS = {"SCJG": "quality", "SW": "tax", "YJ": "safety"}


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


def _task_data(form: dict[str, Any]) -> dict[str, Any]:
    items = []
    for line in str(form["items"]).splitlines():
        # The fifth cell, the item's legal basis, is the rest of the line as written (a basis
        # may list articles with commas).
        cells = [c.strip() for c in re.split("[,，]", line, maxsplit=4)]
        if any(cells):
            keys = ("code", "name", "department", "field", "basis")
            items.append({k: v for k, v in zip(keys, cells, strict=False) if k != "basis" or v})
    calendar: dict[str, Any] = {
        "quiet_days_of_month": day_list(form["quiet_days"]),
        "extra_workdays": words(form["extra_workdays"]),
    }
    if form["holidays"].strip() and form["holidays"].strip() != "-":
        calendar["holidays"] = words(form["holidays"])
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
    if words(form["industries"]):
        data["industries"] = words(form["industries"])
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
    row = db().get(TaskRow, task_id, options=[plans_without_documents()])
    if row is None:
        abort(404)
    spec_yaml = _spec_yaml(json.dumps(row.spec, ensure_ascii=False))
    return render_template(
        "task.html", task=row, spec_yaml=spec_yaml, commitment=last_commitment(task_id)
    )


@functools.lru_cache(maxsize=256)
def _spec_yaml(spec_json: str) -> str:
    """A task's spec as YAML for its page. PyYAML's emitter took most of the page's CPU, and a
    task's spec does not change: kept per spec text (JSON keeps the stored key order)."""
    return yaml.safe_dump(json.loads(spec_json), allow_unicode=True, sort_keys=False)


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
    try:
        job, started = start_generation(task_id, seed, current_user.username)
    except JianguanError as err:  # this user has too many jobs waiting
        flash(err.message(short_language()))
        return redirect(url_for("plans.task", task_id=task_id))
    if not started:
        flash(_("此任务的计划正在生成（由 %(who)s 发起），以下是该作业的进度。", who=job.actor))
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
        enterprises = decided_enterprises(store, task.period.start)
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


def _job_or_404(job_id: str) -> Job:
    return job_or_404(job_id)


@plans.get("/jobs/<job_id>")
@allow(*ACTORS)
def job(job_id: str) -> str:
    return render_template("job.html", job=_job_or_404(job_id))


@plans.get("/jobs/<job_id>/status")
@allow(*ACTORS)
def job_status(job_id: str) -> str:
    return render_template("job_status.html", job=_job_or_404(job_id))
