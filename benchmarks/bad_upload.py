"""Seconds and peak memory of `jianguan registry import` refusing a file of bad rows under a
real header (issue 18: 1,000,000 such rows, 57 MB, took the web process past 9 GB in 150 s
without finishing; the web upload reads through the same reader as the command line).

    .venv/bin/python benchmarks/bad_upload.py [--rows 1000000]

Each row has three problems (a malformed credit code, district, date). Prints the rows, the file's
size, the problems listed and counted, the seconds and the child's peak resident memory,
beside a three-row valid file's import as the interpreter's own baseline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.attack.bad_upload import bad_rows_csv, import_in_child
from tests.jianguan.samples import enterprises_csv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jg-bad-upload-") as tmp:
        folder = Path(tmp)
        db = f"sqlite:///{folder / 'store.db'}"
        base = import_in_child(enterprises_csv(folder), db)
        print(
            f"baseline: 3 valid rows imported in {base.seconds:.1f} s, peak {base.peak_mb:.0f} MB"
        )
        path = bad_rows_csv(folder / "bad.csv", args.rows)
        run = import_in_child(path, db)
        summary = run.stderr.strip().splitlines()[-1]
        print(
            f"{args.rows:,} bad rows ({path.stat().st_size / 1e6:.0f} MB): exit {run.exit_code} "
            f"in {run.seconds:.1f} s, peak {run.peak_mb:.0f} MB, {run.listed:,} problems listed"
        )
        print(f"  {summary}")
        return 0 if run.exit_code == 1 and run.listed == 1_000 else 1


if __name__ == "__main__":
    sys.exit(main())
