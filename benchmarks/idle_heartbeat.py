"""How often an idle-class worker's heartbeat thread gets to run when the machine is full.

    .venv/bin/python benchmarks/idle_heartbeat.py [--seconds 30] [--hogs 4] [--every 1.0]

`jianguan worker` runs in the idle scheduling class (jianguan/cpu_priority.py). A job whose
heartbeat is older than `--stale-after` (60 s by default) is taken over by another worker, so
the heartbeat must keep beating even when web processes use every core. Here `--hogs` normal
processes spin, and this process lowers itself to the idle class (as the worker does) and runs
a busy job thread beside a thread that wakes every `--every` seconds, as the heartbeat does.
Printed: how many beats there were and the longest gap between two.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jianguan.cpu_priority import lower

SPIN = "while True: pass"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--hogs", type=int, default=4, help="normal processes spinning")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between beats")
    args = parser.parse_args()
    hogs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(args.hogs)]
    try:
        runs_at = lower("idle")
        until = time.monotonic() + args.seconds

        def job() -> None:  # the job's own work, in the same class, holding the GIL often
            while time.monotonic() < until:
                sum(range(1000))

        threading.Thread(target=job, daemon=True).start()
        gaps: list[float] = []
        last = time.monotonic()
        while time.monotonic() < until:
            time.sleep(args.every)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    print(
        f"{len(gaps)} beats in {args.seconds:.0f} s at {runs_at} beside {args.hogs} spinning "
        f"normal processes: longest gap {max(gaps):.2f} s (asked {args.every:.1f} s); "
        f"a job is taken over after 60 s without one"
    )


if __name__ == "__main__":
    main()
