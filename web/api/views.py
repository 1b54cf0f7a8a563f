"""The JSON API (documented in openapi.json, served at /api/openapi.json).

Signed-in sessions only (cookie auth); unauthenticated calls get 401 JSON. POSTs need the
CSRF token in the X-CSRFToken header (GET /api/csrf-token gives one). A plan is shown as the
pages show it: to the roles of the plan pages (regulator, admin) always, to the other roles
only once published — which enterprises will be inspected, and when, is confidential until
then; to them an unpublished plan does not exist (404).
"""

from __future__ import annotations

import re
from datetime import UTC, date
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import defer

from jianguan.errors import JianguanError
from jianguan.models import PlanRow
from rules.versions.in_force import decide_in_force
from scheduler.lifecycle import document_of
from scheduler.plan_state import WAS_PUBLISHED, stored_sha256, was_published, without_document
from scheduler.stored_verification import verified
from web.core.access import EVERYONE, allow, public
from web.core.db_session import db
from web.core.i18n import short_language
from web.core.json_body import BodyError, json_body
from web.core.render_cache import RenderCache
from web.extensions import store_of
from web.plans.views import VIEWERS as PLAN_PAGE_ROLES

api = Blueprint("api", __name__, url_prefix="/api")

OPENAPI = Path(__file__).with_name("openapi.json")
PLAN_READERS = ("regulator", "admin", "planner", "legal")
DECIDERS = ("regulator", "legal")
MAX_RECORDS = 10_000


def _error(status: int, zh: str, en: str) -> tuple[Response, int]:
    return jsonify(error=zh, error_en=en), status


@api.get("/openapi.json")
@public
def openapi() -> Response:
    return Response(OPENAPI.read_bytes(), mimetype="application/json")


@api.get("/csrf-token")
@allow(*EVERYONE)
def csrf_token() -> Response:
    return jsonify(csrf_token=generate_csrf())


def _summary(plan: PlanRow) -> dict[str, Any]:
    return {
        "id": plan.id,
        "task_id": plan.task_id,
        "status": plan.status,
        "plan_sha256": plan.plan_sha256,
        "generated_by": plan.generated_by,
        "approved_by": plan.approved_by,
        # Stored as naive UTC; the spec promises an RFC 3339 date-time, which names its zone.
        "published_at": plan.published_at.replace(tzinfo=UTC).isoformat()
        if plan.published_at
        else None,
        "parent_plan_id": plan.parent_plan_id,
        # The audit log's head at publication (jianguan.audit.Anchor), as on the notice.
        "audit_anchor": f"{plan.audit_entries}:{plan.audit_head}" if plan.audit_head else None,
    }


def _sees_unpublished() -> bool:
    return str(current_user.role) in PLAN_PAGE_ROLES


@api.get("/plans")
@allow(*PLAN_READERS)
def plans() -> Response:
    query = select(PlanRow).options(defer(PlanRow.document)).order_by(PlanRow.id)
    if not _sees_unpublished():
        query = query.where(WAS_PUBLISHED)
    status = request.args.get("status")
    if status:
        query = query.where(PlanRow.status == status)
    return jsonify(plans=[_summary(p) for p in db().scalars(query)])


def _plan(plan_id: int) -> PlanRow | None:
    row = db().get(PlanRow, plan_id, options=without_document())
    if row is None or not (_sees_unpublished() or was_published(row)):
        return None
    return row


@api.get("/plans/<int:plan_id>")
@allow(*PLAN_READERS)
def plan(plan_id: int) -> Response | tuple[Response, int]:
    row = _plan(plan_id)
    if row is None:
        return _error(404, f"计划 {plan_id} 不存在。", f"Plan {plan_id} does not exist.")
    summary = _summary(row)
    # The document is a multi-megabyte JSON string that never changes: its reply is encoded
    # once per stored bytes and summary (state, approval, publication), not on every call.
    stored = stored_sha256(row)
    cache: RenderCache[bytes] = current_app.extensions.setdefault(
        "jianguan_api_plan_cache", RenderCache(capacity=32)
    )
    body = cache.get_or_render(
        ("api-plan", row.id, stored, tuple(summary.items())),
        lambda: jsonify(**summary, document=document_of(row)).get_data(),
    )
    return Response(body, mimetype=current_app.json.mimetype)  # type: ignore[attr-defined]


@api.get("/plans/<int:plan_id>/verify")
@allow(*PLAN_READERS)
def verify(plan_id: int) -> Response | tuple[Response, int]:
    row = _plan(plan_id)
    if row is None:
        return _error(404, f"计划 {plan_id} 不存在。", f"Plan {plan_id} does not exist.")
    return jsonify(plan_id=plan_id, **verified(store_of(current_app), row).as_json())


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _as_of(body: dict[str, Any]) -> date | None:
    """The spec's `format: date` (RFC 3339 full-date) or absent. Python's fromisoformat alone
    would also take "", null-as-today, 20270301 and week dates such as 2027-W10-1."""
    if "as_of" not in body:
        return None
    given = body["as_of"]
    if not isinstance(given, str) or not ISO_DATE.fullmatch(given):
        raise ValueError(given)
    return date.fromisoformat(given)


@api.post("/rules/<package>/decide")
@allow(*DECIDERS)
def decide(package: str) -> Response | tuple[Response, int]:
    try:
        given = json_body()
    except BodyError as err:
        return _error(400, err.message("zh"), err.message("en"))
    body: dict[str, Any] = given if isinstance(given, dict) else {}
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return _error(
            400,
            '请求体应为 {"records": [{...}, ...]}，每条记录为一个 JSON 对象。',
            'The body must be {"records": [{...}, ...]} with one JSON object per record.',
        )
    if len(records) > MAX_RECORDS:
        return _error(
            413,
            f"每次最多 {MAX_RECORDS} 条记录，请分批提交。",
            f"At most {MAX_RECORDS} records a call; send batches.",
        )
    engine = body.get("engine", "durable")
    if engine not in ("durable", "vector"):
        return _error(400, "engine 应为 durable 或 vector。", "engine must be durable or vector.")
    try:
        as_of = _as_of(body)
    except (TypeError, ValueError):
        return _error(400, "as_of 应为日期 YYYY-MM-DD。", "as_of must be a date YYYY-MM-DD.")
    try:
        # The version in force on as_of, counting signed-off versions in the store.
        answers = decide_in_force(
            db(), package, records, as_of=as_of, engine=engine, lang=short_language()
        )
    except JianguanError as err:
        return _error(400, err.message("zh"), err.message("en"))
    return jsonify(package=package, results=answers)
