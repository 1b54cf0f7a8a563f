"""Every route for every role: allowed roles get through, others get 403, strangers are sent
to sign in (pages) or get 401 JSON (API). Ids that do not exist keep this independent of state:
past the gate an allowed role sees 404, a refused one 403 — the gate answers first. Every one
of these answers (pages, redirects, JSON, 401/403/404) carries the security headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.flows import FAST_HASH, PASSWORD, ROLE_USERS, TEST_CONFIG, signed_in, token
from tests.web.rules_routes import RULES_ROUTES
from tests.web.security_checks import assert_security_headers
from tests.web.simulation_routes import SIMULATION_ROUTES
from web.core.access import ROLES

EVERYONE = frozenset(ROLES)
REG_ADMIN = frozenset({"regulator", "admin"})
REG = frozenset({"regulator"})
ADMIN = frozenset({"admin"})
PUBLIC = None

# (method, path, roles allowed; None = public)
ROUTES: list[tuple[str, str, frozenset[str] | None]] = [
    ("GET", "/", EVERYONE),
    ("GET", "/registry/enterprises", EVERYONE),
    ("GET", "/registry/enterprises/NOSUCHID", EVERYONE),
    ("GET", "/registry/officers", EVERYONE),
    ("GET", "/registry/import", REG_ADMIN),
    ("POST", "/registry/import", REG_ADMIN),
    ("GET", "/plans/", REG_ADMIN),
    ("GET", "/plans/tasks/new", REG),
    ("POST", "/plans/tasks/new", REG),
    ("GET", "/plans/tasks/NOSUCH", REG_ADMIN),
    ("POST", "/plans/tasks/NOSUCH/generate", REG),
    ("POST", "/plans/tasks/NOSUCH/commit", REG),
    ("GET", "/plans/jobs/nosuch", REG),
    ("GET", "/plans/jobs/nosuch/status", REG),
    ("GET", "/plans/9999", REG_ADMIN),
    ("POST", "/plans/9999/approve", REG),
    ("POST", "/plans/9999/reject", REG),
    ("POST", "/plans/9999/publish", REG),
    ("POST", "/plans/9999/replan", REG),
    ("GET", "/plans/9999/results", REG_ADMIN),
    ("GET", "/plans/9999/results.xlsx", REG_ADMIN),
    ("GET", "/plans/9999/plan.pdf", REG_ADMIN),
    ("GET", "/plans/9999/plan.xlsx", REG_ADMIN),
    ("GET", "/plans/9999/inspections/1/result", REG),
    ("POST", "/plans/9999/inspections/1/result", REG),
    ("GET", "/plans/tracker", REG_ADMIN),
    ("GET", "/admin/users", ADMIN),
    ("POST", "/admin/users", ADMIN),
    ("POST", "/admin/users/9999/active", ADMIN),
    ("GET", "/admin/audit/", ADMIN),
    ("GET", "/admin/audit/export.csv", ADMIN),
    ("POST", "/logout", EVERYONE),
    ("GET", "/account/password", EVERYONE),
    ("POST", "/account/password", EVERYONE),
    ("GET", "/login", PUBLIC),
    ("POST", "/login", PUBLIC),
    ("GET", "/lang/en", PUBLIC),
    ("GET", "/public/", PUBLIC),
    ("GET", "/public/plans/9999", PUBLIC),
    ("GET", "/public/plans/9999/plan.json", PUBLIC),
    ("GET", "/public/plans/9999/results.csv", PUBLIC),
    ("GET", "/public/plans/9999/notice.pdf", PUBLIC),
    ("GET", "/public/plans/9999/verify", PUBLIC),
    ("GET", "/api/openapi.json", PUBLIC),
    ("GET", "/api/csrf-token", EVERYONE),
    ("GET", "/api/plans", EVERYONE),
    ("GET", "/api/plans/9999", EVERYONE),
    ("GET", "/api/plans/9999/verify", EVERYONE),
    ("POST", "/api/rules/penalty-exemption/decide", frozenset({"regulator", "legal"})),
    *RULES_ROUTES,
    *SIMULATION_ROUTES,
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FlaskClient]]:
    from tests.web.flows import make_users
    from web.app import create_app

    folder = tmp_path_factory.mktemp("access")
    app: Flask = create_app(f"sqlite:///{folder / 'w.db'}", TEST_CONFIG)
    make_users(app)
    made = {role: signed_in(app, name) for role, name in ROLE_USERS.items()}
    made["anonymous"] = app.test_client()
    yield made


def _leaver(app: Flask, role: str) -> str:
    from web.auth.users import ensure_user
    from web.extensions import store_of

    name = f"leaver_{role}"
    with store_of(app).session() as session:
        ensure_user(session, name, PASSWORD, role, method=FAST_HASH)
    return name


def _call(client: FlaskClient, method: str, path: str):
    if method == "GET":
        return client.get(path)
    csrf = token(client, "/login")
    if path.startswith("/api/"):
        return client.post(path, json={"records": []}, headers={"X-CSRFToken": csrf})
    return client.post(path, data={"csrf_token": csrf})


def test_every_route_is_in_the_matrix(clients: dict[str, FlaskClient]) -> None:
    """A new route without a row here fails this test: nobody adds a page unchecked."""
    app = clients["anonymous"].application
    adapter = app.url_map.bind("localhost")
    covered = {(adapter.match(path, method)[0], method) for method, path, _ in ROUTES}
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule.endpoint != "static":
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} not in matrix"


@pytest.mark.parametrize(
    ("method", "path", "roles"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
@pytest.mark.parametrize("who", [*ROLES, "anonymous"])
def test_role_matrix(
    clients: dict[str, FlaskClient],
    method: str,
    path: str,
    roles: frozenset[str] | None,
    who: str,
) -> None:
    client = clients[who]
    # Switching language changes the session, and signing out ends all of the user's sessions:
    # use a session (for sign-out, a user) of their own, so the shared ones stay signed in and
    # Chinese for the rows after them.
    if path == "/logout" or path.startswith("/lang/"):
        app = client.application
        if who == "anonymous":
            client = app.test_client()
        else:
            client = signed_in(app, _leaver(app, who) if path == "/logout" else ROLE_USERS[who])
    reply = _call(client, method, path)
    assert_security_headers(reply)
    location = reply.headers.get("Location", "")
    if roles is None:
        assert reply.status_code != 403 and "/login?next" not in location
    elif who == "anonymous":
        if path.startswith("/api/"):
            assert reply.status_code == 401
            assert reply.is_json and reply.get_json()["error"]
        else:
            assert reply.status_code == 302 and "/login" in location
    elif who in roles:
        assert reply.status_code not in (401, 403), reply.get_data(as_text=True)[:300]
        assert "/login?next" not in location  # not bounced to sign in (sign-out goes to /login)
    else:
        assert reply.status_code == 403
        text = reply.get_data(as_text=True)
        assert "Traceback" not in text
        if not path.startswith("/api/"):
            assert "无权访问" in text
