"""schemathesis against the JSON API at a large budget: every operation of
web/api/openapi.json, signed out and signed in as each role, positive and negative cases.

    .venv/bin/python benchmarks/api_fuzz.py [--examples 500] [--seconds 120] [--db URL]

The server is waitress on 127.0.0.1 (a free port) over a fresh store (SQLite in a temporary
folder, or the empty database --db names) with users per role, a small registry and a
published, an approved and a draft plan (tests/attack/api_target.py). Prints, per route ×
caller × mode: requests, status classes, 5xx, responses that break the spec, other check
failures (a 2xx for data the spec forbids); exits 1 if any of those is not zero.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.attack.api_fuzz import fuzz_api, known_values, table
from tests.attack.api_target import CALLERS, build_app, caller, serving


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="cases per route, caller, mode")
    parser.add_argument("--seconds", type=float, default=120.0, help="cap per route, caller, mode")
    parser.add_argument("--db", help="an EMPTY database URL (default: SQLite in a temp folder)")
    parser.add_argument("--seed", type=int, help="Hypothesis seed (default: derandomized)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jg-api-fuzz-") as folder:
        os.environ.setdefault("JIANGUAN_INSTANCE", folder)  # the audit key file goes here
        started = time.monotonic()
        built = build_app(Path(folder), args.db)
        plans = [built.published, built.approved, built.draft]
        print(f"store ready in {time.monotonic() - started:.1f} s: plans {plans}")
        with serving(built.app) as base:
            callers = [caller(base, name) for name in CALLERS]
            started = time.monotonic()
            tallies = fuzz_api(
                base, callers, known_values(plans), args.examples, args.seconds, args.seed
            )
            elapsed = time.monotonic() - started
    print(table(tallies))
    sent = sum(t.requests for t in tallies.values())
    bad = sum(t.server_errors + t.schema_violations + t.other_failures for t in tallies.values())
    server_errors = sum(t.server_errors for t in tallies.values())
    schema = sum(t.schema_violations for t in tallies.values())
    print(
        f"total: {sent} requests in {elapsed:.0f} s ({sent / elapsed:.0f}/s, shared machine), "
        f"{server_errors} 5xx, {schema} responses outside the spec, "
        f"{bad - server_errors - schema} other check failures"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
