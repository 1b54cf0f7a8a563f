"""Who is drawn each period: the exact draw of formats.md §3, or an equivalent seeded sampler.

`exact_draw` calls the scheduler's own draw (`scheduler.draw.draw`): HMAC-SHA256 ranks of
every enterprise, the `k` smallest per stratum. Hashing costs ~3.5 s per million enterprises,
so large runs use `sampled_draw`: the same strata and the same `k = ceil(r·n)` per stratum,
ranked by seeded uniform keys instead of HMAC digests. Both therefore select exactly the same
number of enterprises from every stratum; only which ones differs (both uniformly at random).
"""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction

import numpy as np

from scheduler.draw import Classified, draw
from scheduler.task_file import Task
from simulations.policy import TIERS, Policy
from simulations.population import Population

KEY = len(TIERS)  # stratum code of key-supervision enterprises; tiers A–D are 0–3


def stratum_size(ratio_text: str, n: int) -> int:
    """k = ceil(r · n), computed on the ratio's decimal text (formats.md §3, step 3)."""
    return min(n, math.ceil(Fraction(ratio_text) * n))


def strata_codes(tier_codes: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Stratum per enterprise: its tier (0–3), or KEY when under key supervision."""
    return np.where(key, KEY, tier_codes).astype(np.int8)


def sampled_draw(
    strata: np.ndarray, eligible: np.ndarray, policy: Policy, keys: np.ndarray
) -> np.ndarray:
    """Boolean mask of drawn enterprises: all eligible key-stratum firms, and per tier the
    `stratum_size` eligible firms with the smallest `keys`."""
    candidates = np.flatnonzero(eligible)
    s = strata[candidates]
    order = np.lexsort((keys[candidates], s))
    ranked = candidates[order]
    ranked_strata = s[order]
    counts = np.bincount(ranked_strata, minlength=KEY + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    take = np.array(
        [stratum_size(policy.ratio_text(t), int(counts[i])) for i, t in enumerate(TIERS)]
        + [int(counts[KEY])]
    )
    position = np.arange(ranked.size) - starts[ranked_strata]
    drawn = np.zeros(strata.size, dtype=bool)
    drawn[ranked[position < take[ranked_strata]]] = True
    return drawn


def seed_hex(replication_seed: int, period: int) -> str:
    """The published-style draw seed of a simulated period: 64 hex digits."""
    return hashlib.sha256(f"jianguan-sim|{replication_seed}|{period}".encode()).hexdigest()


def exact_draw(
    population: Population,
    tier_codes: np.ndarray,
    key: np.ndarray,
    eligible: np.ndarray,
    task: Task,
    seed: str,
) -> np.ndarray:
    """Boolean mask of the enterprises `scheduler.draw.draw` selects for this task and seed."""
    records = population.records
    classified = [
        Classified(records[i], TIERS[int(tier_codes[i])], bool(key[i]))
        for i in np.flatnonzero(eligible).tolist()
    ]
    result = draw(classified, task, seed)
    index = population.index_of
    drawn = np.zeros(key.size, dtype=bool)
    drawn[[index[d.enterprise_id] for d in result.drawn]] = True
    return drawn
