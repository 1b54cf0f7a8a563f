"""The seeded sampler used for large runs selects exactly as many firms per stratum as the
exact HMAC draw of formats.md §3 (scheduler.draw), whatever the ratios and strata."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations.capacity import period_task
from simulations.policy import TIERS, product_defaults
from simulations.population import load_population
from simulations.stratified_sample import (
    KEY,
    exact_draw,
    sampled_draw,
    seed_hex,
    strata_codes,
)
from tests.random_budget import examples

POPULATION = load_population(300, 10, 5, None, 2026)
RATIOS = st.sampled_from(["0", "0.01", "0.03", "0.05", "0.2", "0.37", "0.5", "1", "1.0"])


@settings(max_examples=examples(25), deadline=None)
@given(
    ratios=st.tuples(RATIOS, RATIOS, RATIOS, RATIOS),
    seed=st.integers(0, 2**32 - 1),
    key_share=st.sampled_from([0.0, 0.05, 0.3]),
    capped_share=st.sampled_from([0.0, 0.2]),
)
def test_sampler_and_exact_draw_take_the_same_count_per_stratum(
    ratios: tuple[str, ...], seed: int, key_share: float, capped_share: float
) -> None:
    rng = np.random.default_rng(seed)
    n = POPULATION.size
    tiers = rng.integers(0, 4, size=n).astype(np.int8)
    key = rng.random(n) < key_share
    eligible = rng.random(n) >= capped_share
    # Annual ratios whose quarter share is the drawn ratio.
    annual = {
        t: float(Decimal(r) * 4) if Decimal(r) * 4 <= 1 else 1.0
        for t, r in zip(TIERS, ratios, strict=True)
    }
    policy = replace(product_defaults(), sampling=annual)
    task = period_task(policy, "SIM-T-P1", date(2026, 1, 1), date(2026, 3, 31))

    exact = exact_draw(POPULATION, tiers, key, eligible, task, seed_hex(seed, 0))
    sampled = sampled_draw(strata_codes(tiers, key), eligible, policy, rng.random(n))

    strata = strata_codes(tiers, key)
    for code in range(KEY + 1):
        members = eligible & (strata == code)
        assert (exact & members).sum() == (sampled & members).sum()
    assert not (exact & ~eligible).any() and not (sampled & ~eligible).any()
    # Every eligible key-supervision firm is drawn.
    assert (exact[eligible & key]).all() and (sampled[eligible & key]).all()


def test_exact_draw_is_recomputable_and_the_sampler_depends_on_its_keys() -> None:
    n = POPULATION.size
    tiers = np.zeros(n, dtype=np.int8)
    key = np.zeros(n, dtype=bool)
    eligible = np.ones(n, dtype=bool)
    policy = product_defaults()
    task = period_task(policy, "SIM-T-P1", date(2026, 1, 1), date(2026, 3, 31))
    first = exact_draw(POPULATION, tiers, key, eligible, task, seed_hex(1, 0))
    again = exact_draw(POPULATION, tiers, key, eligible, task, seed_hex(1, 0))
    other = exact_draw(POPULATION, tiers, key, eligible, task, seed_hex(2, 0))
    assert (first == again).all() and first.sum() == other.sum() and (first != other).any()
    a = sampled_draw(tiers, eligible, policy, np.random.default_rng(1).random(n))
    b = sampled_draw(tiers, eligible, policy, np.random.default_rng(2).random(n))
    # ceil(0.0075 * 300) = 3 A-tier firms either way, but not the same three.
    assert a.sum() == b.sum() == 3 and (a != b).any()
