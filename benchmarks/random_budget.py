"""The large random budget for the property tests: fresh cases, FUZZ_FACTOR × each test's count.

    .venv/bin/python benchmarks/random_budget.py [--factor 20] [--seed N] [--sweep] [PYTEST_ARGS]

`make test` runs the same tests derandomized (profile `ci`, tests/random_budget.py), so chance
never decides a build. Here profile `fuzz` draws new cases: a failure is a finding — Hypothesis
prints the shrunk case and its reproduction blob; keep it as an `@example(...)` beside the test.
Prints, per test, the examples tried (passing / failing / invalid) and seconds; exits 1 if any
test failed. --sweep also mutates every place of every shipped rule file with each wrong kind
of value (a list, a mapping, null, a number, true, a reference to nothing) or deletes it, and
counts the mutants loaded, refused at a line, and crashed (tests/attack/test_wrong_types.py
runs one place per kind in `make test`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Hypothesis' statistics: a test id line, then per phase "N passing examples, M failing ...".
TEST_LINE = re.compile(r"^(tests/\S+::\S+):$")
COUNTS = re.compile(
    r"(\d+) passing(?: examples?)?, (\d+) failing(?: examples?)?,? (?:and )?(\d+) invalid"
)
PHASE = re.compile(r"during (\w+) phase \(([\d.]+) seconds\)")


def rule_file_sweep() -> int:
    """Every place × every wrong kind on every shipped rule file; returns the crash count."""
    import copy

    import yaml

    from rules.loader import load_text
    from tests.attack.test_wrong_types import RULE_FILES, _paths

    wrong: list[object] = [[], {}, None, 1.5, True, {"param": []}, {"field": {}}]
    loaded = refused = 0
    crashes: list[str] = []
    started = time.monotonic()
    for rule_file in RULE_FILES:
        doc = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
        for path in _paths(doc):
            for value in [*wrong, "(deleted)"]:
                mutant = copy.deepcopy(doc)
                parent = mutant
                for step in path[:-1]:
                    parent = parent[step]
                if value == "(deleted)":
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = value
                text = yaml.safe_dump(mutant, allow_unicode=True, sort_keys=False)
                try:
                    package, issues = load_text(text, rule_file.name)
                except Exception as exc:  # a crash is what this sweep looks for
                    crashes.append(f"{rule_file.name} {path} = {value!r}: {exc!r}")
                    continue
                if package is None and issues and all(i.line >= 1 for i in issues):
                    refused += 1
                elif package is not None:
                    loaded += 1
                else:
                    crashes.append(f"{rule_file.name} {path} = {value!r}: refused, no line")
    seconds = time.monotonic() - started
    print(
        f"\nrule-file sweep: {loaded + refused + len(crashes)} mutants of {len(RULE_FILES)} files:"
        f" {loaded} loaded, {refused} refused at a line, {len(crashes)} crashed, {seconds:.0f} s"
    )
    print("\n".join(crashes[:20]))
    return len(crashes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=20, help="times each test's own count")
    parser.add_argument("--seed", type=int, help="Hypothesis seed, to repeat a run")
    parser.add_argument("--sweep", action="store_true", help="also the rule-file sweep")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, e.g. a path")
    args = parser.parse_args()
    env = {**os.environ, "HYPOTHESIS_PROFILE": "fuzz", "JIANGUAN_FUZZ_FACTOR": str(args.factor)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "hypothesis",  # Hypothesis' pytest plugin marks every @given test
        "-p",
        "no:cacheprovider",
        "-q",
        "--hypothesis-show-statistics",
        *([f"--hypothesis-seed={args.seed}"] if args.seed is not None else []),
        *args.pytest_args,
    ]
    started = time.monotonic()
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    rows: dict[str, list[float]] = {}
    current = None
    for line in run.stdout.splitlines():
        line = line.strip()
        if match := TEST_LINE.match(line):
            current = match.group(1)
            rows.setdefault(current, [0, 0, 0, 0.0])
        elif current and (phase := PHASE.search(line)):
            rows[current][3] += float(phase.group(2))
        elif current and (counts := COUNTS.search(line)):
            for i in range(3):
                rows[current][i] += int(counts.group(i + 1))
    print(
        f"profile fuzz, factor {args.factor}, seed {args.seed if args.seed is not None else 'random'}"
    )
    print(f"{'test':<100} {'passing':>8} {'failing':>8} {'invalid':>8} {'s':>7}")
    for name, (ok, bad, invalid, seconds) in sorted(rows.items()):
        print(f"{name:<100} {ok:>8.0f} {bad:>8.0f} {invalid:>8.0f} {seconds:>7.1f}")
    total = [sum(r[i] for r in rows.values()) for i in range(3)]
    print(f"{'total':<100} {total[0]:>8.0f} {total[1]:>8.0f} {total[2]:>8.0f} {wall:>7.1f}")
    crashed = rule_file_sweep() if args.sweep else 0
    if run.returncode not in (0, 5) or crashed:
        print("\nFindings (keep each as an @example beside its test):")
        tail = [s for s in run.stdout.splitlines() if "Falsifying" in s or "reproduce_failure" in s]
        print("\n".join(tail) or run.stdout[-4000:])
        print(run.stderr[-2000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
