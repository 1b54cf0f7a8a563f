"""The keyed audit log's cost: appends a second (one transaction each, as the web makes them)
and verification speed over a long log, on SQLite in a temporary folder.

    .venv/bin/python benchmarks/audit_chain.py [ENTRIES]

Appends go through `jianguan.audit.record` (the append lock, the newest entry, HMAC, insert,
commit); the long log is then filled in bulk with correctly chained keyed rows, so the
verification figure is for `verify_chain` alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("JIANGUAN_AUDIT_KEY", "benchmark-audit-key-0123456789abcdef0123")

from sqlalchemy import insert

from jianguan.audit import (
    KEYED,
    canonical_content,
    head_of,
    keyed_hash,
    record,
    verify_chain,
)
from jianguan.audit_key import audit_key
from jianguan.db import open_store
from jianguan.models import AuditEvent


def main(entries: int) -> None:
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'audit.db'}")
        appends = 500
        started = time.perf_counter()
        for i in range(appends):
            with store.session() as session:
                record(session, "bench", "bench.event", "thing", str(i), None, {"i": i})
        spent = time.perf_counter() - started
        print(f"record(): {appends / spent:,.0f} appends/s ({appends} transactions, SQLite)")

        key = audit_key()
        assert key is not None
        with store.session() as session:
            previous = head_of(session).head
        rows = []
        now = datetime.now(UTC).replace(tzinfo=None)
        for i in range(entries - appends):
            fields = {
                "at": now,
                "actor": "bench",
                "action": "bench.bulk",
                "object_type": "thing",
                "object_id": str(i),
                "before": None,
                "after": {"i": i},
                "prev_hash": previous,
                "scheme": KEYED,
                "key_id": key.key_id,
            }
            previous = keyed_hash(canonical_content(**fields), key)  # type: ignore[arg-type]
            rows.append({**fields, "hash": previous})
        with store.session() as session:
            session.execute(insert(AuditEvent), rows)
        started = time.perf_counter()
        with store.session() as session:
            check = verify_chain(session)
        spent = time.perf_counter() - started
        assert check.intact and check.events == entries, check.problem("en")
        print(f"verify_chain(): {entries:,} entries in {spent:.2f} s ({entries / spent:,.0f}/s)")
        store.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
