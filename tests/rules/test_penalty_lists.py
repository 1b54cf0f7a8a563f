"""The SAMR 2025 lists and the first offence read from the enterprise's history (formats §5).

Each list item decides as its conditions say — one case in, one case out per item — and the
first offence follows the two-year look-back from `occurred_on`, on both engines.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules.api import decide
from rules.registry import versions_of

ENGINES = ["durable", "vector"]
AS_OF = date(2026, 6, 30)
FIRST = {
    "minor": False,
    "harm": "slight",
    "corrected_in_time": True,
    "first_offence": True,
    "no_fault_proven": False,
    "occurred_on": "2025-04-01",
    "discovered_on": "2025-05-10",
    "life_health_financial_safety": False,
}
MINOR = FIRST | {"minor": True, "harm": "none", "first_offence": False}

# item code, rule id, facts that meet the item, the one change that takes the case out of it
FIRST_OFFENCE_ITEMS = [
    (
        "SAMR2025_FW01",
        "samr-2025-fw01-bulk-food-unlicensed",
        {"food_safety_incident": False},
        {"food_safety_incident": True},
    ),
    (
        "SAMR2025_FW02",
        "samr-2025-fw02-licence-expired",
        {
            "lasted_under_one_month": True,
            "licence_conditions_met": True,
            "food_safety_incident": False,
        },
        {"lasted_under_one_month": False},
    ),
    (
        "SAMR2025_FW03",
        "samr-2025-fw03-farm-produce",
        {
            "intentional": False,
            "caused_nonconformity": False,
            "source_explained": True,
            "food_safety_incident": False,
        },
        {"caused_nonconformity": True},
    ),
    (
        "SAMR2025_FW04",
        "samr-2025-fw04-licence-change",
        {"licence_change_exception": True},
        {"licence_change_exception": False},
    ),
    (
        "SAMR2025_FW05",
        "samr-2025-fw05-expired-food",
        {
            "food_stage": "sale",
            "source_explained": True,
            "goods_value_yuan": 500,
            "food_safety_incident": False,
        },
        {"goods_value_yuan": 501},
    ),
    (
        "SAMR2025_FW06",
        "samr-2025-fw06-label",
        {"food_stage": "sale"},
        {"food_stage": "production"},
    ),
]


def _one(record: dict[str, Any], engine: str = "durable", lang: str = "zh") -> dict[str, Any]:
    [got] = decide(
        "penalty-exemption", [{"id": "c", **record}], as_of=AS_OF, engine=engine, lang=lang
    )
    return got


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("code", "rule", "meets", "out"), FIRST_OFFENCE_ITEMS, ids=[i[0] for i in FIRST_OFFENCE_ITEMS]
)
def test_first_offence_item_in_and_out(
    engine: str, code: str, rule: str, meets: dict[str, Any], out: dict[str, Any]
) -> None:
    inside = _one(FIRST | {"violation_code": code} | meets, engine)
    assert inside["outcome"] == "may_waive"
    assert sorted(inside["rules"]) == sorted(["art33-1-first-offence", rule])
    assert "《市场监管行政违法行为首违不罚清单（一）》（国市监法〔2025〕10号）" in inside["basis"]
    # The item's own condition fails: the item does not apply; Art. 33(1) alone still may.
    outside = _one(FIRST | {"violation_code": code} | meets | out, engine)
    assert outside["rules"] == ["art33-1-first-offence"]
    assert rule in outside["why_not"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("code", [i[0] for i in FIRST_OFFENCE_ITEMS])
def test_first_offence_items_need_a_first_offence(engine: str, code: str) -> None:
    meets = next(m for c, _r, m, _o in FIRST_OFFENCE_ITEMS if c == code)
    # the last same-kind violation one year before the conduct
    got = _one(
        FIRST
        | {"violation_code": code, "first_offence": None, "prior_same_violation_on": "2024-04-01"}
        | meets,
        engine,
    )
    assert got["outcome"] == "penalise"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("code", ["SAMR2025_QW01", "SAMR2025_QW02"])
def test_minor_list_item_in_and_out(engine: str, code: str) -> None:
    inside = _one(MINOR | {"violation_code": code}, engine)
    assert inside["outcome"] == "no_penalty"
    assert sorted(inside["rules"]) == ["art33-1-minor-no-harm", "samr-2025-minor-list"]
    outside = _one(MINOR | {"violation_code": code, "corrected_in_time": False}, engine)
    assert outside["outcome"] == "penalise"
    assert "samr-2025-minor-list" in outside["why_not"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("prior", "outcome"),
    [
        ("2023-04-01", "may_waive"),  # exactly two years before the conduct: first offence
        ("2023-04-02", "penalise"),  # a day less than two years: not a first offence
        ("2019-06-30", "may_waive"),
        ("2025-04-01", "penalise"),  # the same day
    ],
)
def test_two_year_look_back_from_the_conduct(engine: str, prior: str, outcome: str) -> None:
    record = FIRST | {"first_offence": None, "prior_same_violation_on": prior}
    assert _one(record, engine)["outcome"] == outcome


@pytest.mark.parametrize("engine", ENGINES)
def test_look_back_from_29_february(engine: str) -> None:
    # two years before 2024-02-29 is 2022-02-28 (no 29 February that year)
    base = FIRST | {
        "first_offence": None,
        "occurred_on": "2024-02-29",
        "discovered_on": "2025-06-01",
    }
    assert _one(base | {"prior_same_violation_on": "2022-02-28"}, engine)["outcome"] == "may_waive"
    assert _one(base | {"prior_same_violation_on": "2022-03-01"}, engine)["outcome"] == "penalise"


@pytest.mark.parametrize("engine", ENGINES)
def test_agreeing_fields_are_accepted(engine: str) -> None:
    old = _one(FIRST | {"first_offence": True, "prior_same_violation_on": "2020-01-01"}, engine)
    assert old["outcome"] == "may_waive"
    recent = _one(FIRST | {"first_offence": False, "prior_same_violation_on": "2024-12-01"}, engine)
    assert recent["outcome"] == "penalise"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("first", "prior"),
    [(True, "2024-12-01"), (False, "2020-01-01")],
    ids=["says-first-but-recent-record", "says-not-first-but-old-record"],
)
def test_disagreeing_fields_are_an_error_naming_both(lang: str, first: bool, prior: str) -> None:
    for engine in ENGINES:
        got = _one(FIRST | {"first_offence": first, "prior_same_violation_on": prior}, engine, lang)
        assert "outcome" not in got
        assert "first_offence" in got["error"] and "prior_same_violation_on" in got["error"]


def test_neither_field_is_an_error_naming_both() -> None:
    record = dict(FIRST)
    del record["first_offence"]
    got = _one(record, lang="en")
    assert "first_offence" in got["error"] and "prior_same_violation_on" in got["error"]


def test_a_prior_violation_after_the_conduct_is_an_error() -> None:
    got = _one(FIRST | {"first_offence": None, "prior_same_violation_on": "2025-04-02"})
    assert "prior_same_violation_on" in got["error"] and "occurred_on" in got["error"]


def test_why_and_why_not_name_the_dates_that_decided() -> None:
    first = _one(FIRST | {"first_offence": None, "prior_same_violation_on": "2023-04-01"})
    # the look-back starts 2023-04-01; the last record is that day
    assert "2023-04-01 / 2023-04-01" in first["explanation"]
    assert "上次同类违法记录日期" in first["explanation"]
    again = _one(
        FIRST | {"first_offence": None, "prior_same_violation_on": "2023-04-02"}, lang="en"
    )
    why_not = again["why_not"]["art33-1-first-offence"]
    assert "date of the last recorded violation of the same kind" in why_not
    assert "2023-04-02 / 2023-04-01" in why_not


@pytest.mark.parametrize("engine", ENGINES)
def test_the_2021_version_reads_the_history_too(engine: str) -> None:
    # conduct and decision before the 2025 lists: the 2021 version alone decides
    record = FIRST | {
        "first_offence": None,
        "occurred_on": "2023-03-01",
        "discovered_on": "2023-05-01",
        "prior_same_violation_on": "2021-03-01",
    }
    [got] = decide(
        "penalty-exemption", [{"id": "c", **record}], as_of=date(2024, 6, 1), engine=engine
    )
    assert got["package_version"] == "2021.7.15"
    assert got["outcome"] == "may_waive"
    record["prior_same_violation_on"] = "2021-03-02"
    [got] = decide(
        "penalty-exemption", [{"id": "c", **record}], as_of=date(2024, 6, 1), engine=engine
    )
    assert got["outcome"] == "penalise"


def test_the_lists_are_not_in_the_2021_version() -> None:
    old, new = versions_of("penalty-exemption")[:2]
    assert old.effective_from < date(2025, 1, 27) == new.effective_from
    assert not old.tables and not any(r.id.startswith("samr-") for r in old.rules)
    rows = [row for t in new.model.tables.values() for row in t.rows]
    # every row carries its title, the conditions it adds, and where its text was found
    assert rows and all(r.title_zh and r.conditions_zh and r.source for r in rows)
