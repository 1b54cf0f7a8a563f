"""Means, paired changes and 95% intervals (formats.md §7 result shape)."""

from __future__ import annotations

import math

from simulations.compare import compare, summarise, t_quantile
from simulations.metrics import METRIC_KEYS


def _variant(values: list[float]) -> dict[str, list[float]]:
    return {k: list(values) for k in METRIC_KEYS}


def test_interval_is_student_t_over_replications() -> None:
    got = summarise([10.0, 12.0, 14.0])
    # mean 12, sd 2, n 3: half-width 4.303 * 2 / sqrt(3)
    half = 4.303 * 2 / math.sqrt(3)
    assert got["mean"] == 12.0
    assert math.isclose(got["ci95"][0], 12 - half) and math.isclose(got["ci95"][1], 12 + half)
    assert abs(t_quantile(60) - 2.0003) < 0.001 and abs(t_quantile(31) - 2.0395) < 0.001


def test_identical_variant_changes_by_exactly_zero_and_shift_is_paired() -> None:
    base = [3.0, 9.0, 4.5, 7.25]
    result = compare(
        {
            "baseline": _variant(base),
            "same": _variant(base),
            "plus-one": _variant([b + 1 for b in base]),
        }
    )
    same = result["scenarios"]["same"]["metrics"]["inspections"]
    assert same["change"] == 0.0 and same["change_ci95"] == [0.0, 0.0]
    plus = result["scenarios"]["plus-one"]["metrics"]["hit_rate"]
    # Replications vary a lot, but the paired change is exactly +1 in each.
    assert plus["change"] == 1.0 and plus["change_ci95"] == [1.0, 1.0]
    assert plus["ci95"][1] - plus["ci95"][0] > 5
    assert set(result["baseline"]["metrics"]) == set(METRIC_KEYS)


def test_undefined_values_are_left_out_not_counted_as_zero() -> None:
    got = summarise([float("nan"), 4.0, 6.0])
    assert got["mean"] == 5.0 and got["n"] == 2
    assert summarise([float("nan")]) == {"mean": None, "ci95": None, "n": 0}
