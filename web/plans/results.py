"""Recording results per inspection, with the penalty-exemption decision, and the
20-working-day publication tracker (企业信息公示暂行条例 Art. 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.errors import JianguanError
from jianguan.models import DecisionRow, InspectionRow, PlanRow
from scheduler.penalty_decision import PACKAGE, case_from_form, decide_case, list_items
from scheduler.plan_review import enterprise_names, task_of
from scheduler.publication import (
    RESULT_CATEGORIES,
    RESULTS_WITHIN_WORKING_DAYS,
    results_deadline,
    results_table,
    results_workbook,
)
from scheduler.publication import (
    record_result as store_result,
)
from scheduler.work_calendar import WorkCalendar, build_calendar
from web.core.access import allow
from web.core.db_session import db
from web.core.downloads import attachment
from web.core.i18n import short_language

results = Blueprint("results", __name__, template_folder="templates", url_prefix="/plans")

CATEGORIES = RESULT_CATEGORIES
FINDINGS = {"发现问题已责令改正", "发现问题待后续处理", "未按规定公示应当公示的信息"}


def _published(plan_id: int) -> PlanRow:
    plan = db().get(PlanRow, plan_id)
    if plan is None:
        abort(404)
    return plan


@results.get("/<int:plan_id>/results")
@allow("regulator", "admin")
def plan_results(plan_id: int) -> str:
    plan = _published(plan_id)
    rows = (
        db()
        .scalars(
            select(InspectionRow)
            .where(InspectionRow.plan_id == plan_id)
            .order_by(InspectionRow.date, InspectionRow.enterprise_id)
        )
        .all()
    )
    names = enterprise_names(db(), [r.enterprise_id for r in rows])
    return render_template("plan_results.html", plan=plan, rows=rows, names=names)


@results.get("/<int:plan_id>/results.xlsx")
@allow("regulator", "admin")
def results_xlsx(plan_id: int) -> Response:
    """The recorded results in the national publicity system's columns (统一社会信用代码, 企业名称,
    抽查事项, 检查日期, 检查结果, 检查实施机关), ready for its import."""
    plan = _published(plan_id)
    table = results_table(db(), plan.id, task_of(plan.task))
    return attachment(results_workbook(table), f"检查结果-{plan.task_id}-计划{plan.id}.xlsx")


@results.route("/<int:plan_id>/inspections/<int:inspection_id>/result", methods=["GET", "POST"])
@allow("regulator")
def record_result(plan_id: int, inspection_id: int) -> str | Response | tuple[str, int]:
    plan = _published(plan_id)
    session = db()
    row = session.get(InspectionRow, inspection_id)
    if row is None or row.plan_id != plan.id:
        abort(404)
    decision = session.get(DecisionRow, row.decision_id) if row.decision_id else None
    names = enterprise_names(session, [row.enterprise_id])
    context = {
        "plan": plan,
        "row": row,
        "categories": CATEGORIES,
        "findings": FINDINGS,
        "decision": decision,
        "name": names.get(row.enterprise_id, ("", ""))[0],
        "list_items": list_items(session),
    }
    if request.method == "GET":
        return render_template("result_form.html", **context)
    category = request.form.get("category", "")
    try:
        if request.form.get("with_case") == "on":
            record = case_from_form(f"{plan.id}-{row.id}", request.form)
            outcome = decide_case(db(), record, short_language())
            decision = DecisionRow(
                package_id=PACKAGE,
                package_version=outcome.package_version,
                content_sha256=outcome.content_sha256,
                subject_id=row.enterprise_id,
                as_of=outcome.as_of,
                outcome=outcome.outcome,
                basis=outcome.basis,
                rules=outcome.rules,
                explanation=outcome.explanation,
            )
            session.add(decision)
            session.flush()
            audit.record(
                session,
                current_user.username,
                "decision.penalty_exemption",
                "inspection",
                str(row.id),
                {"decision_id": row.decision_id},
                {"decision_id": decision.id, "outcome": outcome.outcome, "basis": outcome.basis},
            )
            row.decision_id = decision.id
        store_result(
            session,
            plan.id,
            row.enterprise_id,
            category,
            request.form.get("notes", "").strip(),
            current_user.username,
        )
    except JianguanError as err:
        session.rollback()
        return render_template(
            "result_form.html", error=err.message(short_language()), **context
        ), 400
    session.commit()
    flash(_("检查结果已录入。"))
    return redirect(url_for("results.record_result", plan_id=plan_id, inspection_id=inspection_id))


@dataclass(frozen=True, slots=True)
class Deadline:
    plan_id: int
    task_title: str
    inspection: InspectionRow
    name: str
    due: date
    state: str  # on_time / late / pending / overdue / upcoming


def deadline_state(row: InspectionRow, due: date, today: date) -> str:
    if row.result_recorded_at is not None:
        return "on_time" if row.result_recorded_at.date() <= due else "late"
    if row.date > today:
        return "upcoming"
    return "overdue" if today > due else "pending"


@results.get("/tracker")
@allow("regulator", "admin")
def tracker() -> str:
    session = db()
    # A fixed "today" only in tests, so deadlines can be checked without waiting 20 days.
    given = request.args.get("today") if current_app.testing else None
    today = date.fromisoformat(given) if given else date.today()
    items: list[Deadline] = []
    for plan in session.scalars(
        select(PlanRow).where(PlanRow.status == "published").order_by(PlanRow.id)
    ):
        try:
            calendar: WorkCalendar | None = build_calendar(task_of(plan.task))
        except JianguanError:
            calendar = None
        names = enterprise_names(session, [i.enterprise_id for i in plan.inspections])
        for row in sorted(plan.inspections, key=lambda i: (i.date, i.enterprise_id)):
            due = _due(calendar, row.date)
            items.append(
                Deadline(
                    plan.id,
                    plan.task.title,
                    row,
                    names.get(row.enterprise_id, ("", ""))[0],
                    due,
                    deadline_state(row, due, today),
                )
            )
    counts = {
        s: sum(1 for i in items if i.state == s)
        for s in ("overdue", "pending", "late", "on_time", "upcoming")
    }
    shown = (
        [i for i in items if i.state in ("overdue", "pending", "late")]
        if not request.args.get("all")
        else items
    )
    return render_template(
        "tracker.html", items=shown, counts=counts, today=today, days=RESULTS_WITHIN_WORKING_DAYS
    )


def _due(calendar: WorkCalendar | None, day: date) -> date:
    if calendar is not None:
        return results_deadline(day, calendar)
    # A task whose year has no statutory calendar: count Monday–Friday (never later).
    current, left = day, RESULTS_WITHIN_WORKING_DAYS
    from datetime import timedelta

    while left:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
