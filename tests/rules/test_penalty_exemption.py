"""formats.md §5 law cases, decided by both engines."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rules.api import decide
from rules.decision import decide_records
from tests.rules.conftest import PENALTY, write

ENGINES = ["durable", "vector"]
BASE: dict[str, Any] = {
    "minor": False,
    "harm": "significant",
    "corrected_in_time": False,
    "first_offence": False,
    "no_fault_proven": False,
    "occurred_on": "2025-03-01",
    "discovered_on": "2025-06-01",
    "life_health_financial_safety": False,
}
AS_OF = date(2026, 11, 1)


def case(**changes: Any) -> dict[str, Any]:
    return {"id": "c", **BASE, **changes}


CASES = [
    ("plain violation", {}, "penalise", []),
    (
        "Art. 33(1) first sentence",
        {"minor": True, "corrected_in_time": True, "harm": "none"},
        "no_penalty",
        ["art33-1-minor-no-harm"],
    ),
    ("Art. 33(2) no fault", {"no_fault_proven": True}, "no_penalty", ["art33-2-no-fault"]),
    (
        "Art. 33(1) second sentence",
        {"first_offence": True, "harm": "slight", "corrected_in_time": True},
        "may_waive",
        ["art33-1-first-offence"],
    ),
    ("first offence but not corrected", {"first_offence": True, "harm": "slight"}, "penalise", []),
    ("Art. 32 mitigating", {"mitigating": ["coerced"]}, "mitigate", ["art32-mitigate"]),
    (
        "no penalty beats mitigate",
        {"no_fault_proven": True, "mitigating": ["meritorious"]},
        "no_penalty",
        ["art33-2-no-fault", "art32-mitigate"],
    ),
    (
        "Art. 36 two years and a day",
        {
            "occurred_on": "2021-03-01",
            "discovered_on": "2023-03-02",
            "minor": True,
            "corrected_in_time": True,
            "harm": "none",
        },
        "time_barred",
        ["art36-time-barred", "art33-1-minor-no-harm"],
    ),
    (
        "Art. 36 exactly two years is within time",
        {"occurred_on": "2021-03-01", "discovered_on": "2023-03-01"},
        "penalise",
        [],
    ),
    (
        "continuing conduct counts from its end",
        {"occurred_on": "2018-01-01", "ended_on": "2023-01-10", "discovered_on": "2024-12-31"},
        "penalise",
        [],
    ),
    (
        "continuing conduct ended long ago",
        {"occurred_on": "2018-01-01", "ended_on": "2020-01-10", "discovered_on": "2022-01-11"},
        "time_barred",
        ["art36-time-barred"],
    ),
    (
        "5-year extension: 4 years later still punishable",
        {
            "occurred_on": "2021-08-01",
            "discovered_on": "2025-08-01",
            "life_health_financial_safety": True,
        },
        "penalise",
        [],
    ),
    (
        "5-year extension: 5 years and a day",
        {
            "occurred_on": "2021-08-01",
            "discovered_on": "2026-08-02",
            "life_health_financial_safety": True,
        },
        "time_barred",
        ["art36-time-barred-extended"],
    ),
    (
        "29 February: the period ends on 28 February",
        {"occurred_on": "2024-02-29", "discovered_on": "2026-03-01"},
        "time_barred",
        ["art36-time-barred"],
    ),
    (
        "29 February: 28 February is the last day",
        {"occurred_on": "2024-02-29", "discovered_on": "2026-02-28"},
        "penalise",
        [],
    ),
    (
        "SAMR first-offence list item",
        {
            "violation_code": "SAMR2025_FW01",
            "first_offence": True,
            "harm": "slight",
            "corrected_in_time": True,
            "food_safety_incident": False,
        },
        "may_waive",
        ["art33-1-first-offence", "samr-2025-fw01-bulk-food-unlicensed"],
    ),
    (
        "SAMR minor list item",
        {
            "violation_code": "SAMR2025_QW02",
            "minor": True,
            "harm": "none",
            "corrected_in_time": True,
        },
        "no_penalty",
        ["art33-1-minor-no-harm", "samr-2025-minor-list"],
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "changes", "outcome", "rules"), CASES, ids=[c[0] for c in CASES])
def test_law_cases(
    engine: str, name: str, changes: dict[str, Any], outcome: str, rules: list[str]
) -> None:
    [got] = decide("penalty-exemption", [case(**changes)], as_of=AS_OF, engine=engine)
    assert got["outcome"] == outcome, got["explanation"]
    assert sorted(got["rules"]) == sorted(rules or ["penalise"])
    assert got["basis"] and all(b.startswith("《") for b in got["basis"])
    assert got["package_sha256"] and got["as_of"] == AS_OF.isoformat()


@pytest.mark.parametrize("engine", ENGINES)
def test_basis_cites_article_and_paragraph(engine: str) -> None:
    [got] = decide("penalty-exemption", [case(no_fault_proven=True)], as_of=AS_OF, engine=engine)
    assert got["basis"] == ["《中华人民共和国行政处罚法》第三十三条第二款"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"harm": "moderate"}, "harm"),
        ({"minor": "maybe"}, "minor"),
        ({"occurred_on": "2023-02-30"}, "occurred_on"),
        ({"discovered_on": "2023-01-01"}, "discovered_on"),
        ({"ended_on": "2022-12-31"}, "ended_on"),
        ({"mitigating": ["bribed"]}, "mitigating"),
        ({"violation_code": "NOPE"}, "violation_code"),
    ],
)
def test_invalid_records_are_errors_naming_the_field(changes: dict[str, Any], field: str) -> None:
    records = [case(**changes), case()]
    bad, good = decide("penalty-exemption", records, as_of=AS_OF)
    assert "outcome" not in bad and field in bad["error"]
    assert good["outcome"] == "penalise"


def test_missing_required_field_is_an_error() -> None:
    record = case()
    del record["first_offence"]
    [got] = decide("penalty-exemption", [record], as_of=AS_OF, lang="en")
    assert "first_offence" in got["error"] and "missing" in got["error"]


def test_why_and_why_not_are_given_in_both_languages() -> None:
    [zh] = decide(
        "penalty-exemption", [case(minor=True, corrected_in_time=True, harm="none")], as_of=AS_OF
    )
    assert "适用 art33-1-minor-no-harm" in zh["explanation"]
    assert "art32-mitigate" in zh["why_not"] and "不满足" in zh["why_not"]["art32-mitigate"]
    [en] = decide(
        "penalty-exemption",
        [case(minor=True, corrected_in_time=True, harm="none")],
        as_of=AS_OF,
        lang="en",
    )
    assert "Applies art33-1-minor-no-harm" in en["explanation"]
    assert en["why_not"]["art33-2-no-fault"].startswith("not met:")


@pytest.mark.parametrize("engine", ENGINES)
def test_first_offence_leniency_can_be_switched_off(engine: str) -> None:
    record = case(first_offence=True, harm="slight", corrected_in_time=True)
    [off] = decide(
        "penalty-exemption",
        [record],
        as_of=AS_OF,
        engine=engine,
        overrides={"first_offence_leniency": False},
    )
    assert off["outcome"] == "penalise"
    assert "art33-1-first-offence" not in off["rules"]


def test_durable_batches_far_past_1024_records() -> None:
    records = [
        case(minor=i % 2 == 0, corrected_in_time=True, harm="none") | {"id": f"c{i}"}
        for i in range(3000)
    ]
    out = decide("penalty-exemption", records, as_of=AS_OF, engine="durable")
    assert len(out) == 3000
    assert [o["id"] for o in out[:3]] == ["c0", "c1", "c2"]
    assert {o["outcome"] for o in out[::2]} == {"no_penalty"}
    assert {o["outcome"] for o in out[1::2]} == {"penalise"}


def _two_versions(tmp_path: Path) -> Path:
    text = PENALTY.read_text(encoding="utf-8")
    write(tmp_path, "new.yaml", text)
    # A hypothetical older version with a one-year limitation period (lighter than the new).
    old = (
        text.replace(
            "effective_from: 2021-07-15", "effective_from: 2017-09-01\n  effective_to: 2021-07-14"
        )
        .replace('version: "2021.7.15"', 'version: "2017.9.1"')
        .replace("from: 2021-07-15\n        value: 2\n", "from: 2017-09-01\n        value: 1\n")
        .replace("from: 2021-07-15", "from: 2017-09-01")
    )
    write(tmp_path, "old.yaml", old)
    return tmp_path


@pytest.mark.parametrize("engine", ENGINES)
def test_art37_old_law_applies_when_lighter(tmp_path: Path, engine: str) -> None:
    folder = _two_versions(tmp_path)
    record = case(occurred_on="2020-01-10", discovered_on="2021-06-01")
    [got] = decide_records(
        "penalty-exemption", [record], as_of=date(2021, 9, 1), engine=engine, paths=[str(folder)]
    )
    assert got["outcome"] == "time_barred"
    assert got["art37"]["conduct_version"] == "2017.9.1"
    assert got["art37"]["current_outcome"] == "penalise"
    assert "从旧兼从轻" in got["explanation"]
    assert "《中华人民共和国行政处罚法》第三十七条" in got["basis"]


def test_art37_equal_outcomes_keep_the_current_version(tmp_path: Path) -> None:
    folder = _two_versions(tmp_path)
    # Both versions give no_penalty: nothing is lighter, so the current version is applied.
    record = case(occurred_on="2021-01-10", discovered_on="2021-06-01", no_fault_proven=True)
    [got] = decide_records(
        "penalty-exemption", [record], as_of=date(2021, 9, 1), paths=[str(folder)]
    )
    assert got["outcome"] == "no_penalty"
    assert got["art37"]["applied_version"] == "2021.7.15"


def test_unknown_engine_is_refused() -> None:
    from rules.issues import RulesError

    with pytest.raises(RulesError):
        decide("penalty-exemption", [case()], engine="drools")


def test_evaluate_columns_for_simulations_honours_leniency_switch() -> None:
    import numpy as np

    from rules.api import evaluate_columns

    n = 3
    cols = {
        "minor": np.array([True, False, False]),
        "harm": np.array(["none", "slight", "slight"]),
        "corrected_in_time": np.array([True, True, True]),
        "first_offence": np.array([False, True, True]),
        "no_fault_proven": np.zeros(n, bool),
        "occurred_on": np.array(["2024-01-01"] * n, dtype="datetime64[D]"),
        "discovered_on": np.array(["2024-06-01"] * n, dtype="datetime64[D]"),
        "life_health_financial_safety": np.zeros(n, bool),
        "violation_code": np.array(["", "SAMR2025_FW01", ""]),
        "food_safety_incident": np.zeros(n, bool),
        "mitigating": {"confessed": np.array([False, False, True])},
    }
    on = evaluate_columns("penalty-exemption", cols, as_of=AS_OF)
    off = evaluate_columns(
        "penalty-exemption", cols, as_of=AS_OF, overrides={"first_offence_leniency": False}
    )
    assert list(on.outcome) == ["no_penalty", "may_waive", "may_waive"]
    assert list(off.outcome) == ["no_penalty", "penalise", "mitigate"]
    assert on.fired[on.rule_ids.index("samr-2025-fw01-bulk-food-unlicensed")].tolist() == [
        False,
        True,
        False,
    ]
    assert "art33-1-first-offence" not in off.rule_ids
