"""The shipped rule packages, called through the vectorised engine (`rules.api`).

The simulation decides nothing itself: credit tiers come from `credit-tier`, key supervision
from `supervision`, and what happens to a detected violation from `penalty-exemption`, each
evaluated over whole columns at once. This module only shapes the columns and reads the
outcomes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from simulations.policy import TIERS

CREDIT_TIER = "credit-tier"
SUPERVISION = "supervision"
PENALTY_EXEMPTION = "penalty-exemption"
PACKAGES = (CREDIT_TIER, SUPERVISION, PENALTY_EXEMPTION)
PENALISED_OUTCOMES = ("penalise", "mitigate")
NOT_PENALISED_OUTCOMES = ("no_penalty", "may_waive")


def _evaluate(
    package: str,
    columns: Mapping[str, np.ndarray],
    as_of: date,
    overrides: Mapping[str, object] | None = None,
) -> np.ndarray:
    from rules.api import evaluate_columns

    result = evaluate_columns(package, columns, as_of=as_of, overrides=overrides)
    return np.asarray(result.outcome)


def classify(columns: Mapping[str, np.ndarray], as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """(tier code 0–3 per enterprise, key-supervision flag) from the two packages."""
    tiers = _evaluate(CREDIT_TIER, columns, as_of).astype(str)
    codes = np.full(tiers.size, -1, dtype=np.int8)
    for i, tier in enumerate(TIERS):
        codes[tiers == tier] = i
    if (codes < 0).any():
        bad = tiers[codes < 0][0]
        raise RuntimeError(f"credit-tier package returned {bad!r}, not one of {TIERS}")
    key = _evaluate(SUPERVISION, {**columns, "credit_tier": tiers}, as_of).astype(str) == "key"
    return codes, key


def case_outcomes(
    cases: Mapping[str, np.ndarray], as_of: date, first_offence_leniency: bool
) -> np.ndarray:
    """The penalty-exemption outcome of each detected case (formats.md §5)."""
    if next(iter(cases.values())).size == 0:
        return np.zeros(0, dtype="<U16")
    return _evaluate(
        PENALTY_EXEMPTION,
        cases,
        as_of,
        {"first_offence_leniency": first_offence_leniency},
    ).astype(str)


def package_hashes() -> dict[str, str]:
    """Content hash of each package the simulation uses, part of the scenario id."""
    from rules.api import package_hash

    return {p: str(package_hash(p)) for p in PACKAGES}
