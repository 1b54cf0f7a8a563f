"""The plan part of the review page, rendered once per plan, language and registry version.

The quality report, the two calendars and the why of every inspection take most of a second
to build and render for a county plan (a megabyte of HTML), and they are the same for every
reader: only the head of the page (state, approval, the actions a regulator may take, each
with the reader's CSRF token) depends on who reads it and when, and that part is rendered on
every request. The key holds what the plan part shows: the stored document's bytes (so an
edit that bypassed the lifecycle shows at once, as `approval_is_stale` reports it), the
language, and the newest audit event that changes the registry's names or an officer's days
away (registry imports, illnesses and recusals — every write to those rows is one of them).
A sign-in or a job started elsewhere does not move the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import func, select

from jianguan.models import AuditEvent, PlanRow
from scheduler.plan_review import build_review
from scheduler.plan_state import content_sha256
from web.core.db_session import db
from web.core.i18n import current_language
from web.core.render_cache import RenderCache

# The audit actions of every write to enterprises' names and districts and to officers' names
# and days away (jianguan/registry_store.py, web/plans/views.py `replan`).
REGISTRY_ACTIONS = ("registry.import", "officer.illness", "officer.recusal")


@dataclass(frozen=True, slots=True)
class ReviewBody:
    html: Markup
    task_title: str
    calendar: dict[str, Any] | None  # the document's calendar block (its holiday source)
    content_sha256: str  # of the document as stored: approval_is_stale without re-hashing


def registry_version() -> int | None:
    return db().scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.action.in_(REGISTRY_ACTIONS))
    )


def review_body(plan: PlanRow) -> ReviewBody:
    cache: RenderCache[ReviewBody] = current_app.extensions.setdefault(
        "jianguan_review_cache", RenderCache(capacity=32)
    )
    stored = hashlib.sha256(plan.document.encode("utf-8")).hexdigest()
    key = ("review", plan.id, stored, current_language(), registry_version())
    return cache.get_or_render(key, lambda: _render(plan))


def _render(plan: PlanRow) -> ReviewBody:
    view = build_review(db(), plan)
    return ReviewBody(
        # autoescaped template output, cached; Markup only stops a second escaping
        Markup(render_template("plan_review_body.html", r=view)),  # nosec B704
        view.task.title,
        view.document.get("calendar"),
        content_sha256(plan),
    )
