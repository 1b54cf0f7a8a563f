"""One variant's parameters, resolved: product defaults ← baseline overrides ← scenario overrides.

`sampling` and `calendar` merge key by key (a scenario giving only `sampling: {D: 0.5}` keeps
the baseline's A–C ratios); every other key replaces the value below it. A scenario with empty
overrides resolves to exactly the baseline.

Sampling ratios are annual, as bureaus publish them ("A ≤5% a year", domain.md); each
quarter's task draws a quarter of the ratio, so the annual burden of a tier is its ratio.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from simulations.behaviour import Behaviour
from simulations.scenario_file import BASELINE, Overrides, ScenarioFile

TIERS = ("A", "B", "C", "D")
PERIODS_PER_YEAR = 4
# The task template's defaults: formats.md §2's example ratios, team size and daily cap.
DEFAULT_SAMPLING = {"A": 0.03, "B": 0.05, "C": 0.2, "D": 1.0}
DEFAULT_TEAM = 2  # 行政处罚法 Art. 42: at least two officers
DEFAULT_DAILY_CAP = 3
# Assumption: 双随机 work takes a tenth of an officer's working days; the rest goes to
# licensing, complaints, cases and campaigns. Override with `officer_time_share`.
DEFAULT_OFFICER_TIME_SHARE = 0.10


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    sampling: dict[str, float]
    officers_scale: float
    holidays: tuple[date, ...] | None
    extra_workdays: tuple[date, ...]
    quiet_days_of_month: tuple[int, ...]
    first_offence_leniency: bool
    d_tier_key_supervision: bool
    max_per_year: int | None
    team_size: int
    daily_cap: int
    officer_time_share: float
    behaviour: Behaviour

    def period_ratio(self, tier: str) -> float:
        """The quarter's share of the annual ratio: each quarter's task draws a quarter of it
        (exact in decimal: 0.03 a year is 0.0075 a quarter)."""
        return float(Decimal(str(self.sampling[tier])) / PERIODS_PER_YEAR)

    def ratio_text(self, tier: str) -> str:
        """The quarter's ratio as decimal text, as the exact draw reads it (formats.md §3)."""
        return str(self.period_ratio(tier))


def _apply(policy: Policy, o: Overrides) -> Policy:
    changes: dict[str, object] = {}
    if o.sampling is not None:
        sampling = dict(policy.sampling)
        sampling.update({str(tier): ratio for tier, ratio in o.sampling.items()})
        changes["sampling"] = sampling
    if o.officers_scale is not None:
        changes["officers_scale"] = o.officers_scale
    if o.calendar is not None:
        if o.calendar.holidays is not None:
            changes["holidays"] = tuple(o.calendar.holidays)
        if o.calendar.extra_workdays is not None:
            changes["extra_workdays"] = tuple(o.calendar.extra_workdays)
        if o.calendar.quiet_days_of_month is not None:
            changes["quiet_days_of_month"] = tuple(sorted(set(o.calendar.quiet_days_of_month)))
    if o.first_offence_leniency is not None:
        changes["first_offence_leniency"] = o.first_offence_leniency
    if o.d_tier_key_supervision is not None:
        changes["d_tier_key_supervision"] = o.d_tier_key_supervision
    if o.max_inspections_per_enterprise_per_year is not None:
        changes["max_per_year"] = o.max_inspections_per_enterprise_per_year
    if o.officers_per_department is not None:
        changes["team_size"] = o.officers_per_department
    if o.max_per_officer_per_day is not None:
        changes["daily_cap"] = o.max_per_officer_per_day
    if o.officer_time_share is not None:
        changes["officer_time_share"] = o.officer_time_share
    if o.behaviour is not None:
        changes["behaviour"] = policy.behaviour.merged(o.behaviour)
    return replace(policy, **changes)  # type: ignore[arg-type]


def product_defaults() -> Policy:
    return Policy(
        name=BASELINE,
        sampling=dict(DEFAULT_SAMPLING),
        officers_scale=1.0,
        holidays=None,
        extra_workdays=(),
        quiet_days_of_month=(),
        first_offence_leniency=True,
        d_tier_key_supervision=True,
        max_per_year=None,
        team_size=DEFAULT_TEAM,
        daily_cap=DEFAULT_DAILY_CAP,
        officer_time_share=DEFAULT_OFFICER_TIME_SHARE,
        behaviour=Behaviour.default(),
    )


def resolve_policies(scenario: ScenarioFile) -> list[Policy]:
    """The baseline first, then each named scenario, in file order."""
    baseline = replace(_apply(product_defaults(), scenario.baseline), name=BASELINE)
    return [baseline] + [
        replace(_apply(baseline, s.overrides), name=s.name) for s in scenario.scenarios
    ]
