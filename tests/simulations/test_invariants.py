"""What a planner relies on: an unchanged scenario shows exactly zero change, no officers means
no inspections, a higher D-tier ratio means more D-tier inspections, and a result can be
reproduced from its scenario id. Runs the real rule packages through the vector engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulations.behaviour import NATIONAL_NONCONFORMING, RANDOM_DRAW_HIT_RATE
from simulations.compare import PerReplication
from simulations.metrics import METRIC_KEYS
from simulations.population import load_population
from simulations.runner import replication_seeds, run, run_scenario
from simulations.scenario_id import scenario_id, stored_scenario
from tests.simulations.scenarios import tiny


@pytest.fixture(scope="module")
def per_replication() -> PerReplication:
    scenario = tiny()
    return run(scenario, replication_seeds(scenario))


@pytest.mark.parametrize("name", ["same", "same-written-out"])
def test_identical_scenario_changes_nothing(per_replication: PerReplication, name: str) -> None:
    for key in METRIC_KEYS:
        base, other = per_replication["baseline"][key], per_replication[name][key]
        assert repr(other) == repr(base), key  # bit for bit, NaN included


def test_zero_officers_means_zero_inspections_and_detections(
    per_replication: PerReplication,
) -> None:
    none = per_replication["no-officers"]
    assert none["inspections"] == [0.0, 0.0, 0.0]
    assert none["violations_found"] == [0.0, 0.0, 0.0]
    assert none["officer_utilisation"] == [0.0, 0.0, 0.0]
    # Everything drawn is reported as unscheduled, not silently dropped.
    assert all(u > 0 for u in none["unscheduled"])
    assert all(i > 0 for i in per_replication["baseline"]["inspections"])


def test_raising_the_d_ratio_raises_d_tier_inspections(per_replication: PerReplication) -> None:
    base, more = per_replication["baseline"], per_replication["D-all"]
    for b, m in zip(base["inspections_D"], more["inspections_D"], strict=True):
        assert m > b
    assert base["inspections_A"] == more["inspections_A"]  # A-tier draws share random numbers


def test_a_tier_burden_is_lowest(per_replication: PerReplication) -> None:
    base = per_replication["baseline"]
    for a, d in zip(base["burden_A"], base["burden_D"], strict=True):
        assert a < d  # 无事不扰: low-risk firms are inspected least


def test_calibration_to_the_random_draw_hit_rate() -> None:
    population = load_population(600, 30, 3, ("3601",), 2026)
    prevalence = population.prevalence(0.8)
    assert abs(prevalence.mean() * 0.8 - RANDOM_DRAW_HIT_RATE.value) < 1e-6
    assert RANDOM_DRAW_HIT_RATE.value > NATIONAL_NONCONFORMING.value


def test_risk_targeting_finds_more_than_a_random_draw(per_replication: PerReplication) -> None:
    rates = per_replication["baseline"]["hit_rate"]
    assert sum(rates) / len(rates) > RANDOM_DRAW_HIT_RATE.value


def test_result_is_reproducible_from_its_scenario_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path))
    scenario = tiny(replications=2, scenarios=[])
    first = run_scenario(scenario, workers=1)
    sid = first["scenario_id"]
    assert sid == scenario_id(scenario)
    assert (tmp_path / "simulations" / sid / "result.json").exists()
    again = run_scenario(stored_scenario(sid), workers=1, use_cache=False)
    assert again == first
    # A different seed is a different scenario, with its own id.
    assert scenario_id(tiny(seed=12)) != sid


def test_result_warns_when_a_d_ratio_change_cannot_matter() -> None:
    from simulations.runner import notes
    from simulations.scenario_file import NamedScenario, Overrides

    keyed = tiny(
        baseline=Overrides(sampling={"D": 0.4}),
        scenarios=[NamedScenario(name="D-all", overrides=Overrides(sampling={"D": 1.0}))],
    )
    # The shipped supervision package puts tier D under key supervision: the ratio is moot.
    assert [n["en"].split(":")[0] for n in notes(keyed)] == ["scenario D-all"]
    assert notes(tiny()) == []  # D sampled at its ratio: nothing to warn about
