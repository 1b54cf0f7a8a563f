"""Crafted requests get a 4xx that says why, never a 500, and the answer is the one
openapi.json documents for that route (issue 18, item 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from jianguan.db import Store
from tests.web.flows import make_users, signed_in, token
from web.app import create_app

SPEC = json.loads((Path(__file__).resolve().parents[2] / "web/api/openapi.json").read_text("utf-8"))
DECIDE = "/api/rules/penalty-exemption/decide"


def documented(path: str, method: str, status: int) -> dict[str, Any]:
    """The spec's entry for this answer; fails when the spec does not list it."""
    responses = SPEC["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} → {status} is not in openapi.json"
    entry: dict[str, Any] = responses[str(status)]
    return entry


def _post_raw(client: Any, body: str, with_token: bool = True) -> Any:
    headers = {"X-CSRFToken": token(client, "/login")} if with_token else {}
    return client.post(DECIDE, data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    "body",
    [
        '{"records": [' + "[" * 5000 + "]" * 5000 + "]}",
        '{"records": [{"id": "x", "minor": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}]}",
        '{"records": [{"id": "x", "minor": ' + "[" * 200 + "]" * 200 + "}]}",  # parses; too deep
    ],
    ids=["arrays-5000", "objects-5000", "arrays-200"],
)
def test_deeply_nested_json_is_a_400_with_a_message(app: Flask, body: str) -> None:
    reply = _post_raw(signed_in(app, "legal1"), body)
    assert reply.status_code == 400, reply.get_data(as_text=True)[:200]
    assert "嵌套" in reply.get_json()["error"] and "nested" in reply.get_json()["error_en"]
    documented("/api/rules/{package}/decide", "post", 400)


def test_a_flat_record_still_decides(app: Flask) -> None:
    body = json.dumps({"records": [{"id": "x", "mitigating": ["confessed"]}]})
    reply = _post_raw(signed_in(app, "legal1"), body)
    assert reply.status_code == 200 and "error" in reply.get_json()["results"][0]


def test_no_version_in_force_is_the_documented_400(app: Flask) -> None:
    client = signed_in(app, "legal1")
    reply = _post_raw(client, json.dumps({"records": [], "as_of": "1990-01-01"}))
    assert reply.status_code == 400
    assert "没有生效的版本" in reply.get_json()["error"]
    assert "in force" in documented("/api/rules/{package}/decide", "post", 400)["description"]


def test_missing_csrf_token_on_the_api_is_401_json_as_documented(app: Flask) -> None:
    reply = _post_raw(signed_in(app, "legal1"), json.dumps({"records": []}), with_token=False)
    assert reply.status_code == 401 and reply.is_json
    body = reply.get_json()
    assert "CSRF" in body["error"] and "X-CSRFToken" in body["error_en"]
    assert "CSRF" in documented("/api/rules/{package}/decide", "post", 401)["description"]
    assert "CSRF" not in documented("/api/rules/{package}/decide", "post", 400)["description"]


HUGE = [2**31, 2**63 - 1, 2**63, 2**64 + 1, 10**30]


@pytest.mark.postgres
def test_ids_beyond_the_store_are_404_on_both_databases(store: Store) -> None:
    """SQLite raised OverflowError past 2^63 and PostgreSQL 'integer out of range' past
    2^31: both were 500s, on public pages too."""
    app = create_app(store.url, {"TESTING": True, "SECRET_KEY": "s"})
    make_users(app)
    reader = signed_in(app, "reg1")
    anonymous = app.test_client()
    for number in HUGE:
        for path in (f"/api/plans/{number}", f"/api/plans/{number}/verify"):
            reply = reader.get(path)
            assert reply.status_code == 404 and reply.is_json, (path, reply.status_code)
            assert reply.get_json()["error"]
            template = path.replace(str(number), "{plan_id}")
            documented(template, "get", 404)
        for path in (f"/public/plans/{number}", f"/public/plans/{number}/plan.json"):
            assert anonymous.get(path).status_code == 404, path
        assert reader.get(f"/plans/{number}").status_code == 404
    app.extensions["jianguan_store"].dispose()


@pytest.mark.parametrize("page", ["²", "1" * 5000, "-1", "x"])
def test_odd_page_numbers_show_the_first_page(app: Flask, page: str) -> None:
    reply = signed_in(app, "admin1").get(f"/admin/audit/?page={page}")
    assert reply.status_code == 200
