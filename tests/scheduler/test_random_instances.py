"""Random small instances: whatever the leave, recusals, caps and quiet days, every plan passes
the independent checker and accounts for every drawn enterprise exactly once."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.planner import generate_plan
from scheduler.verify import verify_plan
from tests.random_budget import examples
from tests.scheduler import factory as f

DISTRICTS = ("360102", "360103", "360203")


@st.composite
def instances(draw):
    n_firms = draw(st.integers(1, 25))
    firms = f.enterprises(n_firms, districts=DISTRICTS, key_every=draw(st.integers(0, 5)))
    staff = []
    for dept, field in (("SCJG", "food"), ("SW", "tax")):
        for o in f.officers(draw(st.integers(1, 5)), dept, [field], districts=DISTRICTS):
            leave = tuple(
                date(2026, 3, 2) + timedelta(days=d)
                for d in draw(st.lists(st.integers(0, 11), max_size=6, unique=True))
            )
            recusals = tuple(
                firms[i].id for i in draw(st.lists(st.integers(0, n_firms - 1), max_size=3))
            )
            staff.append(
                dataclasses.replace(
                    o,
                    unavailable=leave,
                    recusals=recusals,
                    max_per_day=draw(st.none() | st.integers(1, 3)),
                    certificate=draw(st.sampled_from([o.certificate] * 4 + [""])),
                )
            )
    quiet = draw(st.lists(st.integers(1, 14), max_size=8, unique=True))
    task = f.task(
        period={"start": date(2026, 3, 2), "end": date(2026, 3, 13)},
        sampling={"A": 0.5, "B": 1.0, "C": 0.3, "D": 1.0},
        officers_per_department=draw(st.integers(1, 2)),
        calendar={"holidays": [], "quiet_days_of_month": sorted(quiet)},
    )
    return firms, staff, task


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_plan_verifies_and_accounts_for_every_drawn_enterprise(instance) -> None:
    firms, staff, task = instance
    doc = generate_plan(firms, staff, task, f.SEED)
    assert verify_plan(doc, firms, staff, task) == []
    drawn = sorted(d["enterprise_id"] for d in doc["draw"])
    placed = [i["enterprise_id"] for i in doc["inspections"]]
    placed += [u["enterprise_id"] for u in doc["unscheduled"]]
    assert sorted(placed) == drawn
    assert all(u["reason"] and u["reason_en"] for u in doc["unscheduled"])
