"""Bulk (summary) decisions are the explained decisions without the text, whatever was memoised."""

from __future__ import annotations

from datetime import date

import pytest

from rules.decision import decide_records
from rules.registry import load_packages, versions_of
from rules.synthetic import generate

TEXT_ONLY = {"explanation", "why_not", "score", "lists"}


@pytest.mark.parametrize("package_id", sorted(load_packages()))
def test_summary_is_the_explained_decision_without_its_text(package_id: str) -> None:
    records = generate(versions_of(package_id)[-1], 600, seed=3)
    for lang in ("zh", "en"):
        full = decide_records(package_id, records, as_of=date(2026, 6, 30), lang=lang)
        summary = decide_records(
            package_id, records, as_of=date(2026, 6, 30), lang=lang, explained=False
        )
        assert len(full) == len(summary) == len(records)
        for f, s in zip(full, summary, strict=True):
            assert set(f) - set(s) <= TEXT_ONLY
            assert {k: f[k] for k in s} == s
        assert sum("error" not in s for s in summary) > 300


def test_each_summary_names_its_own_as_of_date() -> None:
    # supervision does not read the as-of date, so both dates bind to the same content key
    record = {"id": "E1", "credit_tier": "B"}
    days = [date(2026, 6, 30), date(2026, 7, 1), date(2026, 6, 30)]
    got = [
        decide_records("supervision", [record], as_of=d, explained=False)[0]["as_of"] for d in days
    ]
    assert got == [d.isoformat() for d in days]


def test_editing_one_decision_leaves_the_next_alone() -> None:
    record = {"id": "E1", "established_on": "2010-05-01", "annual_report_filed": True}
    first, second = decide_records(
        "credit-tier", [record, dict(record, id="E2")], as_of=date(2026, 6, 30), explained=False
    )
    first["rules"].append("edited")
    first["basis"].clear()
    first["points"]["age"] = 99
    third = decide_records("credit-tier", [record], as_of=date(2026, 6, 30), explained=False)[0]
    for later in (second, third):
        assert later["rules"] == ["a-score"] and later["basis"] and later["points"]["age"] == 0
