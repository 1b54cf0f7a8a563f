"""CSRF, sign-in, the login rate limit, cookie flags, and error pages without traces."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.web.flows import PASSWORD, load_registry, login, post, signed_in, token
from web.app import create_app
from web.core.access import public


def test_form_without_csrf_token_is_refused(app: Flask, tmp_path: Path) -> None:
    client = signed_in(app, "admin1")
    reply = client.post(
        "/admin/users", data={"username": "x", "password": "long-enough-1", "role": "legal"}
    )
    assert reply.status_code == 400
    assert "CSRF" in reply.get_data(as_text=True)
    wrong = client.post(
        "/admin/users",
        data={
            "username": "x",
            "password": "long-enough-1",
            "role": "legal",
            "csrf_token": "forged",
        },
    )
    assert wrong.status_code == 400
    assert "x" not in [
        u for u in client.get("/admin/users").get_data(as_text=True).split("<td>")[1:2]
    ]


def test_htmx_style_request_passes_with_the_header_token(app: Flask) -> None:
    client = signed_in(app, "legal1")
    csrf = token(client, "/")
    refused = client.post("/api/rules/penalty-exemption/decide", json={"records": []})
    assert refused.status_code == 401 and refused.is_json  # openapi.json: missing credentials
    accepted = client.post(
        "/api/rules/penalty-exemption/decide", json={"records": []}, headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 200


def test_login_page_token_is_required_too(app: Flask) -> None:
    reply = app.test_client().post("/login", data={"username": "reg1", "password": PASSWORD})
    assert reply.status_code == 400


def test_wrong_password_then_rate_limit(app: Flask) -> None:
    client = app.test_client()
    for _ in range(5):
        reply = client.post(
            "/login", data={"username": "reg1", "password": "wrong", "csrf_token": token(client)}
        )
        assert reply.status_code == 401
        assert "用户名或密码不正确" in reply.get_data(as_text=True)
    blocked = client.post(
        "/login", data={"username": "reg1", "password": PASSWORD, "csrf_token": token(client)}
    )
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.get_data(as_text=True)
    # another user from the same address is not locked out by reg1's failures
    other = client.post(
        "/login", data={"username": "legal1", "password": PASSWORD, "csrf_token": token(client)}
    )
    assert other.status_code == 302


def test_session_cookie_flags_and_fresh_session_on_sign_in(app: Flask) -> None:
    client = app.test_client()
    csrf = token(client)
    reply = client.post(
        "/login", data={"username": "reg1", "password": PASSWORD, "csrf_token": csrf}
    )
    cookie = reply.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # off by default for plain-HTTP intranets
    assert token(client, "/") != csrf  # the session was replaced on sign-in
    secure = create_app(
        app.extensions["jianguan_store"].url,
        {"TESTING": True, "SECRET_KEY": "s", "SESSION_COOKIE_SECURE": True},
    )
    other = secure.test_client()
    assert "Secure" in other.get("/login").headers.get("Set-Cookie", "")


def test_sign_in_only_redirects_within_the_site(app: Flask) -> None:
    client = app.test_client()
    data = {"username": "reg1", "password": PASSWORD, "csrf_token": token(client)}
    reply = client.post("/login", data={**data, "next": "//evil.example/x"})
    assert reply.headers["Location"] == "/"
    client = app.test_client()
    data["csrf_token"] = token(client)
    reply = client.post("/login", data={**data, "next": "/registry/officers"})
    assert reply.headers["Location"] == "/registry/officers"


def test_sign_out_ends_the_session(app: Flask) -> None:
    client = signed_in(app, "reg1")
    assert client.get("/plans/").status_code == 200
    post(client, "/logout")
    assert client.get("/plans/").status_code == 302


def test_unexpected_error_shows_no_trace(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'e.db'}", {"SECRET_KEY": "s"})

    @public
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/public/boom", "boom", boom)
    page = app.test_client().get("/public/boom")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert (
        "服务器内部错误" in text
        and "secret internal detail" not in text
        and "Traceback" not in text
    )


def test_users_are_created_with_hashed_passwords(app: Flask) -> None:
    client = signed_in(app, "admin1")
    reply = post(
        client,
        "/admin/users",
        {"username": "new1", "password": "short", "role": "legal", "display_name": "新人"},
    )
    assert reply.status_code == 400 and "密码至少" in reply.get_data(as_text=True)
    post(client, "/admin/users", {"username": "new1", "password": "long-enough-1", "role": "legal"})
    from sqlalchemy import select

    from jianguan.models import User
    from web.extensions import store_of

    with store_of(app).session() as session:
        row = session.scalars(select(User).where(User.username == "new1")).one()
        assert row.role == "legal" and "long-enough-1" not in row.password_hash
        assert row.password_hash.startswith(("scrypt:", "pbkdf2:"))
    login(app.test_client(), "new1", "long-enough-1")


def test_registry_page_reachable_for_all_roles_after_import(app: Flask, tmp_path: Path) -> None:
    load_registry(app, tmp_path)
    for name in ("reg1", "legal1", "plan1", "admin1"):
        assert signed_in(app, name).get("/registry/enterprises").status_code == 200


def test_public_pages_set_no_session_cookie(app: Flask) -> None:
    reply = app.test_client().get("/public/")
    assert reply.status_code == 200
    assert "Set-Cookie" not in reply.headers
    assert 'name="csrf-token"' not in reply.get_data(as_text=True)


def test_security_headers(app: Flask) -> None:
    reply = app.test_client().get("/login")
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]


def test_ensure_user_is_idempotent_and_create_user_refuses_duplicates(app: Flask) -> None:
    import pytest

    from web.auth.users import UserError, create_user, ensure_user
    from web.extensions import store_of

    with store_of(app).session() as session:
        assert ensure_user(session, "demo_legal", "demo-password-1", "legal") is True
        assert ensure_user(session, "demo_legal", "other-password-1", "legal") is False
        with pytest.raises(UserError, match="已存在"):
            create_user(session, "demo_legal", "demo-password-1", "legal")
        with pytest.raises(UserError, match="角色"):
            create_user(session, "x2", "demo-password-1", "superuser")
    login(app.test_client(), "demo_legal", "demo-password-1")


def test_login_limit_counts_clients_behind_a_proxy(tmp_path: Path) -> None:
    from tests.web.flows import make_users

    app = create_app(
        f"sqlite:///{tmp_path / 'p.db'}",
        {"TESTING": True, "SECRET_KEY": "s", "BEHIND_PROXY": True, "LOGIN_MAX_FAILURES": 2},
    )
    make_users(app)

    def attempt(client_ip: str) -> int:
        client = app.test_client()
        csrf = token(client)
        return client.post(
            "/login",
            data={"username": "reg1", "password": "wrong", "csrf_token": csrf},
            headers={"X-Forwarded-For": client_ip},
        ).status_code

    assert [attempt("10.0.0.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("10.0.0.2") == 401  # another client behind the same proxy is not blocked


# Each of these reaches another host once a browser has read it (tabs and newlines dropped,
# `\` read as `/`, surrounding spaces trimmed): all must fall back to the home page.
OFF_SITE = [
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%E2%80%8B/evil.example",  # a zero-width space between the slashes
    "//evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "%20//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_sends_the_browser_off_site(app: Flask, target: str) -> None:
    """`/lang/<code>?next=` needs no sign-in: a link to it was a ready-made phishing hop."""
    reply = app.test_client().get(f"/lang/en?next={target}")
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/"


def test_language_switch_keeps_a_same_site_path_and_survives_cr_lf(app: Flask) -> None:
    client = app.test_client()
    kept = client.get("/lang/zh_CN?next=/registry/officers%3Fpage%3D2")
    assert kept.headers["Location"] == "/registry/officers?page=2"
    injected = client.get("/lang/en?next=/%0d%0aX-Evil:%201")  # once a 500
    assert injected.status_code == 302
    assert "X-Evil" not in injected.headers and "\n" not in injected.headers["Location"]


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "\r\n//evil"])
def test_sign_in_applies_the_same_rule_to_next(app: Flask, target: str) -> None:
    client = app.test_client()
    data = {"username": "reg1", "password": PASSWORD, "csrf_token": token(client)}
    reply = client.post("/login", data={**data, "next": target})
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/"
