"""kill -9 in the middle of a write: the registry import (the command line, a subprocess),
plan approval, publication and rule sign-off (the web's own request, in a forked process).

Each try kills the writer at one point — right before its COMMIT (tests/attack/hold_commit.py:
every statement sent, nothing committed), at a random moment while its write transaction is
open (seen from outside: SQLite's write lock taken, a PostgreSQL backend with a transaction
id), or at a random moment of the whole run — and then reads the store: it must be exactly as
before or exactly as after, `jianguan audit verify` must pass, and the same step run again
must work.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
# "before commit" holds at the first writing commit, "before commit 2" at the second: a step
# that is one transaction never reaches it and simply finishes.
KILL_POINTS = ("before commit", "in the write", "any time", "before commit 2")


def hold_nth(point: str) -> int:
    return 2 if point == "before commit 2" else 1


# --- what the store holds -------------------------------------------------------------------


def digest(url: str, queries: Sequence[str]) -> str:
    """A hash of what `queries` return (rows in the order the queries give), on a connection
    of its own: the same content gives the same digest on SQLite and PostgreSQL."""
    engine = create_engine(url)
    try:
        hasher = hashlib.sha256()
        with engine.connect() as conn:
            for query in queries:
                for row in conn.execute(text(query)):
                    hasher.update(repr(tuple(_plain(v) for v in row)).encode())
        return hasher.hexdigest()
    finally:
        engine.dispose()


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | str):
        return value
    return str(value)


def audit_verifies(url: str) -> tuple[bool, str]:
    """`jianguan audit verify --db URL`, in this process: (exit 0, what it printed)."""
    from jianguan.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["audit", "verify", "--db", url])
    return code == 0, (out.getvalue() + err.getvalue()).strip()


# --- seeing a write transaction from outside --------------------------------------------------


def write_open(url: str) -> Callable[[], bool]:
    """A probe: is some other connection inside a write transaction on this database now?"""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        assert path

        def sqlite_probe() -> bool:
            conn = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")  # takes the write lock if nobody holds it
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True  # "database is locked": a writer is in its transaction
            finally:
                conn.close()

        return sqlite_probe

    engine = create_engine(url, pool_size=1)
    query = text(
        "select count(*) from pg_stat_activity where datname = current_database() "
        "and backend_xid is not null and pid <> pg_backend_pid()"
    )

    def pg_probe() -> bool:
        with engine.connect() as conn:
            return bool(conn.execute(query).scalar())

    return pg_probe


# --- one kill -------------------------------------------------------------------------------


@dataclass
class Kill:
    point: str
    landed: str = ""  # "before", "after", or what else was found
    waited_s: float = 0.0
    note: str = ""


@dataclass
class FaultReport:
    name: str
    backend: str
    kills: list[Kill] = field(default_factory=list)
    audit_ok: int = 0
    next_run_ok: int = 0

    def line(self) -> str:
        by_point = {p: [k.landed for k in self.kills if k.point == p] for p in KILL_POINTS}
        parts = "  ".join(
            f"{p}: {len(v)} (before {v.count('before')}, after {v.count('after')})"
            for p, v in by_point.items()
            if v
        )
        odd = [k for k in self.kills if k.landed not in ("before", "after")]
        return (
            f"{self.name:<22} {self.backend:<10} kills {len(self.kills):>3}  {parts}  "
            f"other {len(odd)}  audit verify ok {self.audit_ok}/{len(self.kills)}  "
            f"next run ok {self.next_run_ok}/{len(self.kills)}"
        )


def _wait_for(predicate: Callable[[], bool], alive: Callable[[], bool], limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        if not alive():
            return False
        time.sleep(0.002)
    return False


def kill_at(
    pid: int,
    point: str,
    alive: Callable[[], bool],
    hold_signal: Path,
    in_write: Callable[[], bool],
    rng: random.Random,
    typical_s: float,
    write_spread_s: float,
) -> tuple[float, str]:
    """Kill `pid` (SIGKILL) at `point`: "in the write" up to `write_spread_s` after the write
    transaction was seen open, "any time" within its typical run. Returns the seconds waited
    and a note."""
    started = time.monotonic()
    note = ""
    if point.startswith("before commit"):
        if not _wait_for(hold_signal.exists, alive, 120):
            note = "finished: no such commit"
    elif point == "in the write":
        if _wait_for(in_write, alive, 120):
            time.sleep(rng.uniform(0, write_spread_s))
        else:
            note = "finished before a write was seen"
    else:
        time.sleep(rng.uniform(0, typical_s * 1.2))
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return time.monotonic() - started, note


# --- the command line: a subprocess ---------------------------------------------------------


def cli_command(hold_signal: Path | None, args: Sequence[str], nth: int = 1) -> list[str]:
    if hold_signal is None:
        return [sys.executable, "-m", "jianguan.cli", *args]
    return [sys.executable, "-m", "tests.attack.hold_commit", str(hold_signal), str(nth), *args]


def run_cli_process(
    args: Sequence[str], hold_signal: Path | None = None, nth: int = 1
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("JIANGUAN_INSTANCE", tempfile.mkdtemp(prefix="jg-fault-instance-"))
    return subprocess.Popen(
        cli_command(hold_signal, args, nth),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --- a web request: a forked child -----------------------------------------------------------


def fork_request(
    app: Any,
    cookie: str,
    path: str,
    form: dict[str, str],
    hold_signal: Path | None,
    nth: int = 1,
) -> int:
    """Fork; the child sends POST `path` with `form` through `app` as the session `cookie`
    (and, with `hold_signal`, stops right before its `nth` writing commit). Returns the
    child's pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the child: never return into the test runner
        from web.extensions import store_of

        engine = store_of(app).engine
        engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        if hold_signal is not None:
            from tests.attack.hold_commit import hold_before_commit

            hold_before_commit(engine, hold_signal, nth)
        client = app.test_client()
        client.set_cookie("session", cookie)
        reply = client.post(path, data=form)
        code = 0 if reply.status_code in (200, 302) else 3
    finally:
        os._exit(code)


def reap(pid: int) -> int | None:
    """Wait for a forked child; its exit code, or None when it was killed."""
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None


def alive_pid(pid: int) -> Callable[[], bool]:
    def check() -> bool:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            # Reaped here: remember it so reap() does not wait for it again.
            _REAPED[pid] = _status
            return False
        return True

    return check


_REAPED: dict[int, int] = {}


def reap_any(pid: int) -> None:
    if pid in _REAPED:
        _REAPED.pop(pid)
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
