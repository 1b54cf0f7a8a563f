"""schemathesis against the running API, signed out and as every role (issue 14): no 5xx and
no response outside openapi.json. A small budget here; benchmarks/api_fuzz.py runs a large one
and prints the counts per route and caller."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.attack.api_fuzz import Tally, fuzz_api, known_values, table
from tests.attack.api_target import CALLERS, SIGNED_OUT, FuzzStore, build_app, caller, serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzStore]:
    built = build_app(tmp_path_factory.mktemp("api-fuzz"))
    yield built


@pytest.fixture(scope="module")
def fuzzed(fuzz_store: FuzzStore) -> dict[tuple[str, str, str], Tally]:
    plans = [fuzz_store.published, fuzz_store.approved, fuzz_store.draft]
    with serving(fuzz_store.app) as base:
        callers = [caller(base, name) for name in CALLERS]
        return fuzz_api(base, callers, known_values(plans), max_examples=12, seconds_per_route=5)


def test_no_server_error_and_no_response_outside_the_spec(fuzzed: dict) -> None:
    assert all(t.clean for t in fuzzed.values()), table(fuzzed)


def test_the_fuzzer_reached_past_the_gate_for_every_role(fuzzed: dict) -> None:
    """Not only 401s and 404s: each role's allowed routes answered 200 to generated cases, and
    the signed-out caller got nothing but 401 from the signed-in routes."""

    def ok(route: str, who: str) -> int:
        return fuzzed[(route, who, "positive")].statuses["2xx"]

    for role in ("regulator", "legal", "planner", "admin"):
        assert ok("GET /api/plans", role) > 0
        assert ok("GET /api/plans/{plan_id}", role) > 0
        assert ok("GET /api/plans/{plan_id}/verify", role) > 0
    for role in ("regulator", "legal"):
        assert ok("POST /api/rules/{package}/decide", role) > 0
    for role in ("planner", "admin"):  # not deciders: 403
        assert ok("POST /api/rules/{package}/decide", role) == 0
    signed_out = [t for (route, who, _m), t in fuzzed.items() if who == SIGNED_OUT]
    assert all(
        set(t.statuses) <= {"4xx"}
        for (route, who, _m), t in fuzzed.items()
        if who == SIGNED_OUT and route != "GET /api/openapi.json"
    )
    assert sum(t.requests for t in signed_out) > 50


def test_published_at_is_a_date_time_with_its_zone(fuzz_store: FuzzStore) -> None:
    """The spec says date-time (RFC 3339, zone required); the API once sent a naive
    timestamp that schemathesis rejected for every published plan."""
    from tests.web.flows import signed_in

    reply = signed_in(fuzz_store.app, "reg1").get(f"/api/plans/{fuzz_store.published}")
    published_at = reply.get_json()["published_at"]
    assert datetime.fromisoformat(published_at).utcoffset() is not None, published_at


@pytest.mark.parametrize("as_of", ["", None, "20270301", "2027-W10-1", 20270301])
def test_as_of_outside_the_spec_date_format_is_refused(
    fuzz_store: FuzzStore, as_of: object
) -> None:
    """schemathesis found as_of values the spec's `format: date` forbids answered 200 (an
    empty string decided as of today; fromisoformat takes compact and week dates)."""
    from tests.web.flows import signed_in, token

    client = signed_in(fuzz_store.app, "legal1")
    reply = client.post(
        "/api/rules/credit-tier/decide",
        json={"records": [{"id": "x"}], "as_of": as_of},
        headers={"X-CSRFToken": token(client)},
    )
    assert reply.status_code == 400, reply.get_data(as_text=True)
    assert "as_of" in reply.get_json()["error"]
