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

Rendered where it costs readers least: a plan job renders its draft's part in both languages
in the worker (at its lower CPU priority) and keeps it in the store with the draft
(jianguan/plan_renders.py), so a web process reads the kept HTML once and serves it from its
cache. A reader whose key matches no kept render (a registry import since, a plan made on the
command line) renders it, and keeps it for the other processes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jianguan import plan_renders
from jianguan.job_worker import JobKind
from jianguan.models import AuditEvent, PlanRow
from scheduler import plan_job
from scheduler.canonical_json import sha256_of
from scheduler.plan_review import Review, build_review
from scheduler.plan_state import content_sha256_of, stored_sha256
from web.core.db_session import db
from web.core.i18n import LANGUAGES, current_language
from web.core.render_cache import RenderCache
from web.extensions import store_of

# The audit actions of every write to enterprises' names and districts and to officers' names
# and days away (jianguan/registry_store.py, web/plans/views.py `replan`).
REGISTRY_ACTIONS = ("registry.import", "officer.illness", "officer.recusal")
CACHE = "jianguan_review_cache"


@dataclass(frozen=True, slots=True)
class ReviewBody:
    html: Markup
    task_title: str
    calendar: dict[str, Any] | None  # the document's calendar block (its holiday source)
    content_sha256: str  # of the document as stored: approval_is_stale without re-hashing

    def meta(self) -> dict[str, Any]:
        return {
            "task_title": self.task_title,
            "calendar": self.calendar,
            "content_sha256": self.content_sha256,
        }


def registry_version(session: Session) -> int | None:
    return session.scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.action.in_(REGISTRY_ACTIONS))
    )


def body_key(session: Session, plan: PlanRow, language: str) -> str:
    return _key(plan.id, stored_sha256(plan), language, registry_version(session))


def _key(plan_id: int, stored: str, language: str, version: int | None) -> str:
    return sha256_of([plan_id, stored, language, version])


def cache_of(app: Flask) -> RenderCache[ReviewBody]:
    cache: RenderCache[ReviewBody] = app.extensions.setdefault(CACHE, RenderCache(capacity=32))
    return cache


def review_body(plan: PlanRow) -> ReviewBody:
    language = current_language()
    key = body_key(db(), plan, language)
    return cache_of(current_app).get_or_render(key, lambda: _kept_or_rendered(plan, language, key))


def _name(language: str) -> str:
    return f"review:{language}"


def _kept_or_rendered(plan: PlanRow, language: str, key: str) -> ReviewBody:
    kept = plan_renders.read(db(), plan.id, _name(language), key)
    if kept is not None:
        meta = kept.meta
        return ReviewBody(
            # our own autoescaped render, kept verbatim; Markup only stops a second escaping
            Markup(kept.content),  # nosec B704
            meta["task_title"],
            meta["calendar"],
            meta["content_sha256"],
        )
    view = build_review(db(), plan)
    body = _render(view, content_sha256_of(view.document))
    plan_renders.keep_apart(
        store_of(current_app), plan.id, _name(language), key, str(body.html), body.meta()
    )
    return body


def _render(view: Review, content: str) -> ReviewBody:
    """The plan part in the request's language, from `view` (the same in every language)."""
    return ReviewBody(
        # autoescaped template output, cached; Markup only stops a second escaping
        Markup(render_template("plan_review_body.html", r=view)),  # nosec B704
        view.task.title,
        view.document.get("calendar"),
        content,
    )


def keep_review_bodies(app: Flask, session: Session, plan: PlanRow) -> None:
    """Render `plan`'s part in every language with `app`'s templates, outside any request,
    and keep it in `session`'s transaction (a plan job's, with its new draft)."""
    view = build_review(session, plan)  # the document parsed and hashed once, for every language
    content, stored, version = (
        content_sha256_of(view.document),
        stored_sha256(plan),
        registry_version(session),
    )
    for language in LANGUAGES:
        # The language of a render outside a request: asked for, as a link's ?lang= asks.
        with app.test_request_context("/", query_string={"lang": language}):
            body = _render(view, content)
        key = _key(plan.id, stored, language, version)
        plan_renders.keep(session, plan.id, _name(language), key, str(body.html), body.meta())


class KindsRenderingReviews(Mapping[str, JobKind]):
    """`kinds` with the plan job also rendering its draft's review part with `app` (for
    `jianguan worker`, and the web's own worker thread on SQLite). A view, read at each
    claim as the worker reads its kinds: a kind swapped into `kinds` later is run as it is."""

    def __init__(self, kinds: Mapping[str, JobKind], app: Flask) -> None:
        self._kinds = kinds
        self._after_save = functools.partial(keep_review_bodies, app)

    def __getitem__(self, name: str) -> JobKind:
        kind = self._kinds[name]
        if name != plan_job.KIND or kind.run is not plan_job.run_plan:
            return kind
        run = functools.partial(plan_job.run_plan, after_save=self._after_save)
        return JobKind(run, kind.what_zh, kind.what_en)

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)
