"""Passwords: scrypt at the production work factor, weaker hashes upgraded at sign-in, length
rules only (no composition rules, nothing truncated), and sign-in answers that do not tell an
unknown name from a wrong password or a disabled account — in words or in work done."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from jianguan.models import AuditEvent, User
from tests.web.flows import FAST_HASH, PASSWORD, post, signed_in, token
from web.app import create_app
from web.auth.passwords import DEFAULT_METHOD
from web.extensions import store_of


def _sign_in(app: Flask, username: str, password: str) -> Any:
    client = app.test_client()
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token(client)}
    )


def _stored_hash(app: Flask, username: str) -> str:
    with store_of(app).session() as session:
        return session.scalars(select(User.password_hash).where(User.username == username)).one()


def _production_app(app: Flask) -> Flask:
    """The same store, with the app's default work factor (no test override)."""
    return create_app(store_of(app).url, {"TESTING": True, "SECRET_KEY": "test-secret"})


def test_new_passwords_are_stored_with_scrypt_at_the_production_work_factor(app: Flask) -> None:
    production = _production_app(app)
    assert production.config["PASSWORD_HASH_METHOD"] == DEFAULT_METHOD == "scrypt:32768:8:3"
    admin = signed_in(production, "admin1")
    post(admin, "/admin/users", {"username": "new1", "password": "long-enough-12", "role": "legal"})
    stored = _stored_hash(app, "new1")
    method, salt, digest = stored.split("$")
    assert method == "scrypt:32768:8:3"  # N=2^15, r=8, p=3: OWASP's equal of N=2^17, p=1
    assert len(salt) == 16 and len(digest) == 128 and "long-enough-12" not in stored
    assert _sign_in(production, "new1", "long-enough-12").status_code == 302


@pytest.mark.parametrize("old_method", ["pbkdf2:sha256:1000", "scrypt:32768:8:1"])
def test_a_weaker_hash_is_upgraded_at_the_next_sign_in(app: Flask, old_method: str) -> None:
    with store_of(app).session() as session:
        row = session.scalars(select(User).where(User.username == "reg1")).one()
        row.password_hash = generate_password_hash(PASSWORD, method=old_method)
    production = _production_app(app)
    assert _sign_in(production, "reg1", "wrong-password-1").status_code == 401
    assert _stored_hash(app, "reg1").startswith(old_method + "$")  # only a right password
    assert _sign_in(production, "reg1", PASSWORD).status_code == 302
    assert _stored_hash(app, "reg1").startswith("scrypt:32768:8:3$")
    with store_of(app).session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.password_rehash")
        ).one()
        assert event.before == {"method": old_method}
        assert event.after == {"method": "scrypt:32768:8:3"}
        assert PASSWORD not in str(event.after) + str(event.before)
    assert _sign_in(production, "reg1", PASSWORD).status_code == 302  # and it still works


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("elevenchars", False),
        ("twelve-chars", True),
        ("ab" + " " * 10 + "cd", False),  # a run of spaces counts once: 5 characters
        ("x" * 64, True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("全是小写也行 没有数字 🐼 emoji", True),  # no composition rules, any Unicode
    ],
)
def test_password_rules_are_about_length_only(app: Flask, password: str, accepted: bool) -> None:
    admin = signed_in(app, "admin1")
    reply = post(admin, "/admin/users", {"username": "u1", "password": password, "role": "legal"})
    if accepted:
        assert reply.status_code == 200 and "已创建用户" in reply.get_data(as_text=True)
        assert _sign_in(app, "u1", password).status_code == 302
    else:
        assert reply.status_code == 400
        assert re.search("密码(至少|最多)", reply.get_data(as_text=True))


def test_long_passwords_are_not_truncated(app: Flask) -> None:
    password = "long passphrase " * 6  # 96 characters: bcrypt would stop reading at 72
    admin = signed_in(app, "admin1")
    post(admin, "/admin/users", {"username": "u2", "password": password, "role": "legal"})
    assert _sign_in(app, "u2", password).status_code == 302
    assert _sign_in(app, "u2", password[:72]).status_code == 401
    assert _sign_in(app, "u2", password[:-1] + "X").status_code == 401


def _disable(app: Flask, username: str) -> None:
    with store_of(app).session() as session:
        session.scalars(select(User).where(User.username == username)).one().active = False


def test_sign_in_answers_do_not_tell_which_user_names_exist(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _disable(app, "legal1")
    _sign_in(app, "warm-up", PASSWORD)  # the process makes its dummy hash once, at first use
    calls: list[tuple[int, int, int]] = []
    real = hashlib.scrypt

    def counted(password: bytes, **kw: Any) -> bytes:
        calls.append((kw["n"], kw["r"], kw["p"]))
        return real(password, **kw)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    answers = {}
    for case, (name, password) in {
        "unknown user": ("nobody-here", PASSWORD),
        "wrong password": ("reg1", "wrong-password-1"),
        "disabled user, right password": ("legal1", PASSWORD),
    }.items():
        calls.clear()
        reply = _sign_in(app, name, password)
        body = re.sub(r'(content|value)="[^"]{40,}"', "TOKEN", reply.get_data(as_text=True))
        answers[case] = (reply.status_code, body)
        n, r, p = (int(x) for x in FAST_HASH.split(":")[1:])
        assert calls == [(n, r, p)], f"{case}: {calls}"  # one check at the configured cost
    assert len(set(answers.values())) == 1, answers.keys()
    assert "用户名或密码不正确" in answers["unknown user"][1]


def test_the_dummy_check_follows_the_configured_work_factor(tmp_path: Path) -> None:
    from web.auth import passwords

    cheap = "scrypt:2048:8:1"
    assert passwords.needs_rehash(generate_password_hash("x", method="scrypt:1024:8:1"), cheap)
    assert not passwords.needs_rehash(generate_password_hash("x", method=cheap), cheap)
    # "scrypt" alone means werkzeug's default, spelled out in full in the stored hash
    assert not passwords.needs_rehash(generate_password_hash("x"), "scrypt")


def _change(client: Any, current: str, new: str, again: str | None = None) -> Any:
    form = {"current": current, "new": new, "again": new if again is None else again}
    return post(client, "/account/password", form)


def test_a_user_changes_their_password_and_their_other_sessions_end(app: Flask) -> None:
    here, elsewhere = signed_in(app, "reg1"), signed_in(app, "reg1")
    assert "修改密码" in here.get("/").get_data(as_text=True)  # reachable from every page
    refused = {
        "wrong current": _change(here, "not-my-password", "a-new-passphrase-1"),
        "mismatch": _change(here, PASSWORD, "a-new-passphrase-1", "a-new-passphrase-2"),
        "too short": _change(here, PASSWORD, "short-1"),
    }
    for case, reply in refused.items():
        assert reply.status_code == 400, case
    assert "当前密码不正确" in refused["wrong current"].get_data(as_text=True)
    assert "不一致" in refused["mismatch"].get_data(as_text=True)
    assert "密码至少" in refused["too short"].get_data(as_text=True)
    assert _sign_in(app, "reg1", PASSWORD).status_code == 302  # nothing changed yet

    done = _change(here, PASSWORD, "a-new-passphrase-1")
    assert done.status_code == 302
    assert here.get("/plans/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/plans/").status_code == 302  # the other session ended
    assert _sign_in(app, "reg1", PASSWORD).status_code == 401
    assert _sign_in(app, "reg1", "a-new-passphrase-1").status_code == 302
    with store_of(app).session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.password_change")
        ).one()
        assert event.actor == "reg1" and "a-new-passphrase-1" not in str(event.after)


def test_guessing_the_current_password_in_a_borrowed_session_is_limited(app: Flask) -> None:
    borrowed = signed_in(app, "reg1")
    codes = [
        _change(borrowed, f"guess-{n}-password", "a-new-passphrase-1").status_code for n in range(6)
    ]
    assert codes == [400] * 5 + [429]
    assert _change(borrowed, PASSWORD, "a-new-passphrase-1").status_code == 429  # even right


def test_an_administrator_resets_a_password_at_the_console(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from jianguan.cli import main

    open_session = signed_in(app, "plan1")
    assert open_session.get("/simulations/").status_code == 200
    monkeypatch.setattr("sys.stdin", io.StringIO("given-by-the-admin-1\n"))
    assert main(["user", "passwd", "plan1", "--db", store_of(app).url]) == 0
    assert open_session.get("/simulations/").status_code == 302
    assert _sign_in(app, "plan1", "given-by-the-admin-1").status_code == 302
    with store_of(app).session() as session:
        actors = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "user.password_reset")
        ).all()
        assert actors == ["cli"]
