"""Sessions: renewed at sign-in (nothing planted before survives but the language), ended on
the server's word at sign-out and when an admin disables the user, and no older than the
session lifetime however often the cookie is rewritten."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from jianguan.models import AuditEvent, User
from tests.web.flows import PASSWORD, post, signed_in, token
from web.extensions import store_of


def _cookie(client: FlaskClient) -> str | None:
    found = client.get_cookie("session")
    return None if found is None else found.value


def _sign_in(client: FlaskClient, username: str, password: str = PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token(client)}
    )


def _user(app: Flask, username: str) -> User:
    with store_of(app).session() as session:
        row = session.scalars(select(User).where(User.username == username)).one()
        session.expunge(row)
        return row


def test_sign_in_renews_the_session_and_keeps_only_the_language(app: Flask) -> None:
    client = app.test_client()
    client.get("/lang/en")
    with client.session_transaction() as planted:  # what a fixation attacker would set up
        planted["_user_id"] = "1:0"
        planted["planted"] = "by-an-attacker"
    before = _cookie(client)
    assert _sign_in(client, "reg1").status_code == 302
    after = _cookie(client)
    assert before and after and after != before
    with client.session_transaction() as now:
        assert "planted" not in now
        assert now["lang"] == "en"
        assert now["_user_id"] == f"{_user(app, 'reg1').id}:0"
    assert "Plans" in client.get("/plans/").get_data(as_text=True)  # still English


def test_a_session_from_before_sign_out_no_longer_works(app: Flask) -> None:
    client = signed_in(app, "reg1")
    stolen = _cookie(client)
    assert stolen and client.get("/plans/").status_code == 200
    bye = post(client, "/logout")
    assert bye.headers["Clear-Site-Data"] == '"cache", "storage"'  # the browser forgets pages
    assert _cookie(client) is None  # an empty session: the browser is told to drop the cookie
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    reply = replay.get("/plans/")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    assert replay.get("/api/plans").status_code == 401
    # signing out ended the user's other sessions too (the cookie cannot be recalled alone)
    assert _user(app, "reg1").session_epoch == 1
    assert signed_in(app, "reg1").get("/plans/").status_code == 200  # signing in again works


def test_disabling_a_user_ends_their_open_sessions_and_is_audited(app: Flask) -> None:
    victim = signed_in(app, "legal1")
    assert victim.get("/rules/").status_code == 200
    assert victim.get("/api/plans").status_code == 200
    admin = signed_in(app, "admin1")
    target = _user(app, "legal1")
    reply = post(admin, f"/admin/users/{target.id}/active", {"active": "0"})
    assert reply.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'data-user="legal1" data-active="0"' in page and "已停用" in page
    # the open session ends at its very next request, page or API
    assert victim.get("/rules/").status_code == 302
    assert victim.get("/api/plans").status_code == 401
    with store_of(app).session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.disable")).one()
        assert (event.actor, event.object_id) == ("admin1", "legal1")
        assert event.before == {"active": True} and event.after["active"] is False
    # the right password no longer signs in, with the same answer as a wrong one
    again = _sign_in(app.test_client(), "legal1")
    assert again.status_code == 401 and "用户名或密码不正确" in again.get_data(as_text=True)
    post(admin, f"/admin/users/{target.id}/active", {"active": "1"})
    assert signed_in(app, "legal1").get("/rules/").status_code == 200
    with store_of(app).session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("user.%able"))
        ).all()
        assert actions == ["user.disable", "user.enable"]


def test_an_admin_cannot_disable_their_own_account(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    me = _user(app, "admin1")
    reply = post(admin, f"/admin/users/{me.id}/active", {"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in reply.get_data(as_text=True)
    assert _user(app, "admin1").active
    assert admin.get("/admin/users").status_code == 200


def test_disabling_needs_an_admin_and_a_token(app: Flask) -> None:
    target = _user(app, "reg1")
    legal = signed_in(app, "legal1")
    assert post(legal, f"/admin/users/{target.id}/active", {"active": "0"}).status_code == 403
    admin = signed_in(app, "admin1")
    forged = admin.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    assert forged.status_code == 400  # no CSRF token: a third-party page cannot disable users
    assert _user(app, "reg1").active


def test_a_session_ends_after_its_lifetime_even_if_rewritten(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(app, "reg1")
    lifetime = app.permanent_session_lifetime.total_seconds()
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + lifetime - 60)
    client.get("/lang/en")  # rewrites the cookie (a fresh signature timestamp)
    assert client.get("/plans/").status_code == 200
    monkeypatch.setattr(time, "time", lambda: started + lifetime + 60)
    reply = client.get("/plans/")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_a_session_without_the_current_user_id_shape_is_signed_out(app: Flask) -> None:
    client = signed_in(app, "reg1")
    with client.session_transaction() as session:
        session["_user_id"] = str(_user(app, "reg1").id)  # a cookie from before epochs existed
    assert client.get("/plans/").status_code == 302


def test_a_cookie_signed_with_another_key_is_refused(app: Flask) -> None:
    """The session is a signed cookie: the admin's very session, signed by anyone without the
    server's key, gets nobody in; one changed byte neither."""
    from flask.sessions import SecureCookieSessionInterface

    genuine = signed_in(app, "admin1")
    with genuine.session_transaction() as session:
        content = dict(session)
    interface = SecureCookieSessionInterface()
    forger = Flask("forger")
    forger.secret_key = "a-guessed-key-that-is-not-the-servers"

    def admin_page_with(cookie: str) -> int:
        client = app.test_client()
        client.set_cookie("session", cookie)
        return client.get("/admin/users").status_code

    right = interface.get_signing_serializer(app)
    wrong = interface.get_signing_serializer(forger)
    assert right is not None and wrong is not None
    assert admin_page_with(right.dumps(content)) == 200  # the same content, the server's key
    assert admin_page_with(wrong.dumps(content)) == 302
    value = right.dumps(content)
    assert admin_page_with(value[:-2] + ("AA" if not value.endswith("AA") else "BB")) == 302
