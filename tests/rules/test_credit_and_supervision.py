"""Credit tiers (scorecard) and supervision lists, per formats §5 and the issue."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jianguan.registry_schema import Enterprise
from rules.api import classify_enterprises, decide, evaluate_columns

AS_OF = date(2026, 6, 30)
CLEAN: dict[str, Any] = {
    "id": "91360102MA35XXXX0X",
    "name": "示例公司",
    "district": "360102",
    "industry": "F52",
    "established_on": "2012-04-01",
    "annual_report_filed": True,
    "abnormal_list": False,
    "serious_dishonest_list": False,
    "penalties_3y": 0,
    "complaints_12m": 0,
    "high_risk_licence": False,
}


@pytest.mark.parametrize("engine", ["durable", "vector"])
def test_points_per_indicator_are_in_the_explanation(engine: str) -> None:
    record = CLEAN | {"penalties_3y": 2, "complaints_12m": 1}
    [got] = decide("credit-tier", [record], as_of=AS_OF, engine=engine)
    assert got["points"]["penalties"] == -20 and got["points"]["complaints"] == -5
    assert got["score"] == 75 and got["outcome"] == "B"
    assert "近三年行政处罚 2–3 次 -20" in got["explanation"]
    assert "合计 75" in got["explanation"]


@pytest.mark.parametrize("engine", ["durable", "vector"])
def test_serious_dishonesty_is_d_whatever_the_score(engine: str) -> None:
    [got] = decide(
        "credit-tier", [CLEAN | {"serious_dishonest_list": True}], as_of=AS_OF, engine=engine
    )
    assert got["outcome"] == "D" and "d-serious-dishonesty" in got["rules"]


@pytest.mark.parametrize("engine", ["durable", "vector"])
def test_abnormal_list_is_at_least_c(engine: str) -> None:
    [c] = decide("credit-tier", [CLEAN | {"abnormal_list": True}], as_of=AS_OF, engine=engine)
    assert c["score"] == 75 and c["outcome"] == "C"  # B by points, raised to C by the list
    worse = CLEAN | {"abnormal_list": True, "penalties_3y": 4}
    [d] = decide("credit-tier", [worse], as_of=AS_OF, engine=engine)
    assert d["outcome"] == "D"  # never lowered to C


def test_age_counts_completed_years_at_the_as_of_date() -> None:
    young = CLEAN | {"established_on": "2025-07-01"}
    [a] = decide("credit-tier", [young], as_of=date(2026, 6, 30))
    [b] = decide("credit-tier", [young], as_of=date(2026, 7, 1))
    assert a["points"]["age"] == -10 and b["points"]["age"] == -5


def test_csv_text_values_are_read() -> None:
    row = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in CLEAN.items()}
    row["abnormal_list"] = "是"
    [got] = decide("credit-tier", [row], as_of=AS_OF)
    assert got["outcome"] == "C"


@pytest.mark.parametrize("engine", ["durable", "vector"])
def test_supervision_key_random_lists_and_ratio(engine: str) -> None:
    records = [
        {"id": "k1", "credit_tier": "A", "high_risk_licence": True},
        {"id": "k2", "credit_tier": "D"},
        {"id": "r1", "credit_tier": "C", "abnormal_list": True},
        {"id": "e1", "credit_tier": "E"},
    ]
    k1, k2, r1, e1 = decide("supervision", records, as_of=AS_OF, engine=engine)
    assert (k1["outcome"], k1["sampling_ratio"], k1["lists"]) == ("key", "1", ["key_supervision"])
    assert k2["outcome"] == "key" and k2["rules"] == ["key-d-tier"]
    assert r1["outcome"] == "random" and r1["sampling_ratio"] == "0.2"
    assert r1["lists"] == ["random_pool", "abnormal_operations"] and r1["yearly_cap"] == 2
    assert "credit_tier" in e1["error"]


def test_sampling_override_changes_the_ratio() -> None:
    [got] = decide(
        "supervision",
        [{"id": "b", "credit_tier": "B"}],
        as_of=AS_OF,
        overrides={"sampling": {"B": "0.5"}},
    )
    assert got["sampling_ratio"] == "0.5"


def test_classify_enterprises_respects_given_values() -> None:
    base = Enterprise(
        "E1", "甲", "360102", "F52", date(2012, 1, 1), True, False, False, 0, 0, False
    )
    given_tier = Enterprise(
        "E2", "乙", "360102", "F52", date(2012, 1, 1), credit_tier="D", key_supervision=False
    )
    licence = Enterprise("E3", "丙", "360102", "C14", date(2012, 1, 1), high_risk_licence=True)
    a, d, key = classify_enterprises([base, given_tier, licence], as_of=AS_OF)
    assert (a.credit_tier, a.key_supervision, a.sampling_ratio, a.yearly_cap) == (
        "A",
        False,
        "0.03",
        1,
    )
    assert d.credit_tier == "D" and d.key_supervision is False and d.sampling_ratio == "1"
    assert key.key_supervision and key.lists[0] == "key_supervision" and key.sampling_ratio == "1"


def test_classify_matches_decide_on_tiers() -> None:
    rows = [
        CLEAN
        | {
            "id": f"e{i}",
            "penalties_3y": i % 5,
            "complaints_12m": i % 7,
            "abnormal_list": i % 3 == 0,
        }
        for i in range(40)
    ]
    enterprises = [
        Enterprise(
            r["id"],
            r["name"],
            r["district"],
            r["industry"],
            date(2012, 4, 1),
            True,
            r["abnormal_list"],
            False,
            r["penalties_3y"],
            r["complaints_12m"],
            False,
        )
        for r in rows
    ]
    tiers = [c.credit_tier for c in classify_enterprises(enterprises, as_of=AS_OF)]
    assert tiers == [d["outcome"] for d in decide("credit-tier", rows, as_of=AS_OF)]


def test_evaluate_columns_returns_fired_matrix() -> None:
    import numpy as np

    result = evaluate_columns(
        "supervision",
        {
            "credit_tier": np.array(["A", "D", "B"]),
            "high_risk_licence": np.array([True, False, False]),
        },
        as_of=AS_OF,
    )
    assert list(result.outcome) == ["key", "key", "random"]
    assert result.fired[result.rule_ids.index("random-pool")].tolist() == [False, False, True]


@pytest.mark.parametrize("package_id", ["credit-tier", "supervision"])
def test_summary_mode_gives_the_same_decisions_without_text(package_id: str) -> None:
    from rules.decision import decide_records

    rows = [
        CLEAN
        | {
            "id": f"e{i}",
            "penalties_3y": i % 5,
            "abnormal_list": i % 4 == 0,
            "credit_tier": "ABCD"[i % 4],
            "high_risk_licence": i % 7 == 0,
        }
        for i in range(30)
    ]
    full = decide_records(package_id, rows, as_of=AS_OF)
    short = decide_records(package_id, rows, as_of=AS_OF, explained=False)
    keys = ("outcome", "rules", "basis", "points", "sampling_ratio", "yearly_cap")
    for a, b in zip(full, short, strict=True):
        assert {k: a.get(k) for k in keys} == {k: b.get(k) for k in keys}
        assert "explanation" not in b
