"""The shipped rule packages, called through the vectorised engine (`rules.api`).

The simulation decides nothing itself: credit tiers come from `credit-tier`, key supervision
from `supervision`, and what happens to a detected violation from `penalty-exemption`, each
evaluated over whole columns at once. This module only shapes the columns and reads the
outcomes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from simulations.policy import TIERS

if TYPE_CHECKING:
    from rules.vector import VectorResult

CREDIT_TIER = "credit-tier"
SUPERVISION = "supervision"
PENALTY_EXEMPTION = "penalty-exemption"
PACKAGES = (CREDIT_TIER, SUPERVISION, PENALTY_EXEMPTION)
PENALISED_OUTCOMES = ("penalise", "mitigate")
NOT_PENALISED_OUTCOMES = ("no_penalty", "may_waive")


D_TIER_KEY_RULE = "key-d-tier"  # supervision package: tier D is put under key supervision


def _evaluate(
    package: str,
    columns: Mapping[str, Any],
    as_of: date,
    overrides: Mapping[str, object] | None = None,
) -> VectorResult:
    from rules.api import evaluate_columns

    return evaluate_columns(package, columns, as_of=as_of, overrides=overrides)


def classify(
    columns: Mapping[str, np.ndarray], as_of: date, d_tier_key_supervision: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(tier code 0–3 per enterprise, key-supervision flag) from the two packages.

    With `d_tier_key_supervision` off, firms the supervision package puts under key
    supervision only because they are tier D (its rule `key-d-tier` fired and no other) stay
    in the random pool and are sampled at the D ratio: the "what if D were sampled, not fully
    covered" question. Read from the package's own per-rule results, not re-implemented.
    """
    tiers = np.asarray(_evaluate(CREDIT_TIER, columns, as_of).outcome).astype(str)
    codes = np.full(tiers.size, -1, dtype=np.int8)
    for i, tier in enumerate(TIERS):
        codes[tiers == tier] = i
    if (codes < 0).any():
        bad = tiers[codes < 0][0]
        raise RuntimeError(f"credit-tier package returned {bad!r}, not one of {TIERS}")
    supervision = _evaluate(
        SUPERVISION,
        {
            "credit_tier": tiers,
            "high_risk_licence": columns["high_risk_licence"],
            "abnormal_list": columns["abnormal_list"],
            "serious_dishonest_list": columns["serious_dishonest_list"],
        },
        as_of,
    )
    key = np.asarray(supervision.outcome).astype(str) == "key"
    if not d_tier_key_supervision and D_TIER_KEY_RULE in supervision.rule_ids:
        row = supervision.rule_ids.index(D_TIER_KEY_RULE)
        others = np.delete(supervision.fired, row, axis=0).any(axis=0)
        key &= ~(supervision.fired[row] & ~others)
    return codes, key


def case_outcomes(
    cases: Mapping[str, Any], as_of: date, first_offence_leniency: bool
) -> np.ndarray:
    """The penalty-exemption outcome of each detected case (formats.md §5)."""
    if len(cases["minor"]) == 0:
        return np.zeros(0, dtype="<U16")
    result = _evaluate(
        PENALTY_EXEMPTION,
        cases,
        as_of,
        {"first_offence_leniency": first_offence_leniency},
    )
    return np.asarray(result.outcome).astype(str)


def first_offence_years(as_of: date) -> int:
    """The penalty package's first-offence look-back (years) in force on `as_of`."""
    from rules.registry import version_at, versions_of

    version = version_at(versions_of(PENALTY_EXEMPTION), as_of)
    if version is None:
        raise RuntimeError(f"no {PENALTY_EXEMPTION} version is in force on {as_of}")
    return int(version.parameters_at(as_of)["first_offence_window_years"])


def package_hashes() -> dict[str, list[str]]:
    """Content hash of every version of each package the simulation uses (scenario id)."""
    from rules.registry import versions_of

    return {p: [v.sha256 for v in versions_of(p)] for p in PACKAGES}


def d_tier_is_key() -> bool:
    """Whether the shipped supervision package puts tier D under key supervision."""
    from rules.registry import versions_of

    return any(r.id == D_TIER_KEY_RULE for v in versions_of(SUPERVISION) for r in v.rules)
