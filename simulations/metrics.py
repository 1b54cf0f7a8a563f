"""The metrics a simulation reports, with their labels; formats.md §7 names the first ten.

All are per simulated year (totals scaled by 4 / periods) unless the label says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    zh: str
    en: str
    # Whether a higher value is better for the planner; None where it is a trade-off.
    higher_is_better: bool | None


METRICS: tuple[Metric, ...] = (
    Metric("inspections", "检查次数（每年）", "inspections per year", None),
    Metric("violations_found", "发现违法（每年）", "violations found per year", True),
    Metric(
        "hit_rate", "命中率（发现违法/检查）", "hit rate (violations found per inspection)", True
    ),
    Metric(
        "burden_A", "A类企业检查负担（次/户/年）", "burden on A tier (inspections/firm/year)", False
    ),
    Metric(
        "burden_B", "B类企业检查负担（次/户/年）", "burden on B tier (inspections/firm/year)", None
    ),
    Metric(
        "burden_C", "C类企业检查负担（次/户/年）", "burden on C tier (inspections/firm/year)", None
    ),
    Metric(
        "burden_D", "D类企业检查负担（次/户/年）", "burden on D tier (inspections/firm/year)", None
    ),
    Metric(
        "officer_utilisation", "执法人员产能利用率", "officer utilisation (share of capacity)", None
    ),
    Metric("unscheduled", "未能排期的抽中企业（每年）", "drawn but unscheduled per year", False),
    Metric(
        "share_violating_inspected",
        "违法企业被检查的比例（每季度）",
        "share of violating firms inspected (per quarter)",
        True,
    ),
    Metric(
        "time_to_detection_days",
        "从违法开始到发现的平均天数",
        "mean days from violation onset to detection",
        False,
    ),
    Metric("inspections_A", "A类检查次数（每年）", "inspections of A-tier firms per year", None),
    Metric("inspections_B", "B类检查次数（每年）", "inspections of B-tier firms per year", None),
    Metric("inspections_C", "C类检查次数（每年）", "inspections of C-tier firms per year", None),
    Metric("inspections_D", "D类检查次数（每年）", "inspections of D-tier firms per year", None),
    Metric(
        "key_inspections",
        "重点监管企业检查次数（每年）",
        "key-supervision inspections per year",
        None,
    ),
    Metric("penalised", "给予处罚（每年）", "cases penalised per year", None),
    Metric(
        "not_penalised",
        "不予处罚或首违不罚（每年）",
        "cases not penalised or waived per year",
        None,
    ),
    Metric(
        "violation_prevalence_end",
        "期末违法企业占比",
        "share of firms in violation at the end",
        False,
    ),
)

METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)
BY_KEY = {m.key: m for m in METRICS}
