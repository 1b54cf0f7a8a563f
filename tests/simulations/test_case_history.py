"""In the simulation a firm's own history decides its first offence, through the package."""

from __future__ import annotations

from datetime import date

import numpy as np

from simulations.case_facts import NO_RECORD, UNIFORMS_PER_CASE, case_columns
from simulations.model import initial_last_violation
from simulations.rule_packages import case_outcomes, first_offence_years


def _days(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def test_the_last_recorded_violation_decides_the_first_offence() -> None:
    # every case: not minor, slight harm, corrected in time, no fault not proven, no Art. 32
    n = 5
    uniforms = np.full((UNIFORMS_PER_CASE, n), 0.999)
    uniforms[1] = 0.6  # between the shares of no harm (0.50) and slight harm (0.85)
    uniforms[2] = 0.0  # corrected in time
    last = np.array(
        [
            NO_RECORD,  # never recorded: first offence
            _days("2026-03-01"),  # a year before the conduct
            _days("2025-03-01"),  # exactly two years before: still a first offence
            _days("2025-03-02"),  # a day less than two years: not
            _days("2020-01-01"),
        ]
    )
    cases = case_columns(
        uniforms,
        np.zeros(n, dtype=bool),
        last,
        np.full(n, _days("2027-03-01")),
        np.full(n, _days("2027-04-15")),
    )
    outcomes = case_outcomes(cases, date(2027, 6, 30), first_offence_leniency=True)
    assert outcomes.tolist() == ["may_waive", "penalise", "may_waive", "penalise", "may_waive"]
    # without the leniency nobody is waived, whatever the history
    off = case_outcomes(cases, date(2027, 6, 30), first_offence_leniency=False)
    assert set(off.tolist()) == {"penalise"}


def test_initial_history_follows_the_penalty_count() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    before = _days("2027-01-01")
    penalties = rng.integers(0, 4, n)
    last = initial_last_violation(penalties, np.full(n, before), rng.random(n))
    assert (last[penalties == 0] == NO_RECORD).all()
    recorded = last[penalties > 0]
    assert (recorded < before).all() and (recorded >= before - 3 * 365).all()
    # more penalties in three years: the latest of them is more recent on average
    gaps = [before - last[penalties == k].mean() for k in (1, 2, 3)]
    assert gaps[0] > gaps[1] > gaps[2]


def test_the_look_back_is_read_from_the_package() -> None:
    assert first_offence_years(date(2027, 1, 1)) == 2
