"""Where the audit key comes from: the environment, else a file in the instance folder that is
made once, owner-only — and a verifier never makes one up."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from jianguan.audit import record, verify_chain
from jianguan.audit_key import ENV, AuditKeyError, audit_key
from jianguan.db import Store


@pytest.fixture
def no_env_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path / "instance"))
    return tmp_path / "instance" / "audit_key"


def test_the_first_record_creates_an_owner_only_key_file(
    sqlite_store: Store, no_env_key: Path
) -> None:
    assert not no_env_key.exists()
    with sqlite_store.session() as session:
        event = record(session, "reg1", "test.event", "thing", "1")
    assert stat.S_IMODE(no_env_key.stat().st_mode) == 0o600
    secret = no_env_key.read_text(encoding="ascii").strip()
    assert len(secret) == 64 and int(secret, 16) >= 0
    key = audit_key()
    assert key is not None and event.key_id == key.key_id and secret not in event.key_id
    with sqlite_store.session() as session:
        assert verify_chain(session).intact


def test_without_the_key_the_check_says_where_it_should_be(
    sqlite_store: Store, no_env_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_store.session() as session:
        record(session, "reg1", "test.event", "thing", "1")
    no_env_key.unlink()
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(no_env_key.parent.parent / "elsewhere"))
    with sqlite_store.session() as session:
        check = verify_chain(session)
    assert not check.intact and ENV in check.problem("en") and "audit_key" in check.problem("en")
    assert not (no_env_key.parent.parent / "elsewhere" / "audit_key").exists()  # not invented


def test_a_short_key_in_the_environment_is_refused_with_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV, "short")
    with pytest.raises(AuditKeyError, match="token_hex"):
        audit_key()
