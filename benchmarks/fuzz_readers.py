"""File fuzzing with counts: inputs tried per reader and their outcomes (issue 14).

    .venv/bin/python benchmarks/fuzz_readers.py [--inputs 10000] [--seconds 600]
        [--readers NAME ...] [--seed N] [--big] [--jobs 2]

Readers (tests/attack/reader_fuzz.py): registry CSV and .xlsx (enterprises, inspectors),
task.yaml, scenario.yaml, rule files (what `rules check` runs), plan.json (`plan verify`
in-process). Outcomes: accepted / refused with a message / crash / over time (>5 s) / over
memory (>500 MB). --big also reads the crafted big workbooks (zip bombs of 200 MiB and
2 GiB of rows, huge shared strings, a cell at XFD1048576, billion laughs), each in a child
process capped at 4 GB of address space. Readers run in --jobs processes at once. Prints one
line per reader, the first crashes with the kept input, and the commonest refusals; exits 1 if
any crash or limit was hit. Rates are on a shared machine: the neighbours' load shows in them.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.attack.reader_fuzz import READERS, Counts, big_inputs_run, fuzz_reader


def _one(name: str, inputs: int, seconds: float, seed: int | None) -> Counts:
    return fuzz_reader(READERS[name], inputs, seconds, seed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs per reader")
    parser.add_argument("--seconds", type=float, default=600.0, help="cap per reader")
    parser.add_argument("--readers", nargs="*", default=list(READERS), choices=list(READERS))
    parser.add_argument("--seed", type=int, help="Hypothesis seed (default: derandomized)")
    parser.add_argument("--big", action="store_true", help="also the crafted big workbooks")
    parser.add_argument("--jobs", type=int, default=2, help="readers fuzzed at once")
    args = parser.parse_args()
    os.environ.setdefault("JIANGUAN_AUDIT_KEY", "fuzz-readers-audit-key-0123456789abcdef0123")
    bad = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_one, n, args.inputs, args.seconds, args.seed) for n in args.readers]
        for future in futures:
            counts = future.result()
            print(counts.line(), flush=True)
            for crash in counts.crashes:
                print(f"    ! {crash[:400]}")
            for kind, n in counts.refusals.most_common(3):
                print(f"    refused {n:>6}: {kind}")
            bad += not counts.clean
    if args.big:
        from tests.attack.xlsx_craft import big_inputs

        for result in big_inputs_run(big_inputs()):
            print(
                f"{result.name:<46} {result.size_bytes / 1e6:6.2f} MB on disk  {result.outcome:<11} "
                f"{result.seconds:5.1f} s  peak {result.peak_mb:6.0f} MB  {result.detail[:120]}",
                flush=True,
            )
            bad += result.outcome not in ("accepted", "refused")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
