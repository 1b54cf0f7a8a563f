"""p99 latency of the public pages under 50 concurrent clients on loopback (target < 300 ms).

    .venv/bin/python benchmarks/web_public_load.py [--clients 50] [--requests 40]

The server is `jianguan web`'s own (waitress, 8 threads) in a separate process on 127.0.0.1,
serving a store with a published 3,000-inspection plan. Each client keeps one connection and
sends a bounded number of requests (clients × requests in all), cycling through the public
index, the plan page (first and a later page of inspections) and the plan page in English.
Latency is measured by the client from send to the last byte. Each client opens its
connection first and all start together at a barrier, so thread start-up and TCP connects in
this (Python) client are not counted as server latency; the first round is still a burst of
50 simultaneous requests. Prints percentiles, also without each client's first request;
asserts nothing. Loopback only: never point this at another host.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.web_client import HOST, free_port, percentile, wait_until_up
from benchmarks.web_plan_store import build

SERVER = """
import sys
from web.app import create_app
from web.serve import serve
serve(create_app(sys.argv[1], {"SECRET_KEY": "bench"}), "127.0.0.1", int(sys.argv[2]))
"""


def client(
    port: int,
    paths: list[str],
    count: int,
    out: list[float],
    firsts: list[float],
    errors: list[str],
    start: threading.Barrier,
) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.connect()
    start.wait()
    for n in range(count):
        path = paths[n % len(paths)]
        began = time.perf_counter()
        try:
            conn.request("GET", path)
            reply = conn.getresponse()
            reply.read()
            if reply.status != 200:
                errors.append(f"{path}: {reply.status}")
        except (OSError, http.client.HTTPException) as err:
            errors.append(f"{path}: {err}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        (firsts if n == 0 else out).append(time.perf_counter() - began)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="per client")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, plan_id = build(Path(tmp))
        port = free_port()
        env = {**os.environ, "JIANGUAN_INSTANCE": tmp}
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(port)],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port)
            paths = [
                "/public/",
                f"/public/plans/{plan_id}",
                f"/public/plans/{plan_id}?page=7",
                f"/public/plans/{plan_id}?lang=en",
            ]
            for path in paths:  # one warm-up request each (first renders fill the cache)
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                conn.request("GET", path)
                conn.getresponse().read()
                conn.close()
            later: list[float] = []
            firsts: list[float] = []
            errors: list[str] = []
            start = threading.Barrier(args.clients + 1)
            threads = [
                threading.Thread(
                    target=client,
                    args=(port, paths, args.requests, later, firsts, errors, start),
                )
                for _ in range(args.clients)
            ]
            for t in threads:
                t.start()
            start.wait()
            began = time.perf_counter()
            for t in threads:
                t.join()
            wall = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(timeout=10)
    ms = [v * 1000 for v in firsts + later]
    steady = [v * 1000 for v in later]
    print(
        f"{len(ms)} requests by {args.clients} concurrent clients in {wall:.1f} s "
        f"({len(ms) / wall:.0f} req/s), {len(errors)} errors"
    )
    print(
        f"latency ms: p50 {percentile(ms, 0.50):.1f}, p95 {percentile(ms, 0.95):.1f}, "
        f"p99 {percentile(ms, 0.99):.1f}, max {max(ms):.1f}, mean {statistics.mean(ms):.1f} "
        "(target p99 < 300 ms)"
    )
    print(
        f"without the opening burst (each client's first request): p99 "
        f"{percentile(steady, 0.99):.1f}, max {max(steady):.1f}"
    )
    if errors:
        print("first errors: " + "; ".join(errors[:5]))


if __name__ == "__main__":
    main()
