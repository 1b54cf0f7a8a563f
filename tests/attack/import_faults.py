"""`jianguan registry import` under kill -9 (tests/attack/faults.py), on an empty or a
PostgreSQL database URL given by the caller.

The store holds a registry already ("before": a first import); the import under test loads a
larger one over it. Every try starts from that same "before" store, kills the command line
at one point, and reads the registry tables back: they must equal "before" or "after" (a
reference run's result) row for row, with one registry.import audit row more for "after" and
none for "before".
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from jianguan.db import open_store
from jianguan.models import AuditEvent
from jianguan.registry_store import import_registry
from simulations.synthetic_registry import write_registry
from tests.attack.faults import (
    KILL_POINTS,
    FaultReport,
    Kill,
    audit_verifies,
    digest,
    hold_nth,
    kill_at,
    run_cli_process,
    write_open,
)

REGISTRY_TABLES = ("enterprises", "officers", "departments")


def registry_queries(url: str) -> list[str]:
    """Every registry table, every column but timestamps, in key order."""
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        queries = []
        for table in REGISTRY_TABLES:
            columns = [
                c["name"] for c in inspector.get_columns(table) if not c["name"].endswith("_at")
            ]
            keys = inspector.get_pk_constraint(table)["constrained_columns"] or columns[:1]
            queries.append(f"select {', '.join(columns)} from {table} order by {', '.join(keys)}")
        return queries
    finally:
        engine.dispose()


def import_rows(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "registry.import")
                ).scalar_one()
            )
    finally:
        engine.dispose()


@dataclass
class ImportCase:
    url: str
    folder: Path
    before_files: tuple[Path, Path]
    files: tuple[Path, Path]
    template: Path | None = None  # SQLite: the "before" store, copied for each try

    @property
    def sqlite_path(self) -> Path | None:
        parsed = make_url(self.url)
        return (
            Path(parsed.database)
            if parsed.get_backend_name() == "sqlite" and parsed.database
            else None
        )

    def args(self) -> list[str]:
        enterprises, inspectors = self.files
        return [
            "registry",
            "import",
            "--enterprises",
            str(enterprises),
            "--inspectors",
            str(inspectors),
            "--db",
            self.url,
        ]

    def reset(self) -> None:
        """The store as before the import under test."""
        target = self.sqlite_path
        if target is not None and self.template is not None:
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template, target)
            return
        if target is None:
            engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("drop schema public cascade"))
                conn.execute(text("create schema public"))
            engine.dispose()
        store = open_store(self.url)
        try:
            import_registry(
                store,
                enterprises=self.before_files[0],
                inspectors=self.before_files[1],
                actor="setup",
            )
            if target is not None:
                with store.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            store.dispose()
        if target is not None:
            self.template = self.folder / "before.db"
            shutil.copyfile(target, self.template)


def make_case(url: str, rows: int, folder: Path | None = None) -> ImportCase:
    """Registry files: 1,000 enterprises before, `rows` (other enterprises) in the import."""
    where = folder or Path(tempfile.mkdtemp(prefix="jg-import-fault-"))
    before = write_registry(
        where / "before", enterprises=1_000, officers=40, seed=1, districts=["3601"]
    )
    after = write_registry(
        where / "import",
        enterprises=rows,
        officers=max(40, rows // 200),
        seed=2,
        districts=["3601"],
    )
    return ImportCase(url, where, before, after)


def _run_to_end(case: ImportCase) -> tuple[int, float, str]:
    started = time.monotonic()
    process = run_cli_process(case.args())
    out, err = process.communicate(timeout=900)
    return process.returncode, time.monotonic() - started, (out + err).strip()


def kill_import(
    case: ImportCase, tries: int, seed: int = 14, next_run_each: bool = True
) -> FaultReport:
    rng = random.Random(seed)
    backend = make_url(case.url).get_backend_name()
    report = FaultReport(f"registry import ({len_rows(case)})", backend)
    case.reset()
    queries = registry_queries(case.url)
    before = digest(case.url, queries)
    logged_before = import_rows(case.url)
    code, typical, said = _run_to_end(case)  # the reference run: what "after" is
    assert code == 0, said
    after = digest(case.url, queries)
    assert after != before
    in_write = write_open(case.url)
    for attempt in range(tries):
        point = KILL_POINTS[attempt % len(KILL_POINTS)]
        case.reset()
        hold = Path(tempfile.mkdtemp(prefix="jg-hold-")) / "holding"
        held = point.startswith("before commit")
        process = run_cli_process(case.args(), hold if held else None, hold_nth(point))
        waited, note = kill_at(
            process.pid,
            point,
            lambda p=process: p.poll() is None,
            hold,
            in_write,
            rng,
            typical,
            typical / 10,
        )
        process.wait(timeout=60)
        if process.returncode == 0 and not note:
            note = "finished before the kill"
        now, logged = digest(case.url, queries), import_rows(case.url) - logged_before
        if (now, logged) == (before, 0):
            landed = "before"
        elif (now, logged) == (after, 1):
            landed = "after"
        else:
            landed = f"neither: {logged} new import rows, content {'before' if now == before else 'after' if now == after else 'other'}"
        kill = Kill(point, landed, waited, note.strip())
        report.kills.append(kill)
        ok, message = audit_verifies(case.url)
        report.audit_ok += ok
        if not ok:
            kill.note += f" audit verify: {message[:300]}"
        if next_run_each or attempt == tries - 1:
            code, _seconds, said = _run_to_end(case)
            ok_next = code == 0 and digest(case.url, queries) == after
            report.next_run_ok += ok_next
            if not ok_next:
                kill.note += f" next run: exit {code} {said[-300:]}"
    return report


def len_rows(case: ImportCase) -> str:
    with case.files[0].open(encoding="utf-8") as handle:
        return f"{sum(1 for _ in handle) - 1:,} rows"
