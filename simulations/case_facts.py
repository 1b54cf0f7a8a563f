"""The facts of each detected violation, as the penalty-exemption package reads them.

The registry does not say how grave a violation found on inspection is, so the facts are
drawn with the shares in `behaviour.CASE_SHARES` (each marked as an assumption there). The
dates are the model's own: when the conduct started, the day the inspection found it, and the
day the firm's last violation was recorded — from which the package itself decides whether
this is a first offence (no same-kind record in the two years before the conduct; the model
has one kind of violation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulations.behaviour import CASE_SHARES

UNIFORMS_PER_CASE = 6
NO_RECORD = np.iinfo(np.int64).min  # a firm with no recorded violation


def case_columns(
    uniforms: np.ndarray,
    high_risk_licence: np.ndarray,
    last_violation_on: np.ndarray,
    occurred_on: np.ndarray,
    discovered_on: np.ndarray,
) -> dict[str, Any]:
    """Columns of formats.md §5 for the cases, from `uniforms` (UNIFORMS_PER_CASE × cases).

    `last_violation_on` holds days since 1970-01-01 of each firm's last recorded violation
    (NO_RECORD for none): given as `prior_same_violation_on`; `first_offence` is given (true)
    only for firms with no record, so the two never disagree.
    """
    s = {k: c.value for k, c in CASE_SHARES.items()}
    u = uniforms
    none = last_violation_on == NO_RECORD
    return {
        "minor": u[0] < s["minor"],
        "harm": np.where(
            u[1] < s["harm_none"],
            "none",
            np.where(u[1] < s["harm_none"] + s["harm_slight"], "slight", "significant"),
        ),
        "corrected_in_time": u[2] < s["corrected_in_time"],
        "first_offence": np.ma.MaskedArray(np.ones(none.size, dtype=bool), mask=~none),
        "prior_same_violation_on": np.ma.MaskedArray(
            np.where(none, 0, last_violation_on).astype(np.int64), mask=none
        ),
        "no_fault_proven": u[3] < s["no_fault_proven"],
        "occurred_on": occurred_on.astype("datetime64[D]"),
        "discovered_on": discovered_on.astype("datetime64[D]"),
        "life_health_financial_safety": high_risk_licence & (u[4] < s["life_health_financial"]),
        # A set field is one bool column per member; only harm elimination is modelled.
        "mitigating": {
            "eliminated_harm": u[5] < s["mitigating"],
            **{
                m: np.zeros(u.shape[1], dtype=bool) for m in ("coerced", "confessed", "meritorious")
            },
        },
    }
