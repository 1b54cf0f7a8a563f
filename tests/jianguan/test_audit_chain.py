"""The audit log under attack, on SQLite (edited with the sqlite3 module) and PostgreSQL
(with the driver, bypassing the application): issue 18, item 5.

The attacker can write the database but not read the audit key. Every change below once
passed, or would pass, a chain of plain SHA-256 hashes that the attacker recomputes; with the
keyed chain each is found and the first broken entry named, and with an anchor taken from a
publication a log cut short or rewritten up to the anchor is found too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

import jianguan.audit as audit
from jianguan.audit import (
    GENESIS,
    KEYED,
    LEGACY,
    Anchor,
    canonical_content,
    head_of,
    parse_anchor,
    record,
    verify_chain,
)
from jianguan.audit_key import AuditKey
from jianguan.cli import main
from jianguan.db import Store, alembic_config, open_store
from jianguan.models import AuditEvent
from tests.conftest import empty_database

pytestmark = pytest.mark.postgres

EVENTS = 8


class Tamper:
    """SQL on the store's database without the application: sqlite3 for SQLite, the raw
    driver connection for PostgreSQL. Statements use `?` placeholders."""

    def __init__(self, store: Store) -> None:
        self.sqlite = store.engine.dialect.name == "sqlite"
        if self.sqlite:
            self.conn: Any = sqlite3.connect(str(store.engine.url.database))
        else:
            self.conn = store.engine.raw_connection()

    def run(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        cursor = self.conn.cursor()
        cursor.execute(sql if self.sqlite else sql.replace("?", "%s"), params)
        rows = cursor.fetchall() if cursor.description else []
        self.conn.commit()
        return [tuple(r) for r in rows]

    def close(self) -> None:
        self.conn.close()


def _log(store: Store, n: int = EVENTS) -> None:
    for i in range(n):
        with store.session() as session:
            record(session, f"user{i}", "test.event", "thing", str(i), None, {"n": i})


def _ids(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _check(store: Store, anchors: list[Anchor] | None = None) -> audit.ChainCheck:
    with store.session() as session:
        return verify_chain(session, anchors=anchors)


@pytest.fixture
def logged(store: Store) -> Iterator[tuple[Store, Tamper, list[int]]]:
    _log(store)
    tamper = Tamper(store)
    yield store, tamper, _ids(store)
    tamper.close()


def _plain_rehash_from(
    tamper: Tamper, start: int, scheme: str | None = None, stop: int | None = None
) -> None:
    """What an attacker without the key can do: recompute every hash from `start` on (up to
    `stop`) with SHA-256 over the same canonical content (optionally relabelling the scheme)."""
    rows = tamper.run(
        "SELECT id, at, actor, action, object_type, object_id, before, after, scheme, key_id "
        "FROM audit_events ORDER BY id"
    )
    previous = GENESIS
    for row_id, at, actor, action, otype, oid, before, after, old_scheme, key_id in rows:
        if row_id < start:
            previous = tamper.run("SELECT hash FROM audit_events WHERE id = ?", row_id)[0][0]
            continue
        if stop is not None and row_id > stop:
            break
        if isinstance(at, str):  # sqlite3 returns the stored text
            at = datetime.fromisoformat(at)
        if isinstance(after, str):
            before = json.loads(before) if before else None
            after = json.loads(after)
        label = scheme or old_scheme
        content = canonical_content(
            at=at,
            actor=actor,
            action=action,
            object_type=otype,
            object_id=oid,
            before=before,
            after=after,
            prev_hash=previous,
            scheme=label,
            key_id=key_id,
        )
        digest = hashlib.sha256(content).hexdigest()
        tamper.run(
            "UPDATE audit_events SET prev_hash = ?, hash = ?, scheme = ? WHERE id = ?",
            previous,
            digest,
            label,
            row_id,
        )
        previous = digest


def test_an_untouched_log_verifies_and_names_its_head(logged: Any) -> None:
    store, *_ = logged
    check = _check(store)
    assert check.intact and check.events == EVENTS and check.legacy == 0
    with store.session() as session:
        assert check.head == head_of(session).head
        assert {e.scheme for e in session.scalars(select(AuditEvent))} == {KEYED}


def test_an_edited_entry_is_named(logged: Any) -> None:
    store, tamper, ids = logged
    tamper.run("UPDATE audit_events SET actor = 'mallory' WHERE id = ?", ids[3])
    check = _check(store)
    assert not check.intact and check.first_broken_id == ids[3]
    assert f"第 {ids[3]} 号记录" in check.problem("zh") and "HMAC" in check.problem("en")


def test_a_deleted_middle_entry_breaks_the_next_link(logged: Any) -> None:
    store, tamper, ids = logged
    tamper.run("DELETE FROM audit_events WHERE id = ?", ids[3])
    check = _check(store)
    assert check.first_broken_id == ids[4] and "deleted, inserted or moved" in check.problem("en")


def test_swapped_entries_are_found(logged: Any) -> None:
    store, tamper, ids = logged
    a, b = ids[2], ids[5]
    tamper.run("UPDATE audit_events SET id = ? WHERE id = ?", -1, a)
    tamper.run("UPDATE audit_events SET id = ? WHERE id = ?", a, b)
    tamper.run("UPDATE audit_events SET id = ? WHERE id = ?", b, -1)
    assert _check(store).first_broken_id == a


def test_an_inserted_entry_with_a_plain_hash_is_found(logged: Any) -> None:
    store, tamper, ids = logged
    # make room after the fourth entry, then forge one that links correctly
    tamper.run("UPDATE audit_events SET id = id + 1000 WHERE id > ?", ids[3])
    (before_hash,) = tamper.run("SELECT hash FROM audit_events WHERE id = ?", ids[3])[0]
    (at, key_id) = tamper.run("SELECT at, key_id FROM audit_events WHERE id = ?", ids[3])[0]
    forged = "f" * 64
    tamper.run(
        "INSERT INTO audit_events (id, at, actor, action, object_type, object_id, prev_hash, "
        "hash, scheme, key_id) VALUES (?, ?, 'mallory', 'plan.approve', 'plan', '1', ?, ?, ?, ?)",
        ids[3] + 1,
        at,
        before_hash,
        forged,
        KEYED,
        key_id,
    )
    tamper.run("UPDATE audit_events SET id = id - 999 WHERE id > 1000")
    check = _check(store)
    assert check.first_broken_id == ids[3] + 1


@pytest.mark.parametrize("relabel", [None, LEGACY], ids=["keep-scheme", "relabel-unkeyed"])
def test_an_edit_rehashed_with_plain_sha256_is_found(logged: Any, relabel: str | None) -> None:
    """The attack that passed before: edit an entry, recompute every later hash."""
    store, tamper, ids = logged
    tamper.run("UPDATE audit_events SET actor = 'mallory' WHERE id = ?", ids[3])
    _plain_rehash_from(tamper, ids[3], relabel)
    check = _check(store)
    assert check.first_broken_id == ids[3], check.problem("en")


def test_the_whole_log_relabelled_unkeyed_and_rehashed_is_found(logged: Any) -> None:
    store, tamper, ids = logged
    _plain_rehash_from(tamper, ids[0], LEGACY)
    check = _check(store)
    assert not check.intact and check.first_broken_id == ids[0]
    assert "upgrade seal" in check.problem("en")


def test_deleted_newest_entries_are_found_against_an_anchor(logged: Any) -> None:
    """A valid prefix is still a valid chain: only an anchor from outside finds the cut."""
    store, tamper, ids = logged
    with store.session() as session:
        published = head_of(session)
    tamper.run("DELETE FROM audit_events WHERE id >= ?", ids[-2])
    assert _check(store).intact  # the chain alone cannot tell
    check = _check(store, [published])
    assert not check.intact and check.first_broken_id is None
    assert f"has {EVENTS - 2} entries" in check.problem("en")
    assert f"已有 {EVENTS} 条" in check.problem("zh")


def test_a_prefix_rewritten_with_the_key_is_found_against_an_anchor(
    logged: Any,
) -> None:
    """Even someone holding the key cannot rewrite history up to a published anchor."""
    store, tamper, _ = logged
    with store.session() as session:
        published = head_of(session)
    tamper.run("DELETE FROM audit_events")
    _log(store)  # a different history of the same length, properly keyed
    assert _check(store).intact
    check = _check(store, [published])
    assert not check.intact and "rewritten" in check.problem("en")


def test_another_key_is_named_not_called_tampering(logged: Any) -> None:
    store, _tamper, ids = logged
    other = AuditKey.of(b"another-key-of-sufficient-length-0123456789", "test")
    with store.session() as session:
        check = verify_chain(session, key=other)
    assert check.first_broken_id == ids[0]
    assert other.key_id in check.problem("en") and "lost key" in check.problem("en")


def test_the_command_exits_0_then_1_naming_the_entry(
    logged: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store, tamper, ids = logged
    assert main(["audit", "verify", "--db", store.url]) == 0
    out = capsys.readouterr().out
    assert f"共 {EVENTS} 条记录" in out
    anchor = out.strip().rsplit(" ", 1)[1]
    assert parse_anchor(anchor).entries == EVENTS
    tamper.run("UPDATE audit_events SET object_id = 'x' WHERE id = ?", ids[5])
    assert main(["audit", "verify", "--db", store.url, "--lang", "en"]) == 1
    assert f"entry {ids[5]} " in capsys.readouterr().err
    tamper.run("DELETE FROM audit_events WHERE id >= ?", ids[5])
    assert main(["audit", "verify", "--db", store.url]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--db", store.url, "--anchor", anchor]) == 1
    assert "末尾的记录被删除" in capsys.readouterr().err


def test_concurrent_appends_keep_one_chain(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Six transactions append at once. Without a lock each reads the same newest entry and
    chains to it (PostgreSQL forks the chain); `record` takes one first."""
    _assert_appends(store, monkeypatch, locked=True)


def test_the_concurrent_append_test_can_fail(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same race with the lock taken out forks the chain: the test above is not vacuous."""
    monkeypatch.setattr(audit, "_hold_the_tail", lambda session: None)
    _assert_appends(store, monkeypatch, locked=False)


def _assert_appends(store: Store, monkeypatch: pytest.MonkeyPatch, locked: bool) -> None:
    _log(store, 1)
    writers = 6
    # Each writer waits, after reading the newest entry, until all have read it (or, when the
    # lock makes them take turns, until the wait times out: then they simply go in turn).
    barrier = threading.Barrier(writers, timeout=1.5)
    real: Callable[..., str] = audit.keyed_hash

    def read_then_wait(content: bytes, key: AuditKey) -> str:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real(content, key)

    monkeypatch.setattr(audit, "keyed_hash", read_then_wait)
    failures: list[BaseException] = []

    def write(i: int) -> None:
        try:
            with store.session() as session:
                record(session, f"w{i}", "test.concurrent", "thing", str(i))
        except BaseException as err:  # a lost race must not be a crash
            failures.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.setattr(audit, "keyed_hash", real)
    check = _check(store)
    if locked:
        assert failures == [] and check.intact and check.events == writers + 1
    else:
        assert failures or not check.intact


LEGACY_TABLE = sa.table(
    "audit_events",
    *(
        sa.column(name, kind)
        for name, kind in (
            ("at", sa.DateTime),
            ("actor", sa.String),
            ("action", sa.String),
            ("object_type", sa.String),
            ("object_id", sa.String),
            ("before", sa.JSON),
            ("after", sa.JSON),
            ("prev_hash", sa.String),
            ("hash", sa.String),
        )
    ),
)


def _legacy_rows(url: str, n: int) -> None:
    """A store as issue 18 found it: migrated to 0002, entries hashed with plain SHA-256."""
    old = open_store(url, migrate=False)
    with old.engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    previous = GENESIS
    with old.engine.begin() as connection:
        for i in range(n):
            row = {
                "at": datetime(2026, 11, 1, 9, 0, i),
                "actor": "reg1",
                "action": "legacy.event",
                "object_type": "thing",
                "object_id": str(i),
                "before": None,
                "after": {"n": i},
                "prev_hash": previous,
            }
            content = {**row, "at": row["at"].isoformat(timespec="microseconds")}
            canonical = json.dumps(
                content, ensure_ascii=False, sort_keys=True, separators=(",", ":")
            )
            digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()  # the old `_digest`
            connection.execute(sa.insert(LEGACY_TABLE).values(**row, hash=digest))
            previous = digest
    old.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def upgraded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Tamper]]:
    """A store written before keys (five unkeyed entries), opened — and so migrated — now."""
    url = empty_database(request.param, tmp_path)
    _legacy_rows(url, 5)
    store = open_store(url)
    tamper = Tamper(store)
    yield store, tamper
    tamper.close()
    store.dispose()


def test_a_store_from_before_keys_is_sealed_on_upgrade_and_still_verifies(
    upgraded: tuple[Store, Tamper],
) -> None:
    store, _tamper = upgraded
    check = _check(store)
    assert check.intact and check.legacy == 5 and check.events == 6
    with store.session() as session:
        seal = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert seal is not None and seal.action == audit.SEAL_ACTION and seal.scheme == KEYED
        assert seal.after == {"legacy_entries": 5, "legacy_head": seal.prev_hash, "scheme": KEYED}
    _log(store, 2)
    assert _check(store).intact and _check(store).events == 8


def test_an_edited_unkeyed_entry_is_found(upgraded: tuple[Store, Tamper]) -> None:
    store, tamper = upgraded
    ids = _ids(store)
    tamper.run("UPDATE audit_events SET actor = 'mallory' WHERE id = ?", ids[1])
    assert _check(store).first_broken_id == ids[1]


def test_unkeyed_entries_rewritten_and_rehashed_break_the_seal(
    upgraded: tuple[Store, Tamper],
) -> None:
    store, tamper = upgraded
    ids = _ids(store)
    tamper.run("UPDATE audit_events SET actor = 'mallory' WHERE id = ?", ids[1])
    _plain_rehash_from(tamper, ids[1], stop=ids[4])  # the unkeyed part: the seal is keyed
    check = _check(store)
    assert check.first_broken_id == ids[5]  # the seal no longer links to the unkeyed head


def test_an_upgraded_log_relabelled_unkeyed_is_found(upgraded: tuple[Store, Tamper]) -> None:
    store, tamper = upgraded
    _log(store, 2)
    ids = _ids(store)
    _plain_rehash_from(tamper, ids[0], LEGACY)
    check = _check(store)
    assert not check.intact and check.first_broken_id == ids[0]
