"""The public notice (一公开): published plans and results, the seed and its commitment, and a
server-side re-verification that says what it checked. No sign-in."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, current_app, render_template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload

from jianguan.errors import JianguanError
from jianguan.models import AuditEvent, InspectionRow, PlanRow
from scheduler import publication
from scheduler.lifecycle import document_of
from scheduler.pdf_render import PRINTED_LIST_LIMIT
from scheduler.plan_document import plan_bytes
from scheduler.plan_review import enterprise_names, task_of
from scheduler.plan_state import WAS_PUBLISHED, was_published
from scheduler.publication import RESULTS_HEADER, csv_text, results_table
from scheduler.stored_verification import CHECKS, verified
from web.core.access import public
from web.core.db_session import db
from web.core.downloads import attachment, cached_pdf, pdf_apart
from web.core.error_pages import error_response
from web.core.i18n import current_language, short_language
from web.core.paging import page_of, requested_page
from web.core.render_cache import RenderCache
from web.extensions import store_of
from web.plans.tasks import last_commitment

public_area = Blueprint("public", __name__, template_folder="templates", url_prefix="/public")

PUBLIC_PAGE_SIZE = 200


def published_plan(plan_id: int, *, with_document: bool = True) -> PlanRow:
    # The document (megabytes for a large plan) is loaded only where a page needs it.
    options = () if with_document else (defer(PlanRow.document),)
    plan = db().get(PlanRow, plan_id, options=[*options, joinedload(PlanRow.task)])
    if plan is None or not was_published(plan):
        abort(404)  # drafts and approvals in progress are not public, not even their existence
    return plan


@public_area.get("/")
@public
def index() -> str:
    version = db().scalar(select(func.max(AuditEvent.id)))
    entry = cache_of(current_app).get_or_render(
        ("index", version, current_language()), lambda: ("", _index_body())
    )
    assert entry is not None
    # The body is public_index_body.html's autoescaped output; Markup stops a second escaping.
    body = Markup(entry[1])  # nosec B704
    return render_template("public_index.html", body=body)


def _index_body() -> str:
    plans = (
        db()
        .scalars(
            select(PlanRow)
            .options(defer(PlanRow.document), joinedload(PlanRow.task))
            .where(WAS_PUBLISHED)
            .order_by(PlanRow.published_at.desc())
        )
        .all()
    )
    return render_template("public_index_body.html", plans=plans)


@public_area.get("/plans/<int:plan_id>")
@public
def plan(plan_id: int) -> str:
    # Every change a public page can show (publication, supersession, a recorded result) writes
    # an audit event, so the newest event id versions the page: one primary-key lookup a
    # request while nothing changes.
    version = db().scalar(select(func.max(AuditEvent.id)))
    page = requested_page()
    key = (plan_id, version, page, current_language())
    entry = cache_of(current_app).get_or_render(key, lambda: _plan_entry(plan_id, page))
    if entry is None:
        abort(404)
    title, body = entry
    # The body is public_plan_body.html's autoescaped output; Markup stops a second escaping.
    html = Markup(body)  # nosec B704
    return render_template("public_plan.html", title=title, body=html)


def _plan_entry(plan_id: int, page: int) -> tuple[str, str] | None:
    row = db().get(PlanRow, plan_id, options=[joinedload(PlanRow.task)])
    if row is None or not was_published(row):
        return None
    return row.task.title, _plan_body(row, page)


def _plan_body(row: PlanRow, page: int) -> str:
    document = document_of(row)
    task = task_of(row.task)
    query = (
        select(InspectionRow)
        .where(InspectionRow.plan_id == row.id)
        .order_by(InspectionRow.date, InspectionRow.enterprise_id)
    )
    shown = page_of(db(), query, PUBLIC_PAGE_SIZE)
    recorded = db().scalar(
        select(func.count(InspectionRow.result_category)).where(InspectionRow.plan_id == row.id)
    )
    names = enterprise_names(db(), [i.enterprise_id for i in shown.items])
    return render_template(
        "public_plan_body.html",
        plan=row,
        task=task,
        document=document,
        page=shown,
        names=names,
        commitment=str(document.get("original_inputs_sha256", document["inputs_sha256"])),
        committed=last_commitment(row.task_id),
        generated=row.generated_at,
        recorded=recorded,
    )


def cache_of(app: Flask) -> RenderCache[tuple[str, str] | None]:
    cache: RenderCache[tuple[str, str] | None] = app.extensions.setdefault(
        "jianguan_public_cache", RenderCache()
    )
    return cache


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


@public_area.get("/plans/<int:plan_id>/results.csv")
@public
def results_csv(plan_id: int) -> Response:
    """Inspections and their results as CSV (UTF-8 with BOM, so Excel reads the Chinese)."""
    row = published_plan(plan_id, with_document=False)
    return Response(
        csv_text(RESULTS_HEADER, results_table(db(), row.id, task_of(row.task))),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=results-{plan_id}.csv"},
    )


@public_area.get("/plans/<int:plan_id>/notice.pdf")
@public
def notice_pdf(plan_id: int) -> Response | tuple[Response | str, int]:
    """The public notice as PDF: the static 一公开 page (officers by id), printed, with the
    results recorded so far. Rendering takes seconds, so the document is versioned by what it
    prints — the plan's state, its results, the registry's names — and not by the newest audit
    event, which anyone can move with a failed sign-in."""
    row = published_plan(plan_id)
    results = db().execute(
        select(
            func.count(InspectionRow.result_category), func.max(InspectionRow.result_recorded_at)
        ).where(InspectionRow.plan_id == plan_id)
    )
    names = db().scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.action == "registry.import")
    )
    try:
        body = cached_pdf(
            current_app,
            ("notice", plan_id, row.status, *results.one(), names),
            lambda: pdf_apart(
                publication.notice_page(db(), row, task_of(row.task), list_limit=PRINTED_LIST_LIMIT)
            ),
        )
    except JianguanError as err:  # the server cannot print (pango missing): say what to install
        return error_response(503, err.message(short_language()))
    return attachment(body, f"抽查计划公示-{row.task_id}-计划{plan_id}.pdf")


@public_area.get("/plans/<int:plan_id>/verify")
@public
def verify(plan_id: int) -> str:
    row = published_plan(plan_id)
    result = verified(store_of(current_app), row)
    return render_template("public_verify.html", plan=row, result=result, checks=CHECKS)
