"""Seconds to generate and write a province-sized synthetic registry (target: 1,000,000
enterprises in under 60 s on one core).

Run: .venv/bin/python benchmarks/registry_generate.py [--enterprises N] [--officers M]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

# One core: keep NumPy/Arrow from spreading work over more threads than the target allows.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import pyarrow as pa  # noqa: E402

pa.set_cpu_count(1)
pa.set_io_thread_count(1)

from simulations.officer_pool import generate_officers, officers_for_csv  # noqa: E402
from simulations.synthetic_registry import generate_enterprises, write_csv  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--officers", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        firms = generate_enterprises(args.enterprises, args.seed)
        t1 = time.perf_counter()
        write_csv(firms, out / "enterprises.csv")
        t2 = time.perf_counter()
        staff = generate_officers(args.officers, args.seed, firms.column("id").to_pylist())
        write_csv(officers_for_csv(staff), out / "inspectors.csv")
        t3 = time.perf_counter()
        size = (out / "enterprises.csv").stat().st_size / 2**20

    print(f"enterprises: {args.enterprises:,}  officers: {args.officers:,}  (one core)")
    print(f"generate enterprises: {t1 - t0:6.2f} s")
    print(f"write enterprises.csv: {t2 - t1:6.2f} s  ({size:.0f} MiB)")
    print(f"officers (generate + write): {t3 - t2:6.2f} s")
    print(f"total: {t3 - t0:6.2f} s  (target < 60 s for 1,000,000 enterprises)")


if __name__ == "__main__":
    main()
