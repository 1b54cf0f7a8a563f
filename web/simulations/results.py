"""A simulation result as the results page shows it: the comparison table (mean, 95% interval,
paired change per metric and variant), the burden by tier, the variants' overrides as short
lines, and the numbers simulation_charts.js draws. Built once per page from result.json and
the stored scenario (which keeps the scenarios in the order the planner gave them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from simulations.metrics import METRICS
from simulations.policy import TIERS
from simulations.report import CHARTED, format_figure, format_interval
from simulations.scenario_file import BASELINE, ScenarioFile


@dataclass(frozen=True, slots=True)
class ResultView:
    variants: list[tuple[str, list[str]]]  # name, its overrides as `key = value` lines
    rows: list[dict[str, Any]]  # one per metric
    burden: list[dict[str, Any]]  # the burden_A..D rows
    chart_data: dict[str, Any]
    notes: list[str]
    has_scenario_file: bool


def _variants(
    result: dict[str, Any], stored: ScenarioFile | None
) -> list[tuple[str, dict[str, Any]]]:
    """Baseline first, then the scenarios in the order their file lists them (result.json is
    stored with sorted keys, which loses that order)."""
    scenarios: dict[str, Any] = result["scenarios"]
    order = [s.name for s in stored.scenarios] if stored is not None else []
    names = [n for n in order if n in scenarios] + sorted(set(scenarios) - set(order))
    return [(BASELINE, result["baseline"]), *((n, scenarios[n]) for n in names)]


def _day_ranges(days: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3,5": quiet days read as a planner writes them."""
    parts: list[str] = []
    for day in sorted(set(days)):
        if parts and day == int(parts[-1].split("-")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{day}"
        else:
            parts.append(str(day))
    return ",".join(parts)


def _override_lines(overrides: dict[str, Any], prefix: str = "") -> list[str]:
    """A variant's overrides as short `key = value` lines for the column heading."""
    lines: list[str] = []
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            lines.extend(_override_lines(value, path + "."))
        elif key == "quiet_days_of_month" and isinstance(value, list):
            lines.append(f"{path} = {_day_ranges([int(v) for v in value])}")
        elif isinstance(value, bool):
            lines.append(f"{path} = {'true' if value else 'false'}")
        elif isinstance(value, list):
            lines.append(f"{path} = {', '.join(str(v) for v in value)}")
        else:
            lines.append(f"{path} = {value}")
    return lines


def _chart_data(variants: list[tuple[str, dict[str, Any]]], lang: str) -> dict[str, Any]:
    """What simulation_charts.js draws: per metric each variant's mean and 95% interval (and
    its change from the baseline), and the burden by tier."""
    labels = {m.key: (m.en if lang == "en" else m.zh) for m in METRICS}

    def series(key: str) -> dict[str, Any]:
        entries = [block["metrics"].get(key) or {} for _name, block in variants]
        return {
            "key": key,
            "label": labels[key],
            "means": [e.get("mean") for e in entries],
            "intervals": [e.get("ci95") for e in entries],
            "changes": [e.get("change") for e in entries],
            "change_intervals": [e.get("change_ci95") for e in entries],
        }

    return {
        "variants": [name for name, _block in variants],
        "metrics": [series(k) for k in CHARTED],
        "burden": [series(f"burden_{t}") for t in TIERS],
        "tiers": list(TIERS),
        "text": {
            "mean": _("均值"),
            "interval": _("95% 置信区间"),
            "change": _("相对基准的变化"),
            "burden": _("检查负担（次/户/年）"),
            "tier": _("%(t)s类", t="{t}"),
        },
    }


def _rows(variants: list[tuple[str, dict[str, Any]]], lang: str) -> list[dict[str, Any]]:
    """The comparison table: one row per metric, one cell per variant."""
    rows = []
    for metric in METRICS:
        cells = []
        for name, block in variants:
            m = block["metrics"].get(metric.key) or {}
            change = m.get("change")
            cells.append(
                {
                    "mean": format_figure(m.get("mean")),
                    "interval": format_interval(m.get("ci95")),
                    "baseline": name == BASELINE,
                    "change": None
                    if change is None
                    else ("+" if change > 0 else "") + format_figure(change),
                    "direction": "same" if not change else ("up" if change > 0 else "down"),
                    "change_interval": format_interval(m.get("change_ci95")),
                }
            )
        rows.append(
            {"key": metric.key, "label": metric.en if lang == "en" else metric.zh, "cells": cells}
        )
    return rows


def present(result: dict[str, Any], stored: ScenarioFile | None, lang: str) -> ResultView:
    """Everything the results page shows of `result`, in `lang` ('zh' or 'en')."""
    variants = _variants(result, stored)
    rows = _rows(variants, lang)
    return ResultView(
        variants=[
            (name, _override_lines(block.get("overrides") or {})) for name, block in variants
        ],
        rows=rows,
        burden=[r for r in rows if r["key"].startswith("burden_")],
        chart_data=_chart_data(variants, lang),
        notes=[n["en"] if lang == "en" else n["zh"] for n in result.get("notes", [])],
        has_scenario_file=stored is not None,
    )
