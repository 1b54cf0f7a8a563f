"""Capacity: the task calendar (quiet days, holidays) and officer slots per district-day."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations.capacity import allocate, period_task, quarter_bounds, schedulable_days, slots
from simulations.policy import product_defaults
from simulations.population import Officers
from tests.random_budget import examples


def _days(policy_changes: dict[str, object]) -> np.ndarray:
    policy = replace(product_defaults(), **policy_changes)  # type: ignore[arg-type]
    start, end = quarter_bounds(2026, 1)
    return schedulable_days(period_task(policy, "SIM-Q2", start, end))


def test_quiet_days_and_statutory_holidays_are_not_inspection_days() -> None:
    plain = _days({})
    quiet = _days({"quiet_days_of_month": tuple(range(1, 21))})
    assert np.datetime64("2026-05-01") not in plain  # Labour Day, statutory calendar
    assert np.datetime64("2026-04-15") in plain
    assert quiet.size < plain.size / 2
    assert all(int(str(d)[-2:]) > 20 for d in quiet)


def _officers(districts: list[int], caps: list[int], leave: list[tuple[int, str]]) -> Officers:
    return Officers(
        district_idx=np.array(districts, dtype=np.int32),
        own_cap=np.array(caps, dtype=np.int32),
        leave_officer=np.array([o for o, _ in leave], dtype=np.int64),
        leave_day=np.array([d for _, d in leave], dtype="datetime64[D]"),
    )


def test_slots_count_available_officers_caps_over_the_team() -> None:
    days = np.array(["2026-04-01", "2026-04-02"], dtype="datetime64[D]")
    # District 0: two officers at the task cap (3) and one with own cap 2, who is on leave on
    # the 2nd. District 1: nobody.
    officers = _officers([0, 0, 0], [0, 0, 2], [(2, "2026-04-02")])
    policy = replace(product_defaults(), officer_time_share=1.0)
    got = slots(officers, 2, days, policy)
    assert got.tolist() == [[(3 + 3 + 2) / 2, (3 + 3) / 2], [0.0, 0.0]]
    assert slots(officers, 2, days, replace(policy, officers_scale=0.0)).sum() == 0


def test_allocation_fills_earliest_days_key_first_and_reports_the_rest() -> None:
    matrix = np.array([[1.5, 1.5, 0.0], [0.0, 0.0, 1.0]])
    district = np.array([0, 0, 0, 0, 1, 1])
    priority = np.array([0.5, 0.1, 1.7, 1.2, 0.3, 0.9])
    got = allocate(district, priority, matrix)
    # District 0 has 1 whole slot on day 0 and 3 by day 1; lowest priority value goes first.
    assert got.day.tolist() == [1, 0, -1, 1, 2, -1]
    assert got.capacity == 3 + 1
    none = allocate(district, priority, np.zeros_like(matrix))
    assert (none.day == -1).all() and none.capacity == 0


@settings(max_examples=examples(60), deadline=None)
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 6)),
    seed=st.integers(0, 2**32 - 1),
    drawn=st.integers(0, 40),
)
def test_allocation_never_exceeds_capacity_and_wastes_none(
    shape: tuple[int, int], seed: int, drawn: int
) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.choice([0.0, 0.5, 1.0, 1.5, 3.0], size=shape)
    district = rng.integers(0, shape[0], size=drawn)
    priority = rng.random(drawn)
    got = allocate(district, priority, matrix)
    whole = np.floor(np.cumsum(matrix, axis=1) + 1e-9)
    for d in range(shape[0]):
        mine = district == d
        days = got.day[mine]
        for t in range(shape[1]):
            # Never more inspections by day t than whole slots up to day t.
            assert (days[days >= 0] <= t).sum() <= whole[d, t]
        if (days < 0).any():
            assert (days >= 0).sum() == whole[d, -1]  # refused only when the district is full
        order = np.argsort(priority[mine])
        placed = np.where(days[order] < 0, shape[1], days[order])
        assert (np.diff(placed) >= 0).all()  # earlier priority, earlier (or same) day
    assert got.capacity == whole[:, -1].sum()
