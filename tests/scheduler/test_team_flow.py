"""The aggregated team flow (district pools dealt round-robin) against the pairwise network it
replaces: the same lexicographic optimum (travel places, then load) whenever the pairwise
network staffs the day, and valid teams always."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from scheduler.day_zones import day_zones
from scheduler.draw import check_seed
from scheduler.keyed_cost import KeyedCost
from scheduler.region_problem import OfficerSlot
from scheduler.team_flow import (
    PRF_BITS,
    deal_round_robin,
    staff_day,
    weights,
)
from tests.random_budget import examples
from tests.scheduler import factory as f

DAY = date(2026, 3, 16)
DISTRICTS = ("360102", "360103", "360111")
COST = KeyedCost(check_seed(f.SEED), "JX-TEST", PRF_BITS)


def _pairwise(inspections, officers, loads, per, zone):
    """The textbook network: an arc for every non-recused officer–inspection pair."""
    smcf = min_cost_flow.SimpleMinCostFlow()
    node = {o.id: 2 + i for i, o in enumerate(officers)}
    first = 2 + len(officers)
    largest = max(loads[o.id] + min(o.cap, len(inspections)) for o in officers)
    load_weight, travel_weight = weights(first + len(inspections), largest)
    pairs = []
    for o in officers:
        for k in range(min(o.cap, len(inspections))):
            smcf.add_arc_with_capacity_and_unit_cost(
                0, node[o.id], 1, load_weight * (loads[o.id] + k)
            )
    for j, (eid, district) in enumerate(inspections):
        for o in officers:
            if eid not in o.recusals:
                travel = 0 if zone[o.id] == district else travel_weight
                cost = travel + COST("team", "SW", DAY.isoformat(), eid, o.id)
                arc = smcf.add_arc_with_capacity_and_unit_cost(node[o.id], first + j, 1, cost)
                pairs.append((arc, eid, o.id))
        smcf.add_arc_with_capacity_and_unit_cost(first + j, 1, per, 0)
    smcf.set_node_supply(0, per * len(inspections))
    smcf.set_node_supply(1, -per * len(inspections))
    assert smcf.solve_max_flow_with_min_cost() == smcf.OPTIMAL
    teams: dict[str, list[str]] = {eid: [] for eid, _ in inspections}
    for arc, eid, oid in pairs:
        if smcf.flow(arc):
            teams[eid].append(oid)
    return {e: t for e, t in teams.items() if len(t) == per}


def _objective(teams, inspections, loads, zone):
    """Travel places (outside the officer's zone) and the convex load cost of the teams."""
    district = dict(inspections)
    travel = sum(zone[o] != district[e] for e, team in teams.items() for o in team)
    used = Counter(o for team in teams.values() for o in team)
    load = sum(loads[o] + k for o, n in used.items() for k in range(n))
    return travel, load


@st.composite
def days(draw):
    firms = f.enterprises(draw(st.integers(1, 14)), districts=DISTRICTS)
    inspections = [(e.id, e.district) for e in firms]
    officers = []
    for i in range(draw(st.integers(1, 9))):
        recusals = draw(st.lists(st.sampled_from([e for e, _ in inspections]), max_size=2))
        officers.append(
            OfficerSlot(
                id=f"T{i:03d}",
                department="SW",
                district=draw(st.sampled_from(DISTRICTS)),
                cap=draw(st.integers(1, 3)),
                unavailable=frozenset(),
                recusals=frozenset(recusals),
            )
        )
    loads = {o.id: draw(st.integers(0, 4)) for o in officers}
    return inspections, officers, loads, draw(st.integers(1, 2))


@settings(max_examples=examples(300), deadline=None)
@given(days())
def test_pools_reach_the_pairwise_optimum_and_teams_are_always_valid(day) -> None:
    inspections, officers, loads, per = day
    zone = day_zones("SW", DAY, inspections, officers, per, COST, loads)
    reference = _pairwise(inspections, officers, loads, per, zone)
    running = dict(loads)
    staffed = staff_day(DAY, "SW", inspections, officers, running, per, COST)
    by_id = {o.id: o for o in officers}
    for eid, team in staffed.teams.items():
        assert len(team) == per == len(set(team)) and team == sorted(team)
        assert all(eid not in by_id[o].recusals for o in team)
    used = Counter(o for team in staffed.teams.values() for o in team)
    assert all(n <= by_id[o].cap for o, n in used.items())
    assert {o: running[o] - loads[o] for o in running if running[o] != loads[o]} == dict(used)
    assert sorted(staffed.short) == sorted(e for e, _ in inspections if e not in staffed.teams)
    if len(reference) == len(inspections):
        # the pairwise network staffs the whole day: so does the aggregated one, at its cost
        assert staffed.short == []
        assert _objective(staffed.teams, inspections, loads, zone) == _objective(
            reference, inspections, loads, zone
        )


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(st.integers(1, 6), max_size=8),
    st.integers(1, 10),
    st.integers(1, 3),
)
def test_round_robin_fills_the_most_teams_possible_without_repeating_anyone(
    units, n_inspections, per_team
) -> None:
    inspections = [f"E{j}" for j in range(n_inspections)]
    offered = [(f"O{i}", min(n, n_inspections)) for i, n in enumerate(units)]
    teams = deal_round_robin(offered, inspections, per_team)
    q = len(teams)
    assert list(teams) == inspections[:q]  # the first q in seeded order
    assert all(len(t) == per_team == len(set(t)) for t in teams.values())
    used = Counter(o for t in teams.values() for o in t)
    assert all(used[o] <= n for o, n in offered)
    # q distinct teams need per_team·q units with at most q from any one officer: no more fit
    assert q == n_inspections or sum(min(n, q + 1) for _, n in offered) < per_team * (q + 1)


def test_a_recused_inspection_gets_a_team_without_the_recusing_officer() -> None:
    firms = f.enterprises(3)
    inspections = [(e.id, e.district) for e in firms]
    officers = [
        OfficerSlot(
            f"T{i}", "SW", "360102", 3, frozenset(), frozenset({firms[0].id} if i < 2 else ())
        )
        for i in range(4)
    ]
    staffed = staff_day(DAY, "SW", inspections, officers, {}, 2, COST)
    assert staffed.short == []
    assert set(staffed.teams[firms[0].id]) == {"T2", "T3"}
