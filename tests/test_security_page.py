"""docs/security.md stays true: every Level 2 requirement of the chapters it covers is there,
each test it names exists, pending proofs are marked for the lead, and the counts at the top
are the table's."""

from __future__ import annotations

import ast
import re
from collections import Counter
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "security.md"
STATUSES = {"met", "design", "pending", "gap", "n/a"}
TEST_REF = re.compile(r"(tests/[\w/]+\.py)::(\w+)")

# ASVS 4.0.3 (tag v4.0.3_release), chapters V2 V3 V4 V5 V7 V8 V12 V13 V14: every requirement
# with a Level 2 mark (L3-only and deleted ones left out).
_ASVS_L2_IDS = """
2.1.1 2.1.2 2.1.3 2.1.4 2.1.5 2.1.6 2.1.7 2.1.8 2.1.9 2.1.10 2.1.11 2.1.12 2.2.1 2.2.2 2.2.3
2.3.1 2.3.2 2.3.3 2.4.1 2.4.2 2.4.3 2.4.4 2.4.5 2.5.1 2.5.2 2.5.3 2.5.4 2.5.5 2.5.6 2.5.7
2.6.1 2.6.2 2.6.3 2.7.1 2.7.2 2.7.3 2.7.4 2.7.5 2.7.6 2.8.1 2.8.2 2.8.3 2.8.4 2.8.5 2.8.6
2.8.7 2.9.1 2.9.2 2.9.3 2.10.1 2.10.2 2.10.3 2.10.4
3.1.1 3.2.1 3.2.2 3.2.3 3.2.4 3.3.1 3.3.2 3.3.3 3.3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.5.1
3.5.2 3.5.3 3.7.1
4.1.1 4.1.2 4.1.3 4.1.5 4.2.1 4.2.2 4.3.1 4.3.2 4.3.3
5.1.1 5.1.2 5.1.3 5.1.4 5.1.5 5.2.1 5.2.2 5.2.3 5.2.4 5.2.5 5.2.6 5.2.7 5.2.8 5.3.1 5.3.2
5.3.3 5.3.4 5.3.5 5.3.6 5.3.7 5.3.8 5.3.9 5.3.10 5.4.1 5.4.2 5.4.3 5.5.1 5.5.2 5.5.3 5.5.4
7.1.1 7.1.2 7.1.3 7.1.4 7.2.1 7.2.2 7.3.1 7.3.3 7.3.4 7.4.1 7.4.2 7.4.3
8.1.1 8.1.2 8.1.3 8.1.4 8.2.1 8.2.2 8.2.3 8.3.1 8.3.2 8.3.3 8.3.4 8.3.5 8.3.6 8.3.7 8.3.8
12.1.1 12.1.2 12.1.3 12.2.1 12.3.1 12.3.2 12.3.3 12.3.4 12.3.5 12.3.6 12.4.1 12.4.2 12.5.1
12.5.2 12.6.1
13.1.1 13.1.3 13.1.4 13.1.5 13.2.1 13.2.2 13.2.3 13.2.5 13.2.6 13.3.1 13.3.2 13.4.1 13.4.2
14.1.1 14.1.2 14.1.3 14.1.4 14.2.1 14.2.2 14.2.3 14.2.4 14.2.5 14.2.6 14.3.2 14.3.3 14.4.1
14.4.2 14.4.3 14.4.4 14.4.5 14.4.6 14.4.7 14.5.1 14.5.2 14.5.3 14.5.4
"""
ASVS_L2 = _ASVS_L2_IDS.split()


@cache
def rows() -> list[tuple[str, str, str]]:
    """(id, status, test cell) for each table row whose first cell is an ASVS id."""
    found = []
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"\d+\.\d+\.\d+", cells[0]):
            found.append((cells[0], cells[2], cells[4]))
    return found


def _tested_ids() -> set[str]:
    return {rid for rid, _status, tests in rows() if TEST_REF.search(tests)}


def test_every_level_2_requirement_is_on_the_page_once() -> None:
    assert len(ASVS_L2) == len(set(ASVS_L2)) == 188
    listed = {rid for rid, _, _ in rows()}
    assert listed == set(ASVS_L2), sorted(listed ^ set(ASVS_L2))
    repeated = Counter(rid for rid, _, _ in rows())
    for rid, times in repeated.items():  # a second row is only a pending proof of more
        extra = [s for r, s, _ in rows() if r == rid][1:]
        assert times == 1 or extra == ["pending"] * (times - 1), rid


def test_every_named_test_exists() -> None:
    for rid, status, tests in rows():
        assert status in STATUSES, f"{rid}: status {status!r}"
        refs = TEST_REF.findall(tests)
        if status == "met":
            assert refs, f"{rid} is met: name the test that proves it"
        if status == "pending":
            assert "(test: pending)" in tests, f"{rid}: mark it for the lead"
        for path, name in refs:
            source = ROOT / path
            assert source.is_file(), f"{rid}: no file {path}"
            names = {
                node.name
                for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
                if isinstance(node, ast.FunctionDef)
            }
            assert name in names, f"{rid}: {path} has no test {name}"


def test_the_counts_at_the_top_are_the_tables() -> None:
    status_of: dict[str, str] = {}
    for rid, status, _ in rows():
        status_of.setdefault(rid, status)  # a requirement's first row says where it stands
    counts = Counter(status_of.values())
    pending_rows = sum(1 for _, status, _ in rows() if status == "pending")
    text = " ".join(PAGE.read_text(encoding="utf-8").split())  # lines wrap anywhere
    expected = (
        f"**{len(status_of)} lines**",
        f"**{counts['met']} met, {len(_tested_ids())} with a test**",
        f"{counts['design']} met by design",
        f"{counts['gap']} known gaps",
        f"{counts['n/a']} not applicable",
        f"{counts['pending']} pending",
        f"{pending_rows} row{'' if pending_rows == 1 else 's'} pending on helper branches",
    )
    for phrase in expected:
        assert phrase in text, f"the page's summary should say {phrase}"
