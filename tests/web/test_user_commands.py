"""`jianguan user`: a deployment's first administrator without the demo's known accounts, and
disabling from the console ends the user's open web sessions. Account names are checked to fit
before they reach the database (PostgreSQL would refuse an over-long one with a server error)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from jianguan.cli import main
from jianguan.db import Store, open_store
from jianguan.models import User
from tests.web.flows import TEST_CONFIG, login
from web.app import create_app
from web.auth.users import UserError, create_user


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))  # not a terminal: one line is read


def test_first_admin_from_the_console_signs_in_and_is_disabled_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    _stdin(monkeypatch, "the-first-admin-2027\n")
    assert main(["user", "add", "chief", "--role", "admin", "--db", url]) == 0
    assert "chief" in capsys.readouterr().out
    store = open_store(url)
    with store.session() as session:
        row = session.scalars(select(User).where(User.username == "chief")).one()
        assert row.role == "admin" and row.password_hash.startswith("scrypt:32768:8:3$")
    store.dispose()
    app = create_app(url, {**TEST_CONFIG, "PASSWORD_HASH_METHOD": "scrypt:32768:8:3"})
    browser = app.test_client()
    login(browser, "chief", "the-first-admin-2027")
    assert browser.get("/admin/users").status_code == 200
    assert main(["user", "disable", "chief", "--db", url]) == 0
    assert browser.get("/admin/users").status_code == 302  # the open session ended


def test_the_console_refuses_a_short_password_and_an_unknown_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    _stdin(monkeypatch, "short\n")
    assert main(["user", "add", "chief", "--role", "admin", "--db", url]) == 1
    assert "密码至少 12 位" in capsys.readouterr().err
    assert main(["user", "enable", "nobody", "--db", url, "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "There is no user 'nobody'." in err and "Traceback" not in err
    store = open_store(url)
    with store.session() as session:
        assert session.scalars(select(User)).all() == []
    store.dispose()


@pytest.mark.parametrize(
    ("username", "display_name", "refused"),
    [
        ("u" * 61, "", "用户名最多 60"),
        ("two words", "", "用户名最多 60"),
        ("tab\tname", "", "用户名最多 60"),
        ("ok-name", "名" * 101, "姓名最多 100"),
        ("ok-name", "line\nbreak", "姓名最多 100"),
    ],
)
def test_names_that_do_not_fit_are_a_message_on_both_databases(
    store: Store, username: str, display_name: str, refused: str
) -> None:
    with pytest.raises(UserError, match=refused), store.session() as session:
        create_user(session, username, "long-enough-12", "legal", display_name)
    with store.session() as session:
        assert session.scalars(select(User)).all() == []
    with store.session() as session:  # the longest names that fit are stored everywhere
        create_user(session, "u" * 60, "long-enough-12", "legal", "名" * 100)
