"""kill -9 under writes, with counts: a 100,000-row registry import (the command line) and
the web's plan approval, publication and rule sign-off (tests/attack/faults.py).

    .venv/bin/python benchmarks/faults.py [--rows 100000] [--import-tries 8]
        [--web-tries 40] [--pg URL]

Each try kills the writer right before its first or second writing COMMIT, at a random
moment of its open write transaction, or at a random moment of the run; then checks the store
is exactly before or after, `jianguan audit verify` passes, and the same step run again works.
SQLite in a temporary folder always; PostgreSQL too with --pg, an EMPTY database whose public
schema this script drops and rebuilds. Prints one line per step and backend; exits 1 on any
store found half-written, chain broken or next run failing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.attack.faults import FaultReport
from tests.attack.import_faults import kill_import, make_case
from tests.attack.web_faults import TRANSITIONS, build_stage, kill_transition
from web.extensions import store_of


def _reset_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("drop schema public cascade"))
        conn.execute(text("create schema public"))
    engine.dispose()


def _bad(report: FaultReport) -> bool:
    odd = any(k.landed not in ("before", "after") for k in report.kills)
    return odd or report.audit_ok < len(report.kills) or report.next_run_ok < len(report.kills)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="enterprises in the import")
    parser.add_argument("--import-tries", type=int, default=8)
    parser.add_argument("--web-tries", type=int, default=40, help="kills per web step")
    parser.add_argument("--pg", help="an EMPTY PostgreSQL database URL (its schema is dropped)")
    args = parser.parse_args()
    os.environ.setdefault("JIANGUAN_AUDIT_KEY", "fault-benchmark-audit-key-0123456789abcdef01")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="jg-faults-") as folder:
        os.environ.setdefault("JIANGUAN_INSTANCE", folder)
        urls = [f"sqlite:///{folder}/web.db"] + ([args.pg] if args.pg else [])
        for url in urls:
            if url.startswith("postgresql"):
                _reset_pg(url)
            started = time.monotonic()
            stage = build_stage(url)
            backend = store_of(stage.app).engine.dialect.name
            for transition in TRANSITIONS.values():
                report = kill_transition(stage, transition, backend, args.web_tries)
                print(report.line(), flush=True)
                failed += _bad(report)
            store_of(stage.app).dispose()
            print(f"    web steps on {backend}: {time.monotonic() - started:.0f} s", flush=True)
        import_urls = [f"sqlite:///{folder}/import.db"] + ([args.pg] if args.pg else [])
        for url in import_urls:
            started = time.monotonic()
            case = make_case(url, args.rows, Path(folder) / f"files-{len(url)}")
            report = kill_import(case, args.import_tries)
            print(report.line(), flush=True)
            for kill in report.kills:
                print(
                    f"    {kill.point:<16} after {kill.waited_s:5.1f} s: {kill.landed} {kill.note}"
                )
            print(f"    import kills: {time.monotonic() - started:.0f} s", flush=True)
            failed += _bad(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
