"""One replication of the product's own loop, quarter by quarter, for one policy variant.

Each period: credit tiers and key supervision from the rule packages (vector engine) → the
stratified draw (exact or sampled) among firms under their annual cap → capacity-limited
scheduling on the task calendar → detection with probability → outcomes from the
penalty-exemption package → penalties feed next quarter's tiers, and behaviour responds
(deterrence, leniency). Violation onset, correction, detection, case facts and draw keys are
drawn from streams keyed by (replication seed, period, purpose) — the same numbers in every
variant (common random numbers), so a variant that changes nothing changes no number.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date

import numpy as np

from simulations import rule_packages
from simulations.behaviour import Behaviour
from simulations.capacity import allocate, period_task, quarter_bounds, schedulable_days, slots
from simulations.case_facts import NO_RECORD, UNIFORMS_PER_CASE, case_columns
from simulations.policy import PERIODS_PER_YEAR, TIERS, Policy
from simulations.population import Population
from simulations.stratified_sample import KEY, exact_draw, sampled_draw, seed_hex, strata_codes

PENALTY_MEMORY = 12  # quarters: `penalties_3y` counts three years
DETERRENCE_MEMORY = 4  # quarters a penalty or waiver keeps deterring its firm
_QUARTER_DAYS = 91


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What every variant of a replication shares."""

    year: int
    periods: int
    use_exact_draw: bool


class _Streams:
    """Uniforms per (replication, period, purpose), identical in every variant."""

    def __init__(self, replication_seed: int) -> None:
        self.seed = replication_seed

    def rng(self, period: int, purpose: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, period, purpose]))


_INIT, _ONSET, _CORRECT, _DETECT, _CASE, _DRAW, _ORDER, _EXPIRE, _HISTORY = range(9)


def _days(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def run_variant(
    population: Population,
    policy: Policy,
    world: Policy,
    settings: RunSettings,
    replication_seed: int,
) -> dict[str, float]:
    """Simulate one variant for one replication; returns the metrics of metrics.py.

    `world` is the baseline policy: the population's prevalence and initial state are
    calibrated under it, so every variant starts from the same world.
    """
    n = population.size
    streams = _Streams(replication_seed)
    b = policy.behaviour
    prevalence = population.prevalence(world.behaviour.detection_probability)
    correction = world.behaviour.self_correction_per_quarter
    # Onset hazard that keeps `prevalence` stationary when nobody is inspected.
    hazard = np.minimum(correction * prevalence / (1.0 - prevalence), 0.95)

    start0, _ = quarter_bounds(settings.year, 0)
    init = streams.rng(0, _INIT)
    violating = init.random(n) < prevalence
    # The age of a running violation is geometric in quarters under stationarity.
    age_quarters = init.geometric(max(correction, 1e-6), size=n) - 1
    onset = (
        _days(start0)
        - age_quarters * _QUARTER_DAYS
        - (init.random(n) * _QUARTER_DAYS).astype(np.int64)
    )
    penalties_initial = population.columns["penalties_3y"].astype(np.int64).copy()
    last_violation = initial_last_violation(
        penalties_initial,
        np.where(violating, np.minimum(onset, _days(start0)), _days(start0)),
        streams.rng(0, _HISTORY).random(n),
    )
    recent: deque[np.ndarray] = deque(maxlen=PENALTY_MEMORY)
    last_penalised = np.full(n, -10_000, dtype=np.int64)
    last_waived = np.full(n, -10_000, dtype=np.int64)
    this_year = np.zeros(n, dtype=np.int64)
    # Annual inspection probability each tier expects at the start: the baseline's ratios.
    expected_q0 = np.array([min(1.0, world.sampling[t]) for t in TIERS])

    totals = {
        k: 0.0
        for k in (
            "inspections",
            "violations_found",
            "unscheduled",
            "capacity",
            "violating_firm_quarters",
            "violating_inspected",
            "detection_days",
            "key_inspections",
            "penalised",
            "not_penalised",
        )
    }
    tier_inspections = np.zeros(len(TIERS))
    tier_firm_quarters = np.zeros(len(TIERS))

    for p in range(settings.periods):
        start, end = quarter_bounds(settings.year, p)
        if p % PERIODS_PER_YEAR == 0:
            this_year[:] = 0
        penalties = penalties_initial + (sum(recent) if recent else 0)
        columns = {**population.columns, "penalties_3y": penalties}
        tier, key = rule_packages.classify(columns, start, policy.d_tier_key_supervision)

        # 1. the draw, among firms still under their annual cap. Key-supervision firms are
        # covered in full once a year, each in its own quarter, outside the random pool.
        key_now = key & (population.key_quarter == p % PERIODS_PER_YEAR)
        eligible = ~key | key_now
        if policy.max_per_year is not None:
            eligible &= this_year < policy.max_per_year
        strata = strata_codes(tier, key)
        task = period_task(policy, f"SIM-{replication_seed:x}-P{p + 1}", start, end)
        if settings.use_exact_draw:
            drawn = exact_draw(population, tier, key, eligible, task, seed_hex(replication_seed, p))
        else:
            drawn = sampled_draw(strata, eligible, policy, streams.rng(p, _DRAW).random(n))

        # 2. scheduling under capacity: key-supervision firms first, then in random order
        days = schedulable_days(task)
        idx = np.flatnonzero(drawn)
        order_key = streams.rng(p, _ORDER).random(n)[idx] + (strata[idx] != KEY)
        matrix = slots(population.officers, len(population.districts), days, policy)
        alloc = allocate(population.district_idx[idx], order_key, matrix)
        done = idx[alloc.day >= 0]
        visit_day = np.zeros(n, dtype=np.int64)
        if done.size:
            visit_day[done] = days[alloc.day[alloc.day >= 0]].astype(np.int64)
        inspected = np.zeros(n, dtype=bool)
        inspected[done] = True
        this_year += inspected

        # 3. detection
        found = (
            inspected & violating & (streams.rng(p, _DETECT).random(n) < b.detection_probability)
        )
        f = np.flatnonzero(found)

        # 4. outcomes of detected cases from the penalty-exemption package
        cases = case_columns(
            streams.rng(p, _CASE).random((UNIFORMS_PER_CASE, n))[:, f],
            population.columns["high_risk_licence"][f],
            last_violation[f],
            onset[f],
            visit_day[f],
        )
        outcome = rule_packages.case_outcomes(cases, end, policy.first_offence_leniency)
        penalised = np.zeros(n, dtype=bool)
        penalised[f[np.isin(outcome, rule_packages.PENALISED_OUTCOMES)]] = True
        waived = np.zeros(n, dtype=bool)
        waived[f[np.isin(outcome, rule_packages.NOT_PENALISED_OUTCOMES)]] = True

        # 5. metrics of the period
        totals["inspections"] += done.size
        totals["violations_found"] += f.size
        totals["unscheduled"] += int((alloc.day < 0).sum())
        totals["capacity"] += alloc.capacity
        totals["violating_firm_quarters"] += int(violating.sum())
        totals["violating_inspected"] += int((violating & inspected).sum())
        totals["detection_days"] += float((visit_day[f] - onset[f]).sum())
        totals["key_inspections"] += int((inspected & key).sum())
        totals["penalised"] += int(penalised.sum())
        totals["not_penalised"] += int(waived.sum())
        tier_inspections += np.bincount(tier[inspected], minlength=len(TIERS))
        tier_counts = np.bincount(tier, minlength=len(TIERS))
        tier_firm_quarters += tier_counts

        # 6. what the period leaves behind: corrected violations, penalty records
        violating &= ~found
        recent.append(penalised.astype(np.int64))
        expiring = streams.rng(p, _EXPIRE).binomial(penalties_initial, 1.0 / PENALTY_MEMORY)
        penalties_initial = penalties_initial - expiring
        last_penalised[penalised] = p
        last_waived[waived] = p
        last_violation[f] = visit_day[f]  # a penalty or a waiver: either is on record

        # 7. behaviour: onsets among compliant firms, self-correction among violators
        seen_q = np.minimum(
            1.0,
            PERIODS_PER_YEAR * tier_inspections_now(tier, inspected) / np.maximum(tier_counts, 1),
        )
        # firms a violation next quarter would find with no record in the package's
        # look-back (SAMR's 首违: none of the same kind in two years)
        lookback = rule_packages.first_offence_years(end)
        first = (
            last_violation <= _days(_years_before(end, lookback))
            if policy.first_offence_leniency
            else None
        )
        rate = onset_rate(
            hazard, b, seen_q - expected_q0, tier, p - last_penalised, p - last_waived, first
        )
        onset_u = streams.rng(p, _ONSET).random((2, n))
        starts = ~violating & (onset_u[0] < rate)
        length = (end - start).days + 1
        onset = np.where(starts, _days(start) + (onset_u[1] * length).astype(np.int64), onset)
        stops = violating & (streams.rng(p, _CORRECT).random(n) < b.self_correction_per_quarter)
        violating = (violating & ~stops) | starts

    years = settings.periods / PERIODS_PER_YEAR
    mean_tier = tier_firm_quarters / settings.periods
    metrics = {
        "inspections": totals["inspections"] / years,
        "violations_found": totals["violations_found"] / years,
        "hit_rate": _ratio(totals["violations_found"], totals["inspections"]),
        "officer_utilisation": _ratio(totals["inspections"], totals["capacity"]),
        "unscheduled": totals["unscheduled"] / years,
        "share_violating_inspected": _ratio(
            totals["violating_inspected"], totals["violating_firm_quarters"]
        ),
        "time_to_detection_days": (
            totals["detection_days"] / totals["violations_found"]
            if totals["violations_found"]
            else float("nan")
        ),
        "key_inspections": totals["key_inspections"] / years,
        "penalised": totals["penalised"] / years,
        "not_penalised": totals["not_penalised"] / years,
        "violation_prevalence_end": float(violating.mean()) if n else 0.0,
    }
    for i, t in enumerate(TIERS):
        metrics[f"burden_{t}"] = _ratio(tier_inspections[i], mean_tier[i]) / years
        metrics[f"inspections_{t}"] = float(tier_inspections[i]) / years
    return metrics


def initial_last_violation(
    penalties_3y: np.ndarray, before: np.ndarray, uniforms: np.ndarray
) -> np.ndarray:
    """Day of each firm's last recorded violation at the start, from its penalty count.

    A firm with k penalties in the three years before `before` (days) had its last one at the
    latest of k uniform days in that window (the maximum of k uniforms is U^(1/k)); a firm
    with none has NO_RECORD.
    """
    window = 3 * 365
    k = np.maximum(penalties_3y, 1).astype(np.float64)
    back = np.ceil(window * (1.0 - uniforms ** (1.0 / k))).astype(np.int64)
    last = before - np.maximum(back, 1)
    return np.where(penalties_3y > 0, last, NO_RECORD)


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February falls on 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def onset_rate(
    hazard: np.ndarray,
    b: Behaviour,
    extra_inspection_rate: np.ndarray,
    tier: np.ndarray,
    since_penalised: np.ndarray,
    since_waived: np.ndarray,
    first_offender: np.ndarray | None,
) -> np.ndarray:
    """Each firm's chance of starting a violation next quarter.

    General deterrence scales the hazard by the tier's inspection rate above its expected
    level; a recent penalty (or, less, a waiver) deters that firm; under 首违不罚, firms with
    a clean record lose a little fear of a first offence (see behaviour.DEFAULTS for sources).
    """
    rate = hazard * np.exp(-b.general_deterrence * extra_inspection_rate)[tier]
    rate = rate * np.where(
        since_penalised < DETERRENCE_MEMORY,
        1.0 - b.specific_deterrence_penalised,
        np.where(since_waived < DETERRENCE_MEMORY, 1.0 - b.specific_deterrence_waived, 1.0),
    )
    if first_offender is not None:
        rate = rate * np.where(first_offender, 1.0 + b.leniency_moral_hazard, 1.0)
    result: np.ndarray = np.minimum(rate, 1.0)
    return result


def tier_inspections_now(tier: np.ndarray, inspected: np.ndarray) -> np.ndarray:
    return np.bincount(tier[inspected], minlength=len(TIERS)).astype(np.float64)


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else 0.0
