"""The JSON API shows each role what the pages show it (issue 18, item 2).

Plans in every state are made once; for every operation in openapi.json, every role and a
signed-out client, the API's answer is compared with what the same user can open as a page:
the plan pages (regulator, admin) or the public notice (everyone, published plans only).
Drafts and approved-but-unpublished plans name the enterprises to be inspected and when:
legal and planner staff once read them through GET /api/plans/<id>.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from jianguan.models import PlanRow, TaskRow
from scheduler import lifecycle
from scheduler.task_file import Task
from tests.web.flows import (
    ROLE_USERS,
    SECOND_REGULATOR,
    create_task,
    generate,
    load_registry,
    make_users,
    signed_in,
    token,
)
from tests.web.test_access import ROUTES
from web.app import create_app
from web.core.access import ROLES
from web.extensions import store_of

SPEC = json.loads((Path(__file__).resolve().parents[2] / "web/api/openapi.json").read_text("utf-8"))
WHO = [*ROLES, "anonymous"]
MISSING = 999_999


@dataclass
class World:
    app: Flask
    clients: dict[str, FlaskClient]
    plans: dict[str, int]  # state → plan id


def _build_plans(app: Flask, folder: Path) -> dict[str, int]:
    load_registry(app, folder)
    author = signed_in(app, "reg1")
    create_task(author)
    first = generate(author)
    approver = SECOND_REGULATOR
    made = {"draft": first}
    with store_of(app).session() as s:
        row = s.get(PlanRow, first)
        assert row is not None
        document = lifecycle.document_of(row)
        task_row = s.get(TaskRow, row.task_id)
        assert task_row is not None
        task = Task.model_validate(task_row.spec)

        def draft(parent: int | None = None) -> int:
            return lifecycle.save_draft(s, task, document, "reg1", parent_plan_id=parent).id

        made["approved"] = draft()
        lifecycle.approve(s, made["approved"], approver)
        made["published"] = draft()
        lifecycle.approve(s, made["published"], approver)
        lifecycle.publish(s, made["published"], approver)
        made["rejected"] = draft()
        lifecycle.reject(s, made["rejected"], approver, "抽查比例有误")
        # approved, then re-planned before publication: superseded, but never public
        made["superseded_unpublished"] = draft()
        lifecycle.approve(s, made["superseded_unpublished"], approver)
        made["replan_of_approved"] = draft(made["superseded_unpublished"])
        lifecycle.approve(s, made["replan_of_approved"], approver)
        # published, then re-planned: superseded, and public since its publication
        made["superseded_published"] = draft()
        lifecycle.approve(s, made["superseded_published"], approver)
        lifecycle.publish(s, made["superseded_published"], approver)
        made["replan_of_published"] = draft(made["superseded_published"])
        lifecycle.approve(s, made["replan_of_published"], approver)
    return made


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("api-access")
    app = create_app(f"sqlite:///{folder / 'w.db'}", {"TESTING": True, "SECRET_KEY": "s"})
    make_users(app)
    plans = _build_plans(app, folder)
    clients = {role: signed_in(app, name) for role, name in ROLE_USERS.items()}
    clients["anonymous"] = app.test_client()
    yield World(app, clients, plans)
    store_of(app).dispose()


def page_shows(world: World, who: str, plan_id: int) -> bool:
    """Whether `who` can read the plan as a page: its review page or the public notice."""
    client = world.clients[who]
    review = client.get(f"/plans/{plan_id}").status_code
    public = world.clients["anonymous"].get(f"/public/plans/{plan_id}").status_code
    assert review in (200, 302, 403) and public in (200, 404)
    return review == 200 or public == 200


def test_the_page_matrix_this_compares_with(world: World) -> None:
    """The pages themselves: regulator and admin read every plan, the public (and so legal
    and planner staff) only published ones — never one superseded before publication."""
    public = {s for s, p in world.plans.items() if page_shows(world, "anonymous", p)}
    assert public == {"published", "superseded_published"}
    for role in ("regulator", "admin"):
        assert all(page_shows(world, role, p) for p in world.plans.values())
    for role in ("legal", "planner"):
        assert {s for s, p in world.plans.items() if page_shows(world, role, p)} == public


def _one_plan(path: str) -> Callable[[World, str], None]:
    def check(world: World, who: str) -> None:
        client = world.clients[who]
        for state, plan_id in [*world.plans.items(), ("missing", MISSING)]:
            reply = client.get(path.format(plan_id=plan_id))
            where = f"{who} GET {path} for the {state} plan"
            assert reply.is_json, where
            if who == "anonymous":
                assert reply.status_code == 401, where
            elif plan_id != MISSING and page_shows(world, who, plan_id):
                assert reply.status_code == 200, where
            else:
                # as for a plan that does not exist: not even its existence is told
                assert reply.status_code == 404, where
                assert "document" not in reply.get_json() and "plan_sha256" not in reply.text

    return check


def _plan_list(world: World, who: str) -> None:
    client = world.clients[who]
    reply = client.get("/api/plans")
    if who == "anonymous":
        assert reply.status_code == 401
        return
    listed = {p["id"] for p in reply.get_json()["plans"]}
    shown = {p for p in world.plans.values() if page_shows(world, who, p)}
    assert listed == shown, who
    for status in ("draft", "approved", "rejected", "superseded"):
        filtered = client.get(f"/api/plans?status={status}").get_json()["plans"]
        assert {p["id"] for p in filtered} <= shown, (who, status)


def _by_route_matrix(method: str, path: str) -> Callable[[World, str], None]:
    """Operations that read no plan: the roles of test_access's matrix, through the API."""
    concrete = path.replace("{package}", "penalty-exemption")
    (roles,) = [r for m, p, r in ROUTES if m == method.upper() and p == concrete]

    def check(world: World, who: str) -> None:
        client = world.clients[who]
        if method == "get":
            reply = client.get(concrete)
        else:
            csrf = token(client, "/login")
            reply = client.post(concrete, json={"records": []}, headers={"X-CSRFToken": csrf})
        if roles is None:
            assert reply.status_code == 200
        elif who == "anonymous":
            assert reply.status_code == 401 and reply.is_json
        elif who in roles:
            assert reply.status_code == 200, (who, concrete, reply.text[:200])
        else:
            assert reply.status_code == 403 and reply.is_json

    return check


CHECKS: dict[tuple[str, str], Callable[[World, str], None]] = {
    ("get", "/api/plans"): _plan_list,
    ("get", "/api/plans/{plan_id}"): _one_plan("/api/plans/{plan_id}"),
    ("get", "/api/plans/{plan_id}/verify"): _one_plan("/api/plans/{plan_id}/verify"),
    ("post", "/api/rules/{package}/decide"): _by_route_matrix(
        "post", "/api/rules/{package}/decide"
    ),
    ("get", "/api/csrf-token"): _by_route_matrix("get", "/api/csrf-token"),
    ("get", "/api/openapi.json"): _by_route_matrix("get", "/api/openapi.json"),
}
OPERATIONS = sorted((m, p) for p, item in SPEC["paths"].items() for m in item)


def test_every_operation_in_openapi_json_is_walked() -> None:
    """An operation added to the spec without a check here fails: none goes unchecked."""
    assert set(OPERATIONS) == set(CHECKS)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("who", WHO)
def test_api_answers_as_the_pages_do(world: World, operation: tuple[str, str], who: str) -> None:
    CHECKS[operation](world, who)


def test_public_plan_files_follow_the_notice(world: World) -> None:
    """The notice's plan.json and results.csv are published-only too (no sign-in)."""
    anonymous = world.clients["anonymous"]
    for state, plan_id in world.plans.items():
        public = state in ("published", "superseded_published")
        for tail in ("plan.json", "results.csv", "verify"):
            code = anonymous.get(f"/public/plans/{plan_id}/{tail}").status_code
            assert code == (200 if public else 404), (state, tail)
