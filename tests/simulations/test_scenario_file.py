"""Scenario files: the formats.md §7 example parses; mistakes are reported with file:line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulations.policy import resolve_policies
from simulations.scenario_file import ScenarioFileError, parse_scenario

FORMATS_EXAMPLE = """\
name: 提高D类抽查比例
population: {enterprises: 20000, officers: 300, seed: 7}   # a synthetic registry
periods: 4                  # quarters
replications: 8
seed: 42
baseline:
  sampling: {A: 0.03, B: 0.05, C: 0.2, D: 1.0}
scenarios:
  - name: D-half
    overrides: {sampling: {D: 0.5}}
  - name: no-leniency
    overrides: {first_offence_leniency: false}
  - name: half-officers
    overrides: {officers_scale: 0.5}
  - name: quiet-1-20
    overrides: {calendar: {quiet_days_of_month: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]}}
"""


def test_formats_example_resolves_into_merged_policies() -> None:
    scenario = parse_scenario(FORMATS_EXAMPLE)
    baseline, d_half, no_leniency, half, quiet = resolve_policies(scenario)
    assert baseline.name == "baseline" and d_half.name == "D-half"
    # `sampling` merges tier by tier: only D changes.
    assert d_half.sampling == {"A": 0.03, "B": 0.05, "C": 0.2, "D": 0.5}
    assert baseline.first_offence_leniency and not no_leniency.first_offence_leniency
    assert half.officers_scale == 0.5 and baseline.officers_scale == 1.0
    assert quiet.quiet_days_of_month == tuple(range(1, 21))
    assert baseline.quiet_days_of_month == ()


def test_empty_overrides_equal_the_baseline() -> None:
    scenario = parse_scenario(FORMATS_EXAMPLE + "  - name: same\n")
    policies = resolve_policies(scenario)
    assert policies[-1].name == "same"
    assert policies[-1] == replace(policies[0], name="same")


def test_annual_ratio_is_split_exactly_over_quarters() -> None:
    baseline = resolve_policies(parse_scenario(FORMATS_EXAMPLE))[0]
    assert baseline.ratio_text("A") == "0.0075"
    assert baseline.ratio_text("D") == "0.25"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (FORMATS_EXAMPLE.replace("periods: 4", "periodz: 4"), 3, "periodz"),
        (FORMATS_EXAMPLE.replace("{sampling: {D: 0.5}}", "{sampling: {D: 1.5}}"), 10, "D"),
        (
            FORMATS_EXAMPLE.replace("officers_scale: 0.5", "officers_scale: -1"),
            14,
            "officers_scale",
        ),
        (FORMATS_EXAMPLE.replace("name: no-leniency", "name: D-half"), 1, "D-half"),
        (  # an unknown division code is refused at its line, before any run
            FORMATS_EXAMPLE.replace("seed: 7}", "seed: 7, districts: [3601, 999999]}"),
            2,
            "999999",
        ),
        (
            FORMATS_EXAMPLE.replace(
                "first_offence_leniency: false", "first_offence_leniency: 'no'"
            ),
            12,
            "first_offence_leniency",
        ),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario(text, "plan-2027.yaml")
    for lang in ("en", "zh"):
        lines = caught.value.message(lang).splitlines()
        assert any(t.startswith(f"plan-2027.yaml:{line}:") and needle in t for t in lines), lines


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario("name: x\npopulation: {enterprises: 5\n", "bad.yaml")
    assert caught.value.message("en").startswith("bad.yaml:")
