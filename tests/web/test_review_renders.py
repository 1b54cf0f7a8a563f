"""The review page's plan part, rendered where it costs readers least.

A plan job renders its draft's part in both languages in the worker and keeps it in the store
(plan_renders); a web process serves the kept HTML without rendering; a registry import (it
changes the names the part shows) makes the next reader render it again. `jianguan worker`
renders with an app of its own; a web process warms the newest plans before it listens.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select

from jianguan import job_queue
from jianguan.job_worker import Worker
from jianguan.models import PlanRenderRow, PlanRow, PlanVerificationRow
from scheduler import stored_verification
from scheduler.plan_job import KIND, plan_inputs
from scheduler.plan_review import Review
from tests.web.flows import TASK_ID, create_task, load_registry, signed_in
from web.extensions import store_of
from web.plans import review_cache
from web.plans.review_cache import CACHE, ReviewBody
from web.plans.warm_up import warm

BODY = 'id="calendar-officers"'  # in the plan part only, not in the page's head


def _kept(app: Flask, plan_id: int) -> dict[str, str]:
    with store_of(app).session() as session:
        rows = session.scalars(select(PlanRenderRow).where(PlanRenderRow.plan_id == plan_id))
        return {row.name: row.key for row in rows}


def _no_render(_session: object, _plan: object) -> ReviewBody:
    raise AssertionError("rendered, though a kept render or the cache should have served")


def test_the_jobs_kept_render_is_served_without_rendering(
    app: Flask, draft: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(_kept(app, draft)) == {"review:zh_CN", "review:en"}
    app.extensions.pop(CACHE, None)  # as in a process that has served nothing yet
    monkeypatch.setattr(review_cache, "_render", _no_render)
    client = signed_in(app, "reg1")
    chinese = client.get(f"/plans/{draft}").get_data(as_text=True)
    english = client.get(f"/plans/{draft}?lang=en").get_data(as_text=True)
    assert BODY in chinese and BODY in english
    assert chinese != english


def test_a_registry_import_renders_it_again(
    app: Flask, draft: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _kept(app, draft)
    (tmp_path / "again").mkdir()
    load_registry(app, tmp_path / "again")  # a registry.import event: names may have changed
    rendered: list[int] = []
    real = review_cache._render

    def counting(view: Review, content: str) -> ReviewBody:
        rendered.append(view.plan.id)
        return real(view, content)

    monkeypatch.setattr(review_cache, "_render", counting)
    page = signed_in(app, "reg1").get(f"/plans/{draft}").get_data(as_text=True)
    assert BODY in page
    assert rendered == [draft]
    after = _kept(app, draft)
    assert after["review:zh_CN"] != before["review:zh_CN"]  # kept anew for other processes
    assert after["review:en"] == before["review:en"]  # not asked for yet


def test_the_worker_command_renders_with_an_app_of_its_own(app: Flask, tmp_path: Path) -> None:
    from web.commands import worker_kinds

    load_registry(app, tmp_path)
    create_task(signed_in(app, "reg1"))
    store = store_of(app)
    with store.session() as session:
        job_queue.enqueue(session, KIND, plan_inputs(TASK_ID, "ef" * 16), "reg1")
    worker = Worker(store, worker_kinds(store.url), poll_s=0.1)
    assert worker.run_one()
    with store.session() as session:
        plan_id = session.scalars(select(PlanRow.id)).one()
    assert set(_kept(app, plan_id)) == {"review:zh_CN", "review:en"}


def test_warming_fills_the_caches_before_the_first_request(
    app: Flask, draft: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store_of(app).session() as session:  # a plan nobody has rendered or verified yet
        session.execute(delete(PlanRenderRow))
        session.execute(delete(PlanVerificationRow))
    app.extensions.pop(CACHE, None)
    assert warm(app) == 1
    assert set(_kept(app, draft)) == {"review:zh_CN", "review:en"}

    def no_verify(*_args: object) -> object:
        raise AssertionError("verified again, though warming kept the answer")

    monkeypatch.setattr(review_cache, "_render", _no_render)
    monkeypatch.setattr(stored_verification, "verify_stored", no_verify)
    client = signed_in(app, "reg1")
    assert BODY in client.get(f"/plans/{draft}?lang=en").get_data(as_text=True)
    assert client.get(f"/api/plans/{draft}/verify").get_json()["ok"] is True
