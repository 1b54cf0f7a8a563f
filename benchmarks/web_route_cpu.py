"""CPU per request of each route `benchmarks/web_load.py` browses, one request at a time.

    .venv/bin/python benchmarks/web_route_cpu.py --db postgresql+psycopg://USER:PW@127.0.0.1/DB \\
        [--requests 200] [--reset]

Under load the web processes' CPU per request decides how long requests queue for the GIL and
the cores. Here it is measured without the queueing: the store is built as web_load.py
builds it (not timed), one reviewer signs in to an app in this process, and each route is
requested `--requests` times after one warm request. Printed per route: this thread's CPU
(the web's own work), the wall time, the SQL statements per request, and the CPU the
PostgreSQL server processes spent meanwhile (read from /proc, so on this machine only).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from benchmarks.web_client import CSRF_FIELD
from benchmarks.web_load import browsed_pages, build_store, checked_url, empty_schema
from web.demo import DemoSize, demo_password

TICKS = os.sysconf("SC_CLK_TCK")


def postgres_cpu_s() -> float:
    """CPU seconds of every PostgreSQL server process alive now."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if not f.read().startswith(b"postgres"):
                    continue
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (postgresql+psycopg://…)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reset", action="store_true", help="drop the database's tables first")
    args = parser.parse_args()
    url = checked_url(args.db)
    with tempfile.TemporaryDirectory(prefix="web-route-cpu-") as tmp:
        os.environ.update(
            JIANGUAN_INSTANCE=tmp,
            JIANGUAN_SECRET_KEY=secrets.token_hex(32),
            JIANGUAN_AUDIT_KEY=secrets.token_hex(32),
        )
        empty_schema(url, args.reset)
        print("setup (not timed):", flush=True)
        plan_id = build_store(url, Path(tmp), DemoSize())
        measure(url, plan_id, args.requests)


def measure(url: str, plan_id: int, requests: int) -> None:
    from web.app import create_app
    from web.extensions import store_of

    app = create_app(url, {"JOBS_IN_PROCESS": False})
    statements = [0]
    event.listen(
        store_of(app).engine,
        "before_cursor_execute",
        lambda *_a, **_k: statements.__setitem__(0, statements[0] + 1),
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    found = CSRF_FIELD.search(page)
    assert found is not None, "the sign-in page has no CSRF field"
    form = {"username": "regulator", "password": demo_password("regulator")}
    signed = client.post("/login", data={**form, "csrf_token": found.group(1)})
    assert signed.status_code == 302, f"sign-in failed: HTTP {signed.status_code}"
    routes = dict(browsed_pages(plan_id))
    print(f"{'route':<12} {'CPU ms':>7} {'wall ms':>8} {'SQL':>5} {'PG CPU ms':>10} {'bytes':>9}")
    total_cpu = 0.0
    for route, path in routes.items():
        assert client.get(path).status_code == 200, f"GET {path} failed"  # warm, untimed
        statements[0] = 0
        pg, cpu, wall = postgres_cpu_s(), time.thread_time(), time.perf_counter()
        for _ in range(requests):
            reply = client.get(path)
        cpu = (time.thread_time() - cpu) / requests
        wall = (time.perf_counter() - wall) / requests
        pg = (postgres_cpu_s() - pg) / requests
        total_cpu += cpu
        print(
            f"{route:<12} {1000 * cpu:7.2f} {1000 * wall:8.2f} {statements[0] / requests:5.1f} "
            f"{1000 * pg:10.2f} {len(reply.data):9}"
        )
    print(
        f"mean CPU per request over the routes (as web_load.py mixes them): "
        f"{1000 * total_cpu / len(routes):.2f} ms"
    )
    store_of(app).dispose()


if __name__ == "__main__":
    main()
