"""Pausing a process just before it commits, so a test can kill it there (test-only).

`hold_before_commit(engine, signal, nth)` makes the `nth` transaction on `engine` that wrote
a row (INSERT, UPDATE, DELETE) stop right before its COMMIT: every statement has reached the
database, nothing of it is committed; `signal` is created, and the process sleeps until it is
killed. With nth=2 a step that should be one transaction is caught if it commits twice (the
kill then leaves the first part written). Nothing in the product carries this hook: the test installs it in the process it is
about to kill — a forked child, or the command line run through this module:

    python -m tests.attack.hold_commit SIGNAL_FILE NTH registry import --enterprises E.csv ...

(installed on every engine that process creates, then `jianguan.cli.main(ARGS)`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

WRITES = ("insert", "update", "delete")


def _install(target: Any, signal: Path, nth: int) -> None:
    commits = [0]

    @event.listens_for(target, "before_cursor_execute")
    def _note_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().lower().startswith(WRITES):
            conn.info["jianguan_test_wrote"] = True

    @event.listens_for(target, "commit")
    def _hold(conn: Any) -> None:
        # ConnectionEvents.commit runs before the DBAPI commit is sent.
        if conn.info.pop("jianguan_test_wrote", False):
            commits[0] += 1
            if commits[0] < nth:
                return
            signal.write_text("holding", encoding="utf-8")
            while True:
                time.sleep(60)


def hold_before_commit(engine: Engine, signal: Path, nth: int = 1) -> None:
    _install(engine, signal, nth)


def main(argv: list[str]) -> int:
    from jianguan.cli import main as jianguan_main

    signal, nth, args = Path(argv[0]), int(argv[1]), argv[2:]
    _install(Engine, signal, nth)  # every engine this process makes
    return jianguan_main(args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
