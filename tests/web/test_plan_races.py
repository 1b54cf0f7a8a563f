"""Plan transitions under real concurrency, on SQLite and PostgreSQL (issue 18, item 1).

Several users press the same button at once. A thread barrier holds every request right after
it has read the plan (or the inspection), so all of them saw the same starting state before
any of them writes — the interleaving that once gave six `plan.approve` rows from three users
and an overwritten `approved_by`. Each transition must happen exactly once, with one audit
row; every other request gets the usual message, never a 500.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

import scheduler.lifecycle as lifecycle
import scheduler.publication as publication
import web.plans.views as plan_views
from jianguan.audit import verify_chain
from jianguan.db import Store
from jianguan.models import AuditEvent, InspectionRow, PlanRow, User
from tests.web.flows import (
    PASSWORD,
    SECOND_REGULATOR,
    TASK_ID,
    create_task,
    generate,
    load_registry,
    post,
    signed_in,
    token,
)
from web.app import create_app
from web.extensions import store_of

pytestmark = pytest.mark.postgres

APPROVERS = [SECOND_REGULATOR, "reg3", "reg4", "reg5", "reg6", "reg7"]


@pytest.fixture(scope="module")
def password_hash() -> str:
    return generate_password_hash(PASSWORD)  # once: hashing is most of a sign-up's time


@pytest.fixture
def racing(store: Store, password_hash: str) -> Iterator[Flask]:
    """An app on this backend with a registry, a task, and six regulators besides reg1."""
    app = create_app(store.url, {"TESTING": True, "SECRET_KEY": "s"})
    with store_of(app).session() as session:
        for name in ["reg1", *APPROVERS]:
            session.add(User(username=name, password_hash=password_hash, role="regulator"))
    with tempfile.TemporaryDirectory(prefix="jg") as folder:  # short paths (audit object id)
        load_registry(app, Path(folder))
    create_task(signed_in(app, "reg1"))
    yield app
    store_of(app).dispose()


def _race(
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    reader: str,
    requests: list[Callable[[], Any]],
) -> list[Any]:
    """Run `requests` on threads at once; each waits at a barrier just after its first call
    of `module.<reader>` (the read its decision rests on) until all have made that read."""
    barrier = threading.Barrier(len(requests), timeout=30)
    real = getattr(module, reader)
    mine = threading.local()

    def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if getattr(mine, "racing", False) and not getattr(mine, "waited", False):
            mine.waited = True
            barrier.wait()
        return result

    monkeypatch.setattr(module, reader, read_then_wait)
    replies: list[Any] = [None] * len(requests)

    def run(index: int) -> None:
        mine.racing = True
        replies[index] = requests[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.setattr(module, reader, real)
    assert not barrier.broken, "not every request reached the point after its read"
    assert all(r is not None for r in replies)
    return replies


def _poster(
    client: FlaskClient, path: str, data: dict[str, str] | None = None
) -> Callable[[], Any]:
    form = {"csrf_token": token(client, "/login"), **(data or {})}  # fetched before the race
    return lambda: client.post(path, data=form)


def _flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _events(app: Flask, action: str, object_id: str) -> list[AuditEvent]:
    with store_of(app).session() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.object_id == object_id)
                .order_by(AuditEvent.id)
            )
        )


def _plan(app: Flask, plan_id: int) -> PlanRow:
    with store_of(app).session() as session:
        row = session.get(PlanRow, plan_id)
        assert row is not None
        return row


def _chain_intact(app: Flask) -> bool:
    with store_of(app).session() as session:
        return verify_chain(session).intact


def test_concurrent_approvals_approve_once(racing: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    plan_id = generate(signed_in(racing, "reg1"))
    clients = {name: signed_in(racing, name) for name in APPROVERS}
    requests = [_poster(c, f"/plans/{plan_id}/approve") for c in clients.values()]
    replies = _race(monkeypatch, lifecycle, "_plan", requests)
    assert [r.status_code for r in replies] == [302] * len(APPROVERS)  # no 500
    said = {name: _flashes(c) for name, c in clients.items()}
    winners = [name for name, messages in said.items() if "计划已审批。" in messages]
    assert len(winners) == 1, said
    for name, messages in said.items():
        if name != winners[0]:
            assert any("当前状态为 approved" in m for m in messages), (name, messages)
    (event,) = _events(racing, "plan.approve", str(plan_id))
    plan = _plan(racing, plan_id)
    assert plan.status == "approved"
    assert plan.approved_by == event.actor == winners[0]  # not whoever wrote last
    assert plan.approved_at is not None and plan.approved_at <= event.at
    assert _chain_intact(racing)


def test_concurrent_publishes_publish_once(racing: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    plan_id = generate(signed_in(racing, "reg1"))
    post(signed_in(racing, SECOND_REGULATOR), f"/plans/{plan_id}/approve")
    clients = [signed_in(racing, name) for name in APPROVERS[:4]]
    requests = [_poster(c, f"/plans/{plan_id}/publish") for c in clients]
    replies = _race(monkeypatch, lifecycle, "_plan", requests)
    assert [r.status_code for r in replies] == [302] * 4
    said = [_flashes(c) for c in clients]
    assert sum("计划已公示。" in m for m in said) == 1, said
    assert sum(any("当前状态为 published" in x for x in m) for m in said) == 3, said
    (event,) = _events(racing, "plan.publish", str(plan_id))
    plan = _plan(racing, plan_id)
    # published_at is the winner's: a later writer would have stamped it after the event
    assert plan.published_at is not None and plan.published_at <= event.at
    assert _chain_intact(racing)


def test_approval_racing_a_rejection_leaves_one_outcome(
    racing: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id = generate(signed_in(racing, "reg1"))
    approver, rejecter = signed_in(racing, "reg3"), signed_in(racing, "reg4")
    requests = [
        _poster(approver, f"/plans/{plan_id}/approve"),
        _poster(rejecter, f"/plans/{plan_id}/reject", {"reason": "比例有误"}),
    ]
    replies = _race(monkeypatch, lifecycle, "_plan", requests)
    assert [r.status_code for r in replies] == [302, 302]
    approvals = _events(racing, "plan.approve", str(plan_id))
    rejections = _events(racing, "plan.reject", str(plan_id))
    assert len(approvals) + len(rejections) == 1
    plan = _plan(racing, plan_id)
    assert plan.status == ("approved" if approvals else "rejected")
    assert (plan.rejection_reason is None) == bool(approvals)


def test_concurrent_result_entries_record_once(
    racing: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id = generate(signed_in(racing, "reg1"))
    other = signed_in(racing, SECOND_REGULATOR)
    post(other, f"/plans/{plan_id}/approve")
    post(other, f"/plans/{plan_id}/publish")
    with store_of(racing).session() as session:
        inspection = session.scalars(
            select(InspectionRow).where(InspectionRow.plan_id == plan_id).limit(1)
        ).one()
    path = f"/plans/{plan_id}/inspections/{inspection.id}/result"
    categories = ["未发现问题", "发现问题已责令改正", "发现问题待后续处理"]
    clients = [signed_in(racing, name) for name in APPROVERS[:3]]
    requests = [
        _poster(c, path, {"category": cat, "notes": f"录入人 {i}"})
        for i, (c, cat) in enumerate(zip(clients, categories, strict=True))
    ]
    replies = _race(monkeypatch, publication, "_inspection", requests)
    codes = sorted(r.status_code for r in replies)
    assert codes == [302, 400, 400], codes  # the losers see the form again, with why
    for reply in replies:
        if reply.status_code == 400:
            assert "刚被他人录入或修改" in reply.get_data(as_text=True)
    (event,) = _events(racing, "inspection.result", str(inspection.id))
    with store_of(racing).session() as session:
        stored = session.get(InspectionRow, inspection.id)
        assert stored is not None
        assert stored.result_category == event.after["result_category"]
        assert stored.result_recorded_by == event.actor
    assert event.before == {"result_category": None, "result_notes": None}
    assert _chain_intact(racing)


def test_a_double_submitted_replan_makes_one_new_plan(
    racing: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id = generate(signed_in(racing, "reg1"))
    post(signed_in(racing, SECOND_REGULATOR), f"/plans/{plan_id}/approve")
    first = lifecycle.document_of(_plan(racing, plan_id))["inspections"][0]
    ill = sorted(first["team"]["SCJG"])[0]
    form = {"officer_id": ill, "kind": "illness", "from": first["date"], "to": first["date"]}
    clients = [signed_in(racing, "reg3") for _ in range(3)]  # three tabs, one click each
    requests = [_poster(c, f"/plans/{plan_id}/replan", form) for c in clients]
    replies = _race(monkeypatch, plan_views, "_plan", requests)
    assert [r.status_code for r in replies] == [302] * 3
    with store_of(racing).session() as session:
        children = session.scalars(
            select(PlanRow.id).where(PlanRow.parent_plan_id == plan_id)
        ).all()
    assert len(children) == 1
    assert len(_events(racing, "plan.replan", str(children[0]))) == 1
    assert len(_events(racing, "officer.illness", ill)) == 1
    said = [m for c in clients for m in _flashes(c)]
    assert sum("无需再次提交" in m for m in said) == 2, said
    assert _chain_intact(racing)


def test_two_replans_of_one_plan_cannot_both_be_approved(racing: Flask) -> None:
    """Approving a re-plan supersedes its parent; a second re-plan of the same parent
    (another illness, submitted meanwhile) would then make two binding plans of one task."""
    plan_id = generate(signed_in(racing, "reg1"))
    other = signed_in(racing, SECOND_REGULATOR)
    post(other, f"/plans/{plan_id}/approve")
    inspections = lifecycle.document_of(_plan(racing, plan_id))["inspections"]
    children = []
    for insp in inspections[:2]:
        ill = sorted(insp["team"]["SCJG"])[0]
        day = insp["date"]
        form = {"officer_id": ill, "kind": "illness", "from": day, "to": day}
        reply = post(signed_in(racing, "reg3"), f"/plans/{plan_id}/replan", form)
        children.append(int(reply.headers["Location"].rsplit("/", 1)[1]))
    assert len(set(children)) == 2
    post(other, f"/plans/{children[0]}/approve")
    post(other, f"/plans/{children[1]}/approve")
    assert "已被另一重新排期的计划替代" in " ".join(_flashes(other))
    assert [_plan(racing, c).status for c in children] == ["approved", "draft"]
    with store_of(racing).session() as session:
        binding = session.scalar(
            select(func.count())
            .select_from(PlanRow)
            .where(PlanRow.task_id == TASK_ID, PlanRow.status.in_(("approved", "published")))
        )
    assert binding == 1


def test_double_submitted_generate_reuses_the_running_job(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import web.plans.tasks as task_views

    with tempfile.TemporaryDirectory(prefix="jg") as folder:
        load_registry(app, Path(folder))
    author = signed_in(app, "reg1")
    create_task(author)
    release = threading.Event()
    real = task_views.generation_work

    def held(*args: Any) -> Callable[[Any], int]:
        work = real(*args)

        def wait_then_work(job: Any) -> int:
            release.wait(30)  # still running when the second click arrives
            return work(job)

        return wait_then_work

    monkeypatch.setattr(task_views, "generation_work", held)
    first = post(author, f"/plans/tasks/{TASK_ID}/generate", {"seed": "ab" * 16})
    colleague = signed_in(app, SECOND_REGULATOR)
    second = post(colleague, f"/plans/tasks/{TASK_ID}/generate", {})
    assert first.headers["Location"] == second.headers["Location"]
    assert any("正在生成" in m and "reg1" in m for m in _flashes(colleague))
    release.set()
    status = first.headers["Location"] + "/status"
    for _ in range(600):
        if 'data-status="done"' in author.get(status).get_data(as_text=True):
            break
        threading.Event().wait(0.1)
    with store_of(app).session() as session:
        drafts = session.scalar(select(func.count()).select_from(PlanRow))
    assert drafts == 1
    assert len(_events(app, "plan.generate", "1")) == 1
