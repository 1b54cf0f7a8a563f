"""Server time to render the review page of a 3,000-inspection plan (target: under 1 s).

    .venv/bin/python benchmarks/web_review.py [--repeat 7]

Renders through Flask's test client (the whole request in the server: gate, queries, the
calendars by officer and by district, the why of every inspection), so no network or browser
time is counted. Prints every render and the median; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.web_plan_store import PASSWORD, build
from web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, plan_id = build(Path(tmp))
        app = create_app(url, {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        client.post("/login", data={"username": "author", "password": PASSWORD})
        times = []
        size = 0
        for _ in range(args.repeat):
            began = time.perf_counter()
            reply = client.get(f"/plans/{plan_id}")
            times.append(time.perf_counter() - began)
            assert reply.status_code == 200, reply.status_code
            size = len(reply.data)
        html = reply.get_data(as_text=True)
        rows = html.count("<tr>")
        print(f"review page: {size / 1e6:.2f} MB, {rows} table rows")
        print("renders (s): " + ", ".join(f"{t:.3f}" for t in times))
        print(f"median {statistics.median(times):.3f} s, max {max(times):.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
