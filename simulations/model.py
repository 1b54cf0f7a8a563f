"""One replication of the product's own loop, quarter by quarter, for one policy variant.

Each period: credit tiers and key supervision from the rule packages (vector engine) → the
stratified draw (exact or sampled) among firms under their annual cap → capacity-limited
scheduling on the task calendar → detection with probability → outcomes from the
penalty-exemption package → penalties feed next quarter's tiers, and behaviour responds
(deterrence, leniency). Violation onset, correction, detection, case facts and draw keys are
drawn from streams keyed by (replication seed, period, purpose) — the same numbers in every
variant (common random numbers), so a variant that changes nothing changes no number.

A replication is `Replication.of(...)` (what stays fixed), `initial_state` (the firms at the
start), `step` once per quarter, and `metrics_of` the state; `run_variant` does all four.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from scheduler.task_file import Task
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
_NEVER = -10_000  # a quarter index long before any run: "no penalty or waiver yet"


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


@dataclass(frozen=True, slots=True)
class Replication:
    """What stays fixed through one replication of one variant.

    The world figures (`prevalence`, `world_correction`, `hazard`, `expected_q0`) come from
    the baseline policy, not the variant's: every variant starts from the same world and
    differs only in what its policy does to it.
    """

    population: Population
    policy: Policy
    settings: RunSettings
    streams: _Streams
    prevalence: np.ndarray  # float64 per firm: calibrated under the baseline's detection
    world_correction: float  # the baseline's self-correction, which set the initial ages
    hazard: np.ndarray  # float64 per firm: onset chance a quarter before deterrence
    expected_q0: np.ndarray  # float64 per tier: annual inspection chance firms expect

    @classmethod
    def of(
        cls,
        population: Population,
        policy: Policy,
        world: Policy,
        settings: RunSettings,
        replication_seed: int,
    ) -> Replication:
        prevalence = population.prevalence(world.behaviour.detection_probability)
        correction = world.behaviour.self_correction_per_quarter
        return cls(
            population=population,
            policy=policy,
            settings=settings,
            streams=_Streams(replication_seed),
            prevalence=prevalence,
            world_correction=correction,
            # Onset hazard that keeps `prevalence` stationary when nobody is inspected.
            hazard=np.minimum(correction * prevalence / (1.0 - prevalence), 0.95),
            # Annual inspection probability each tier expects at the start: the baseline's.
            expected_q0=np.array([min(1.0, world.sampling[t]) for t in TIERS]),
        )

    @property
    def seed(self) -> int:
        return self.streams.seed


@dataclass(slots=True)
class Totals:
    """Sums over the quarters run so far; `metrics_of` scales them to a year.

    Python floats, not NumPy scalars, so the metrics are plain floats in result.json.
    """

    inspections: float = 0.0
    violations_found: float = 0.0
    unscheduled: float = 0.0
    capacity: float = 0.0
    violating_firm_quarters: float = 0.0
    violating_inspected: float = 0.0
    detection_days: float = 0.0
    key_inspections: float = 0.0
    penalised: float = 0.0
    not_penalised: float = 0.0
    tier_inspections: np.ndarray = field(default_factory=lambda: np.zeros(len(TIERS)))
    tier_firm_quarters: np.ndarray = field(default_factory=lambda: np.zeros(len(TIERS)))


@dataclass(slots=True)
class ReplicationState:
    """The firms between two quarters, and what has been counted so far.

    Every array has one entry per firm. Days are days since 1970-01-01; quarters are the
    0-based period index. `step` changes it in place: the arrays are a million firms long
    and nothing needs the state of a quarter back.
    """

    period: int  # the next quarter to run; also how many have run
    violating: np.ndarray  # bool: in violation now
    onset: np.ndarray  # int64 day the current (or, if compliant, the last) violation began
    prior_penalties: np.ndarray  # int64: penalties from before the run not yet 3 years old
    recent: deque[np.ndarray]  # int64 0/1 per quarter: penalised then; the last 12 quarters
    last_violation: np.ndarray  # int64 day of the last recorded violation, or NO_RECORD
    last_penalised: np.ndarray  # int64 quarter of the last penalty (_NEVER: none in the run)
    last_waived: np.ndarray  # int64 quarter of the last waiver or non-penalty
    this_year: np.ndarray  # int64 inspections in the current calendar year (the annual cap)
    totals: Totals

    @property
    def penalties_3y(self) -> np.ndarray:
        """Each firm's penalties in the last three years, as the credit-tier package reads."""
        result: np.ndarray = self.prior_penalties + (sum(self.recent) if self.recent else 0)
        return result


def initial_state(rep: Replication) -> ReplicationState:
    """The firms at the start of quarter 0: who is violating (at the calibrated prevalence),
    since when, and each firm's penalty record from the registry."""
    n = rep.population.size
    start0 = _days(quarter_bounds(rep.settings.year, 0)[0])
    init = rep.streams.rng(0, _INIT)
    violating = init.random(n) < rep.prevalence
    # The age of a running violation is geometric in quarters under stationarity.
    age_quarters = init.geometric(max(rep.world_correction, 1e-6), size=n) - 1
    onset = (
        start0 - age_quarters * _QUARTER_DAYS - (init.random(n) * _QUARTER_DAYS).astype(np.int64)
    )
    prior_penalties = rep.population.columns["penalties_3y"].astype(np.int64).copy()
    last_violation = initial_last_violation(
        prior_penalties,
        np.where(violating, np.minimum(onset, start0), start0),
        rep.streams.rng(0, _HISTORY).random(n),
    )
    return ReplicationState(
        period=0,
        violating=violating,
        onset=onset,
        prior_penalties=prior_penalties,
        recent=deque(maxlen=PENALTY_MEMORY),
        last_violation=last_violation,
        last_penalised=np.full(n, _NEVER, dtype=np.int64),
        last_waived=np.full(n, _NEVER, dtype=np.int64),
        this_year=np.zeros(n, dtype=np.int64),
        totals=Totals(),
    )


@dataclass(frozen=True, slots=True)
class _Tiers:
    """The quarter's classification by the rule packages."""

    tier: np.ndarray  # int8 code 0–3 (TIERS) per firm
    key: np.ndarray  # bool: under key supervision
    strata: np.ndarray  # the draw's stratum per firm (KEY for key supervision)
    counts: np.ndarray  # int64 firms per tier


@dataclass(frozen=True, slots=True)
class _Visits:
    """Who was inspected this quarter, and when."""

    done: np.ndarray  # int64 indices of the inspected firms
    inspected: np.ndarray  # bool per firm
    visit_day: np.ndarray  # int64 day per firm (0 where not inspected)
    unscheduled: int  # drawn but no slot left in the quarter
    capacity: int  # inspection slots in the quarter


@dataclass(frozen=True, slots=True)
class _Cases:
    """The violations found this quarter and what the penalty package decided."""

    found: np.ndarray  # int64 indices of the firms whose violation was found
    penalised: np.ndarray  # bool per firm
    waived: np.ndarray  # bool per firm: not penalised, or waived as a first offence


def step(rep: Replication, state: ReplicationState) -> None:
    """Run quarter `state.period` and leave `state` at the start of the next one.

    The stages read the state as the quarter left it so far, so their order is the model:
    counted before recorded (the totals see the violations as they stood during the
    quarter), recorded before behaviour (this quarter's penalties already deter).
    """
    p = state.period
    start, end = quarter_bounds(rep.settings.year, p)
    if p % PERIODS_PER_YEAR == 0:
        state.this_year[:] = 0  # the annual cap counts calendar years
    tiers = _classify(rep, state, start)
    task = period_task(rep.policy, f"SIM-{rep.seed:x}-P{p + 1}", start, end)
    drawn = _draw(rep, state, tiers, task)
    visits = _schedule(rep, p, drawn, tiers, task)
    cases = _decide(rep, state, _detect(rep, state, visits), visits, end)
    _count(state, tiers, visits, cases)
    _record(rep, state, visits, cases)
    _behave(rep, state, tiers, visits, start, end)
    state.period = p + 1


def _classify(rep: Replication, state: ReplicationState, start: date) -> _Tiers:
    # Penalties found in the run feed the next quarter's tiers (the product's own loop).
    columns = {**rep.population.columns, "penalties_3y": state.penalties_3y}
    tier, key = rule_packages.classify(columns, start, rep.policy.d_tier_key_supervision)
    return _Tiers(tier, key, strata_codes(tier, key), np.bincount(tier, minlength=len(TIERS)))


def _draw(rep: Replication, state: ReplicationState, tiers: _Tiers, task: Task) -> np.ndarray:
    """Who is drawn, among firms still under their annual cap. Key-supervision firms are
    covered in full once a year, each in its own quarter, outside the random pool."""
    p = state.period
    key_now = tiers.key & (rep.population.key_quarter == p % PERIODS_PER_YEAR)
    eligible = ~tiers.key | key_now
    if rep.policy.max_per_year is not None:
        eligible &= state.this_year < rep.policy.max_per_year
    if rep.settings.use_exact_draw:
        seed = seed_hex(rep.seed, p)
        return exact_draw(rep.population, tiers.tier, tiers.key, eligible, task, seed)
    uniforms = rep.streams.rng(p, _DRAW).random(rep.population.size)
    return sampled_draw(tiers.strata, eligible, rep.policy, uniforms)


def _schedule(rep: Replication, p: int, drawn: np.ndarray, tiers: _Tiers, task: Task) -> _Visits:
    """Scheduling under capacity: key-supervision firms first, then in random order."""
    n = rep.population.size
    days = schedulable_days(task)
    idx = np.flatnonzero(drawn)
    order_key = rep.streams.rng(p, _ORDER).random(n)[idx] + (tiers.strata[idx] != KEY)
    matrix = slots(rep.population.officers, len(rep.population.districts), days, rep.policy)
    alloc = allocate(rep.population.district_idx[idx], order_key, matrix)
    done = idx[alloc.day >= 0]
    visit_day = np.zeros(n, dtype=np.int64)
    if done.size:
        visit_day[done] = days[alloc.day[alloc.day >= 0]].astype(np.int64)
    inspected = np.zeros(n, dtype=bool)
    inspected[done] = True
    return _Visits(done, inspected, visit_day, int((alloc.day < 0).sum()), alloc.capacity)


def _detect(rep: Replication, state: ReplicationState, visits: _Visits) -> np.ndarray:
    """Indices of the inspected violators whose violation the inspection finds."""
    u = rep.streams.rng(state.period, _DETECT).random(rep.population.size)
    found = visits.inspected & state.violating & (u < rep.policy.behaviour.detection_probability)
    return np.flatnonzero(found)


def _decide(
    rep: Replication, state: ReplicationState, f: np.ndarray, visits: _Visits, end: date
) -> _Cases:
    """Outcomes of the detected cases from the penalty-exemption package."""
    n = rep.population.size
    cases = case_columns(
        rep.streams.rng(state.period, _CASE).random((UNIFORMS_PER_CASE, n))[:, f],
        rep.population.columns["high_risk_licence"][f],
        state.last_violation[f],
        state.onset[f],
        visits.visit_day[f],
    )
    outcome = rule_packages.case_outcomes(cases, end, rep.policy.first_offence_leniency)
    penalised = np.zeros(n, dtype=bool)
    penalised[f[np.isin(outcome, rule_packages.PENALISED_OUTCOMES)]] = True
    waived = np.zeros(n, dtype=bool)
    waived[f[np.isin(outcome, rule_packages.NOT_PENALISED_OUTCOMES)]] = True
    return _Cases(f, penalised, waived)


def _count(state: ReplicationState, tiers: _Tiers, visits: _Visits, cases: _Cases) -> None:
    """Add the quarter to the totals; reads the violations as they stood during it."""
    t, f, inspected = state.totals, cases.found, visits.inspected
    t.inspections += visits.done.size
    t.violations_found += f.size
    t.unscheduled += visits.unscheduled
    t.capacity += visits.capacity
    t.violating_firm_quarters += int(state.violating.sum())
    t.violating_inspected += int((state.violating & inspected).sum())
    t.detection_days += float((visits.visit_day[f] - state.onset[f]).sum())
    t.key_inspections += int((inspected & tiers.key).sum())
    t.penalised += int(cases.penalised.sum())
    t.not_penalised += int(cases.waived.sum())
    t.tier_inspections += np.bincount(tiers.tier[inspected], minlength=len(TIERS))
    t.tier_firm_quarters += tiers.counts


def _record(rep: Replication, state: ReplicationState, visits: _Visits, cases: _Cases) -> None:
    """What the quarter leaves behind: found violations end, penalties go on record, and
    penalties from before the run age out of the three-year count."""
    p, f = state.period, cases.found
    state.this_year += visits.inspected
    state.violating[f] = False
    state.recent.append(cases.penalised.astype(np.int64))
    expiring = rep.streams.rng(p, _EXPIRE).binomial(state.prior_penalties, 1.0 / PENALTY_MEMORY)
    state.prior_penalties = state.prior_penalties - expiring
    state.last_penalised[cases.penalised] = p
    state.last_waived[cases.waived] = p
    state.last_violation[f] = visits.visit_day[f]  # a penalty or a waiver: either is on record


def _behave(
    rep: Replication,
    state: ReplicationState,
    tiers: _Tiers,
    visits: _Visits,
    start: date,
    end: date,
) -> None:
    """Onsets among compliant firms and self-correction among violators, for next quarter."""
    p, b, n = state.period, rep.policy.behaviour, rep.population.size
    seen_q = np.minimum(
        1.0,
        PERIODS_PER_YEAR
        * tier_inspections_now(tiers.tier, visits.inspected)
        / np.maximum(tiers.counts, 1),
    )
    # firms a violation next quarter would find with no record in the package's
    # look-back (SAMR's 首违: none of the same kind in two years)
    lookback = rule_packages.first_offence_years(end)
    first = (
        state.last_violation <= _days(_years_before(end, lookback))
        if rep.policy.first_offence_leniency
        else None
    )
    rate = onset_rate(
        rep.hazard,
        b,
        seen_q - rep.expected_q0,
        tiers.tier,
        p - state.last_penalised,
        p - state.last_waived,
        first,
    )
    onset_u = rep.streams.rng(p, _ONSET).random((2, n))
    starts = ~state.violating & (onset_u[0] < rate)
    length = (end - start).days + 1
    state.onset = np.where(
        starts, _days(start) + (onset_u[1] * length).astype(np.int64), state.onset
    )
    u = rep.streams.rng(p, _CORRECT).random(n)
    stops = state.violating & (u < b.self_correction_per_quarter)
    state.violating = (state.violating & ~stops) | starts


def metrics_of(state: ReplicationState) -> dict[str, float]:
    """The metrics of metrics.py, per year of the quarters run so far."""
    if state.period == 0:
        raise ValueError("metrics_of: no quarter has run yet; call step() first")
    t = state.totals
    years = state.period / PERIODS_PER_YEAR
    mean_tier = t.tier_firm_quarters / state.period
    metrics = {
        "inspections": t.inspections / years,
        "violations_found": t.violations_found / years,
        "hit_rate": _ratio(t.violations_found, t.inspections),
        "officer_utilisation": _ratio(t.inspections, t.capacity),
        "unscheduled": t.unscheduled / years,
        "share_violating_inspected": _ratio(t.violating_inspected, t.violating_firm_quarters),
        "time_to_detection_days": (
            t.detection_days / t.violations_found if t.violations_found else float("nan")
        ),
        "key_inspections": t.key_inspections / years,
        "penalised": t.penalised / years,
        "not_penalised": t.not_penalised / years,
        "violation_prevalence_end": float(state.violating.mean()) if state.violating.size else 0.0,
    }
    for i, tier in enumerate(TIERS):
        metrics[f"burden_{tier}"] = _ratio(t.tier_inspections[i], mean_tier[i]) / years
        metrics[f"inspections_{tier}"] = float(t.tier_inspections[i]) / years
    return metrics


def run_variant(
    population: Population,
    policy: Policy,
    world: Policy,
    settings: RunSettings,
    replication_seed: int,
) -> dict[str, float]:
    """Simulate one variant for one replication, `settings.periods` quarters; returns the
    metrics of metrics.py.

    `world` is the baseline policy: the population's prevalence and initial state are
    calibrated under it, so every variant starts from the same world.
    """
    rep = Replication.of(population, policy, world, settings, replication_seed)
    state = initial_state(rep)
    for _ in range(settings.periods):
        step(rep, state)
    return metrics_of(state)


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
