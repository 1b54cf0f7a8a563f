"""Seconds to validate and import 100,000 enterprises (and their officers) into SQLite.

Target (issue 2): under 30 s. Run: .venv/bin/python benchmarks/registry_import.py [--enterprises N]
Prints the generation time separately; only the import is the measured figure.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jianguan.db import open_store
from jianguan.registry_store import import_registry
from simulations.synthetic_registry import write_registry


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--officers", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        e_path, i_path = write_registry(
            folder, enterprises=args.enterprises, officers=args.officers, seed=1
        )
        print(f"generate: {time.perf_counter() - started:.2f} s (not part of the figure)")
        store = open_store(f"sqlite:///{folder / 'bench.db'}")
        started = time.perf_counter()
        report = import_registry(store, enterprises=e_path, inspectors=i_path)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = import_registry(store, enterprises=e_path, inspectors=i_path)
        second = time.perf_counter() - started
        store.dispose()
    print(
        f"import {args.enterprises} enterprises + {args.officers} officers into SQLite: {first:.2f} s"
    )
    print(f"  ({report.describe('en')})")
    print(f"re-import of the same files (nothing changes): {second:.2f} s")
    print(f"  ({again.describe('en')})")
    print(f"target < 30 s: {'met' if first < 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
