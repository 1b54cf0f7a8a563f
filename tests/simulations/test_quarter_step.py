"""A replication run quarter by quarter is the same run: `initial_state`, N `step` calls and
`metrics_of` give exactly what `run_variant` gives, and each step changes only what one
quarter should — the period advances, totals grow by that quarter's figures, records move
forward, and the shared population is left as it was for the other variants."""

from __future__ import annotations

import copy
from dataclasses import fields, replace

import numpy as np
import pytest

from simulations.capacity import quarter_bounds
from simulations.model import (
    Replication,
    ReplicationState,
    RunSettings,
    Totals,
    initial_state,
    metrics_of,
    run_variant,
    step,
)
from simulations.policy import Policy, product_defaults
from simulations.population import Population, load_population

SEED = 20_260_101


@pytest.fixture(scope="module")
def population() -> Population:
    return load_population(600, 30, 3, ("3601",), 2026)


def _policy() -> Policy:
    # An explicit (empty) holiday list: the statutory data stops at 2026 and these runs go on
    # into 2027; D sampled at a ratio so every tier is drawn from.
    base = product_defaults()
    return replace(
        base, holidays=(), d_tier_key_supervision=False, sampling={**base.sampling, "D": 0.4}
    )


def _start(population: Population, use_exact_draw: bool) -> tuple[Replication, ReplicationState]:
    policy = _policy()
    rep = Replication.of(population, policy, policy, RunSettings(2026, 6, use_exact_draw), SEED)
    return rep, initial_state(rep)


@pytest.mark.parametrize("use_exact_draw", [False, True])
def test_a_run_split_by_quarters_is_the_same_run(
    population: Population, use_exact_draw: bool
) -> None:
    rep, state = _start(population, use_exact_draw)
    policy = rep.policy
    for quarters in range(1, 7):
        step(rep, state)
        # the first N quarters of a longer run are exactly the N-quarter run
        alone = RunSettings(2026, quarters, use_exact_draw)
        expected = run_variant(population, policy, policy, alone, SEED)
        assert repr(metrics_of(state)) == repr(expected), quarters  # bit for bit, NaN too
    assert metrics_of(state)["inspections"] > 0 and metrics_of(state)["penalised"] > 0


def test_metrics_before_any_quarter_are_refused(population: Population) -> None:
    _, state = _start(population, False)
    with pytest.raises(ValueError, match="no quarter has run"):
        metrics_of(state)


def _scalar_totals(t: Totals) -> dict[str, float]:
    return {f.name: getattr(t, f.name) for f in fields(t) if isinstance(getattr(t, f.name), float)}


def test_a_step_changes_only_what_one_quarter_should(population: Population) -> None:
    rep, state = _start(population, False)
    n = population.size
    registry_penalties = population.columns["penalties_3y"].copy()
    for p in range(6):
        before = copy.deepcopy(state)
        step(rep, state)
        start, end = quarter_bounds(2026, p)
        t0, t1 = before.totals, state.totals
        assert state.period == p + 1

        # totals only grow, and every firm is counted in exactly one tier each quarter
        grown = {k: v - _scalar_totals(t0)[k] for k, v in _scalar_totals(t1).items()}
        assert all(d >= 0 for d in grown.values()), grown
        assert (t1.tier_inspections >= t0.tier_inspections).all()
        assert (t1.tier_firm_quarters - t0.tier_firm_quarters).sum() == n
        assert t1.tier_inspections.sum() - t0.tier_inspections.sum() == grown["inspections"]

        # the annual cap counts this calendar year's inspections, from zero each January
        inspected = state.this_year - (0 if p % 4 == 0 else before.this_year)
        assert set(np.unique(inspected)) <= {0, 1}
        assert inspected.sum() == grown["inspections"]
        assert grown["violations_found"] <= grown["violating_inspected"] <= grown["inspections"]

        # every violation found goes on record on its inspection day, inside the quarter
        moved = state.last_violation != before.last_violation
        assert moved.sum() == grown["violations_found"]
        assert (state.last_violation >= before.last_violation).all()
        assert (inspected[moved] == 1).all()
        days = state.last_violation[moved].astype("datetime64[D]")
        assert (days >= np.datetime64(start)).all() and (days <= np.datetime64(end)).all()
        # and is decided once: penalised or not, and the penalties count from next quarter
        assert (state.last_penalised == p).sum() == grown["penalised"]
        assert (state.last_waived == p).sum() == grown["not_penalised"]
        # (a case older than the two-year limit of Art. 36 is time-barred: neither)
        assert grown["penalised"] + grown["not_penalised"] <= grown["violations_found"]
        assert state.recent[-1].sum() == grown["penalised"] and len(state.recent) == p + 1
        assert (state.prior_penalties <= before.prior_penalties).all()  # old ones only age out

        # a changed onset is a violation that began inside the quarter just run
        began = state.onset != before.onset
        # (in a firm compliant before it, or one whose violation was just found and ended)
        assert state.violating[began].all()
        assert (~before.violating[began] | moved[began]).all()
        onsets = state.onset[began].astype("datetime64[D]")
        assert (onsets >= np.datetime64(start)).all() and (onsets <= np.datetime64(end)).all()

    assert state.totals.violations_found > 0 and state.totals.penalised > 0
    # the population is shared by every variant of the replication: a run must not alter it
    assert (population.columns["penalties_3y"] == registry_penalties).all()
