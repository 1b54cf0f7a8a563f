"""The session key comes from JIANGUAN_SECRET_KEY. Only a single-machine SQLite install may
fall back to a key file in the instance folder; on PostgreSQL `jianguan web` refuses to start
without the variable and says how to set it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from jianguan.cli import main
from jianguan.errors import JianguanError
from web.app import create_app

# Port 1 on this machine has no server: the refusal must come before any connection.
NOWHERE_PG = "postgresql+psycopg://jg:jg@127.0.0.1:1/nothing"


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("JIANGUAN_SECRET_KEY", raising=False)
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_jianguan_web_on_postgresql_refuses_to_start_without_the_key(
    no_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["web", "--db", NOWHERE_PG]) == 1
    err = capsys.readouterr().err
    assert "JIANGUAN_SECRET_KEY" in err and "secrets.token_hex(32)" in err
    assert "Traceback" not in err and "OperationalError" not in err
    assert main(["web", "--db", NOWHERE_PG, "--lang", "en"]) == 1
    assert "must come from the environment variable" in capsys.readouterr().err
    assert not (no_key / "secret_key").exists()  # no key file made for a shared store


def test_a_short_key_is_refused_with_how_to_make_one(
    no_key: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JIANGUAN_SECRET_KEY", "changeme")
    with pytest.raises(JianguanError, match="太短") as refused:
        create_app(f"sqlite:///{tmp_path / 'k.db'}")
    assert "token_hex" in refused.value.message("en")


def test_the_key_from_the_environment_signs_the_sessions(
    no_key: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = "k" * 32 + "-from-a-secrets-manager"
    monkeypatch.setenv("JIANGUAN_SECRET_KEY", key)
    assert create_app(f"sqlite:///{tmp_path / 'k.db'}").config["SECRET_KEY"] == key
    assert not (no_key / "secret_key").exists()


def test_sqlite_falls_back_to_an_owner_only_key_file_kept_across_restarts(
    no_key: Path, tmp_path: Path
) -> None:
    first = create_app(f"sqlite:///{tmp_path / 'k.db'}").config["SECRET_KEY"]
    path = no_key / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64  # 256 random bits, hex
    assert create_app(f"sqlite:///{tmp_path / 'k.db'}").config["SECRET_KEY"] == first
