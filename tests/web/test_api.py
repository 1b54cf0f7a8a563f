"""The JSON API: decisions through the rules engine, plans and their verification, OpenAPI."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.web.flows import (
    SECOND_REGULATOR,
    create_task,
    generate,
    load_registry,
    post,
    signed_in,
    token,
)

CASE = {
    "id": "case-1",
    "minor": True,
    "harm": "none",
    "corrected_in_time": True,
    "first_offence": True,
    "no_fault_proven": False,
    "occurred_on": "2027-03-01",
    "discovered_on": "2027-03-15",
    "life_health_financial_safety": False,
    "mitigating": [],
}


def _decide(client: FlaskClient, package: str, body: object):
    return client.post(
        f"/api/rules/{package}/decide", json=body, headers={"X-CSRFToken": token(client, "/login")}
    )


def test_decide_penalty_exemption_with_basis_and_error_lines(app: Flask) -> None:
    client = signed_in(app, "legal1")
    reply = _decide(client, "penalty-exemption", {"records": [CASE, {"id": "broken"}]})
    assert reply.status_code == 200
    first, second = reply.get_json()["results"]
    assert first["id"] == "case-1" and first["outcome"] == "no_penalty"
    assert any("第三十三条第一款" in b for b in first["basis"])
    assert second["id"] == "broken" and "minor" in second["error"]


def test_decide_refuses_malformed_bodies_and_unknown_packages(app: Flask) -> None:
    client = signed_in(app, "reg1")
    assert _decide(client, "penalty-exemption", {"rows": []}).status_code == 400
    assert _decide(client, "penalty-exemption", [CASE]).status_code == 400
    bad_date = _decide(client, "penalty-exemption", {"records": [CASE], "as_of": "2027-13-01"})
    assert bad_date.status_code == 400 and "as_of" in bad_date.get_json()["error"]
    unknown = _decide(client, "no-such-package", {"records": [CASE]})
    assert unknown.status_code == 400 and unknown.get_json()["error_en"]


def test_plans_api_lists_returns_and_verifies(app: Flask, tmp_path: Path) -> None:
    load_registry(app, tmp_path)
    author = signed_in(app, "reg1")
    create_task(author)
    plan_id = generate(author)
    post(signed_in(app, SECOND_REGULATOR), f"/plans/{plan_id}/approve")
    reader = signed_in(app, "admin1")  # legal and planner see it once published
    listed = reader.get("/api/plans").get_json()["plans"]
    assert [(p["id"], p["status"]) for p in listed] == [(plan_id, "approved")]
    one = reader.get(f"/api/plans/{plan_id}").get_json()
    assert one["approved_by"] == SECOND_REGULATOR
    assert one["document"]["plan_sha256"] == one["plan_sha256"]
    assert len(one["document"]["inspections"]) == 4
    verified = reader.get(f"/api/plans/{plan_id}/verify").get_json()
    assert verified["ok"] is True and verified["problems"] == []
    assert len(verified["checked"]) >= 5
    missing = reader.get("/api/plans/999")
    assert missing.status_code == 404 and missing.is_json


def test_openapi_documents_every_api_route(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<int:plan_id>", "{plan_id}").replace("<package>", "{package}")
            assert path in documented, f"{rule.rule} is not in openapi.json"
