"""The public notice (一公开): published plans and results, the seed and its commitment, and a
server-side re-verification that says what it checked. No sign-in."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from sqlalchemy import select

from jianguan.models import InspectionRow, PlanRow
from scheduler.lifecycle import document_of
from scheduler.plan_document import plan_bytes
from web.access import public
from web.app import store_of
from web.db_session import db
from web.plan_check import CHECKS, verify_stored
from web.plan_review import enterprise_names, task_of
from web.plan_views import last_commitment

public_area = Blueprint("public", __name__, url_prefix="/public")

VISIBLE = ("published", "superseded")


def published_plan(plan_id: int) -> PlanRow:
    plan = db().get(PlanRow, plan_id)
    if plan is None or plan.status not in VISIBLE:
        abort(404)  # drafts and approvals in progress are not public, not even their existence
    return plan


@public_area.get("/")
@public
def index() -> str:
    plans = (
        db()
        .scalars(
            select(PlanRow).where(PlanRow.status.in_(VISIBLE)).order_by(PlanRow.published_at.desc())
        )
        .all()
    )
    return render_template("public_index.html", plans=plans)


@public_area.get("/plans/<int:plan_id>")
@public
def plan(plan_id: int) -> str:
    row = published_plan(plan_id)
    document = document_of(row)
    inspections = (
        db()
        .scalars(
            select(InspectionRow)
            .where(InspectionRow.plan_id == plan_id)
            .order_by(InspectionRow.date, InspectionRow.enterprise_id)
        )
        .all()
    )
    names = enterprise_names(db(), [i.enterprise_id for i in inspections])
    task = task_of(row.task)
    return render_template(
        "public_plan.html",
        plan=row,
        task=task,
        document=document,
        inspections=inspections,
        names=names,
        commitment=str(document.get("original_inputs_sha256", document["inputs_sha256"])),
        committed=last_commitment(row.task_id),
        generated=row.generated_at,
        recorded=sum(1 for i in inspections if i.result_category),
    )


@public_area.get("/plans/<int:plan_id>/plan.json")
@public
def plan_json(plan_id: int) -> Response:
    row = published_plan(plan_id)
    body = plan_bytes(document_of(row))  # canonical bytes: hash them to check plan_sha256
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=plan-{plan_id}.json"},
    )


@public_area.get("/plans/<int:plan_id>/verify")
@public
def verify(plan_id: int) -> str:
    row = published_plan(plan_id)
    result = verify_stored(store_of(current_app), row)
    return render_template("public_verify.html", plan=row, result=result, checks=CHECKS)
