"""From per-replication metrics to result.json: mean, change and 95% intervals (formats.md §7).

Intervals are Student-t intervals over replications. A change is computed per replication
(scenario minus baseline on the same random numbers) and then summarised, so its interval is
the paired one: much narrower than the difference of two independent intervals, and exactly
[0, 0] for a scenario that changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from simulations.metrics import METRIC_KEYS
from simulations.scenario_file import BASELINE

# Two-sided 95% Student-t quantiles, degrees of freedom 1–30.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959964

# variant name -> metric -> one value per replication (NaN where undefined)
PerReplication = dict[str, dict[str, list[float]]]


def t_quantile(df: int) -> float:
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish–Fisher expansion; within 0.001 of the exact value beyond 30 degrees of freedom.
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def _round(x: float) -> float:
    return round(x, 10)


def summarise(values: Sequence[float]) -> dict[str, Any]:
    """Mean and 95% interval of the defined values; None when none is defined."""
    xs = [v for v in values if not math.isnan(v)]
    if not xs:
        return {"mean": None, "ci95": None, "n": 0}
    mean = math.fsum(xs) / len(xs)
    if len(xs) == 1:
        return {"mean": _round(mean), "ci95": None, "n": 1}
    var = math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1)
    half = t_quantile(len(xs) - 1) * math.sqrt(var / len(xs))
    return {"mean": _round(mean), "ci95": [_round(mean - half), _round(mean + half)], "n": len(xs)}


def compare(per_replication: PerReplication) -> dict[str, Any]:
    """`baseline` and `scenarios` blocks of result.json."""
    base = per_replication[BASELINE]
    out: dict[str, Any] = {
        "baseline": {"metrics": {k: summarise(base[k]) for k in METRIC_KEYS}},
        "scenarios": {},
    }
    for name, values in per_replication.items():
        if name == BASELINE:
            continue
        metrics: dict[str, Any] = {}
        for k in METRIC_KEYS:
            entry = summarise(values[k])
            change = summarise([s - b for s, b in zip(values[k], base[k], strict=True)])
            entry["change"] = change["mean"]
            entry["change_ci95"] = change["ci95"]
            metrics[k] = entry
        out["scenarios"][name] = {"metrics": metrics}
    return out


def merge(parts: Sequence[Mapping[str, Mapping[str, Sequence[float]]]]) -> PerReplication:
    """Join per-replication lists of batches (in replication order)."""
    merged: PerReplication = {}
    for part in parts:
        for variant, metrics in part.items():
            target = merged.setdefault(variant, {})
            for k, vs in metrics.items():
                target.setdefault(k, []).extend(vs)
    return merged
