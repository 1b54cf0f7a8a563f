"""CSRF, sign-in, the login rate limit, cookie flags, security headers on every kind of
response, and error pages without traces."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.web.flows import PASSWORD, load_registry, login, post, signed_in, token
from tests.web.security_checks import assert_security_headers
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
    assert "Strict-Transport-Security" not in reply.headers  # HSTS only when set up for HTTPS
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


def test_every_kind_of_response_carries_the_security_headers(tmp_path: Path) -> None:
    from tests.web.flows import TEST_CONFIG, make_users

    app = create_app(f"sqlite:///{tmp_path / 'h.db'}", {**TEST_CONFIG, "TESTING": False})
    make_users(app)

    @public
    def boom() -> str:
        raise RuntimeError("unexpected")

    app.add_url_rule("/public/boom", "boom", boom)
    anonymous = app.test_client()
    admin = signed_in(app, "admin1")
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    replies = {
        "page": anonymous.get("/login"),
        "redirect to sign in": anonymous.get("/plans/"),
        "public page": anonymous.get("/public/"),
        "signed-in page": admin.get("/admin/users"),
        "404 page": anonymous.get("/no/such/page"),
        "405 page": anonymous.get("/logout"),
        "500 page": anonymous.get("/public/boom"),
        "CSRF refusal": admin.post("/admin/users", data={"username": "x"}),
        "413 refusal": admin.post("/admin/users", data={"csrf_token": token(admin), "x": big}),
        "API 401": anonymous.get("/api/plans"),
        "API JSON": admin.get("/api/plans"),
        "API 404": admin.get("/api/plans/9999"),
        "static script": anonymous.get("/static/vendor/htmx.min.js"),
        "static style": anonymous.get("/static/site.css"),
        "static 404": anonymous.get("/static/nothing.js"),
    }
    expected = {"500 page": 500, "404 page": 404, "405 page": 405, "CSRF refusal": 400}
    expected |= {"413 refusal": 413, "API 401": 401, "API 404": 404, "static 404": 404}
    for kind, reply in replies.items():
        assert reply.status_code == expected.get(kind, reply.status_code), kind
        try:
            assert_security_headers(reply)
        except AssertionError as err:
            raise AssertionError(f"{kind}: {err}") from err
        reply.close()


def test_pages_behind_sign_in_are_not_kept_by_the_browser(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    for path in ("/admin/users", "/api/plans", "/login", "/registry/enterprises"):
        assert admin.get(path).headers.get("Cache-Control") == "no-store", path
    anonymous = app.test_client()
    for path in ("/public/", "/static/site.css"):  # the same for everyone: may be cached
        assert "no-store" not in anonymous.get(path).headers.get("Cache-Control", ""), path


def test_behind_https_cookies_are_secure_and_host_bound_and_hsts_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.web.flows import TEST_CONFIG, make_users

    monkeypatch.setenv("JIANGUAN_SECURE_COOKIES", "1")
    app = create_app(f"sqlite:///{tmp_path / 's.db'}", TEST_CONFIG)
    make_users(app)
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie  # a __Host- cookie must not name a domain
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_static_files_list_no_folders_and_stay_inside_the_static_folder(app: Flask) -> None:
    client = app.test_client()
    for path in ("/static/", "/static/vendor/", "/static/../app.py", "/static/%2e%2e/app.py"):
        assert client.get(path).status_code == 404, path


def test_the_server_names_no_versions(live_server: str) -> None:
    from urllib.request import urlopen

    with urlopen(live_server + "/login") as reply:
        assert reply.headers["Server"] == "jianguan"  # waitress's ident, no version numbers
        assert reply.headers.get("X-Powered-By") is None
        assert_security_headers(reply)


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


def test_refused_requests_are_logged_without_forged_lines(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    legal = signed_in(app, "legal1")
    with caplog.at_level("WARNING", logger=app.logger.name):
        assert legal.get("/plans/tasks/X%0aINFO%20admin1%20signed%20in").status_code == 403
    refused = [r.getMessage() for r in caplog.records if "access refused" in r.getMessage()]
    assert len(refused) == 1
    assert "user='legal1' role='legal' GET" in refused[0]
    assert "\n" not in refused[0] and "\\n" in refused[0]  # the line break stays escaped


def test_a_page_that_declares_no_roles_is_refused_to_everyone(tmp_path: Path) -> None:
    from tests.web.flows import TEST_CONFIG, make_users

    app = create_app(f"sqlite:///{tmp_path / 'd.db'}", TEST_CONFIG)
    make_users(app)
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret data")  # no @allow, no @public
    assert signed_in(app, "admin1").get("/forgotten").status_code == 403
    assert app.test_client().get("/forgotten").status_code == 302


def test_no_password_reaches_the_audit_log_or_the_server_log(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import select

    from jianguan.models import AuditEvent
    from web.extensions import store_of

    typed = "wrong-but-secret-typed-9"
    with caplog.at_level("DEBUG"):
        client = app.test_client()
        client.post(
            "/login", data={"username": "reg1", "password": typed, "csrf_token": token(client)}
        )
        login(client, "reg1")
    with store_of(app).session() as session:
        events = session.scalars(select(AuditEvent)).all()
        written = " ".join(f"{e.actor} {e.object_id} {e.before} {e.after}" for e in events)
    assert {"auth.login_failed", "auth.login"} <= {e.action for e in events}
    assert typed not in written and PASSWORD not in written
    assert typed not in caplog.text and PASSWORD not in caplog.text


def test_forwarded_for_is_ignored_unless_behind_a_configured_proxy(app: Flask) -> None:
    def attempt(claimed: str) -> int:
        client = app.test_client()
        return client.post(
            "/login",
            data={"username": "reg1", "password": "wrong", "csrf_token": token(client)},
            headers={"X-Forwarded-For": claimed},
        ).status_code

    # a client that makes up a new address for every try is still one client
    assert [attempt(f"10.0.0.{n}") for n in range(6)] == [401] * 5 + [429]


def test_an_upload_named_with_a_path_writes_nowhere_but_a_temporary_folder(
    app: Flask, tmp_path: Path
) -> None:
    import io

    target = tmp_path / "evil.csv"
    client = signed_in(app, "reg1")
    reply = client.post(
        "/registry/import",
        data={
            "csrf_token": token(client),
            "enterprises": (io.BytesIO(b"id,name\n1,x\n"), f"../../../..{target}"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 400
    assert not target.exists()
    text = reply.get_data(as_text=True)
    assert "evil.csv" in text and str(tmp_path) not in text  # shown by its last part only
