"""Teams for one day and one department: an exact min-cost flow on an aggregated network.

The textbook network has an arc for every eligible officer–inspection pair: a county day of
465 inspections and 900 officers is 420,000 arcs, each with a PRF cost, and it grows with the
square of the county (that network took 87 of the 91 s a 100,000-enterprise county needed).
But the inspections of one district that no officer available today recuses from are
interchangeable, so they share one *pool* node:

    source → officer     one unit arc per inspection the officer may still do today, the k-th
                         costing LOAD·(load so far + k): convex, so load evens out
    officer → pool d     capacity min(cap, |pool d|); cost TRAVEL when the officer's zone today
                         (`scheduler.day_zones`) is not d, plus a seeded PRF
    officer → special    an inspection some available officer recuses from keeps its own node;
                         capacity 1, no arc from a recusing officer, the same costs
    pool d → sink        capacity per_department · |pool d|; special → sink: per_department

A pool's units are dealt out round-robin: officers in PRF order, each officer's units
consecutively, the i-th unit to inspection i mod q (inspections in seeded order). No officer
brings more units than the pool has inspections, so nobody lands twice in one team
(McNaughton's wrap-around rule). Any pairwise assignment projects onto this network with the
same travel and load cost and back, so the optimum — fewest places outside the zone, then the
most even load, then the seed — is the pairwise network's, on officers × (districts + specials)
arcs instead of officers × inspections. The flow is first built with in-zone arcs only (one per
officer); only when that leaves a place empty is it solved again with every cross-zone arc.
A full in-zone flow is the optimum of the larger network too, by the weights below.

Weights (`weights`): the optimum must be lexicographic — fewest travel places, then least load
cost, then the seed. Two max flows differ by residual cycles; a simple cycle passes the source
at most once, so it holds at most two load arcs but up to one PRF arc per node. The load weight
therefore exceeds nodes × 2^PRF_BITS, and the travel weight exceeds twice the largest load arc
plus that: no cycle can buy a place in the zone with load, or load with the seed. They are
computed per network, from its size and the loads so far, so any plan length fits.

The flow is solved exactly and its PRF costs make the optimum unique, so the teams depend on
the inputs and seed only, never on solver luck.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ortools.graph.python import min_cost_flow

from scheduler.day_zones import day_zones
from scheduler.keyed_cost import KeyedCost
from scheduler.region_problem import OfficerSlot


class FlowError(RuntimeError):
    """The flow solver refused the network (a bug, not bad data)."""


PRF_BITS = 20
# OR-Tools scales costs by the node count internally; keep that product inside int64.
COST_LIMIT = 1 << 62


def weights(nodes: int, largest_unit: int) -> tuple[int, int]:
    """(load weight, travel weight) for a network of `nodes` nodes whose costliest load arc is
    `largest_unit` (the load so far plus the day's k-th unit)."""
    load = 1 << (PRF_BITS + nodes.bit_length())
    travel = load << (largest_unit.bit_length() + 2)
    if travel * (nodes + 1) >= COST_LIMIT:
        raise FlowError(
            f"team flow of {nodes} nodes and loads up to {largest_unit} exceeds the cost range"
        )
    return load, travel


@dataclass(frozen=True, slots=True)
class DayStaffing:
    teams: dict[str, list[str]]  # enterprise id -> officer ids (sorted)
    short: list[str]  # enterprises that could not get a full team
    travel_arcs: int  # team places filled by an officer from another district


@dataclass(frozen=True, slots=True)
class _Day:
    """One day's inspections of one department, split into pools and specials."""

    iso: str
    department: str
    per_department: int
    officers: Sequence[OfficerSlot]
    zone: dict[str, str]
    pools: dict[str, list[str]]  # district -> interchangeable enterprise ids, seeded order
    specials: list[tuple[str, str]]  # (enterprise id, district) someone recuses from
    total: int  # inspections today
    prf: dict[tuple[str, str, str], int]  # seeded arc costs, kept for the cross-zone solve

    def arc_prf(self, kind: str, target: str, officer: str, cost: KeyedCost) -> int:
        key = (kind, target, officer)
        value = self.prf.get(key)
        if value is None:
            value = self.prf[key] = cost(kind, self.department, self.iso, target, officer)
        return value


def _split(
    department: str,
    day: date,
    inspections: Sequence[tuple[str, str]],
    officers: Sequence[OfficerSlot],
    per_department: int,
    cost: KeyedCost,
    loads: dict[str, int],
    ahead: Mapping[str, int] | None,
) -> _Day:
    iso = day.isoformat()
    recused = {eid for o in officers for eid in o.recusals}
    pools: dict[str, list[str]] = {}
    specials: list[tuple[str, str]] = []
    for eid, district in inspections:
        if eid in recused:
            specials.append((eid, district))
        else:
            pools.setdefault(district, []).append(eid)
    for members in pools.values():
        members.sort(key=lambda e: (cost("order", department, iso, e), e))
    zone = day_zones(department, day, inspections, officers, per_department, cost, loads, ahead)
    return _Day(
        iso, department, per_department, officers, zone, pools, specials, len(inspections), {}
    )


def _solve(d: _Day, loads: dict[str, int], cost: KeyedCost, cross_zone: bool) -> DayStaffing:
    """Solve the network (in-zone arcs only unless `cross_zone`) and deal out the teams."""
    source, sink = 0, 1
    node = 2
    officer_node: dict[str, int] = {}
    for o in d.officers:
        officer_node[o.id] = node
        node += 1
    pool_node: dict[str, int] = {}
    for district in sorted(d.pools):
        pool_node[district] = node
        node += 1
    special_node = list(range(node, node + len(d.specials)))
    largest = max(loads.get(o.id, 0) + min(o.cap, d.total) for o in d.officers) if d.officers else 1
    load_weight, travel_weight = weights(node + len(d.specials), largest)
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []

    def arc(tail: int, head: int, capacity: int, unit_cost: int) -> int:
        tails.append(tail)
        heads.append(head)
        caps.append(capacity)
        costs.append(unit_cost)
        return len(tails) - 1

    for o in d.officers:
        for k in range(min(o.cap, d.total)):
            arc(source, officer_node[o.id], 1, load_weight * (loads.get(o.id, 0) + k))
    pool_arcs: dict[str, list[tuple[int, int, str]]] = {district: [] for district in d.pools}
    for o in d.officers:
        for district, members in d.pools.items():
            home = d.zone[o.id] == district
            if not (home or cross_zone):
                continue
            prf = d.arc_prf("pool", district, o.id, cost)
            index = arc(
                officer_node[o.id],
                pool_node[district],
                min(o.cap, len(members)),
                (0 if home else travel_weight) + prf,
            )
            pool_arcs[district].append((index, prf, o.id))
    special_arcs: list[list[tuple[int, str]]] = []
    for (eid, district), snode in zip(d.specials, special_node, strict=True):
        mine: list[tuple[int, str]] = []
        for o in d.officers:
            home = d.zone[o.id] == district
            if eid in o.recusals or not (home or cross_zone):
                continue
            travel = 0 if home else travel_weight
            prf = d.arc_prf("team", eid, o.id, cost)
            mine.append((arc(officer_node[o.id], snode, 1, travel + prf), o.id))
        special_arcs.append(mine)
    for district, members in d.pools.items():
        arc(pool_node[district], sink, d.per_department * len(members), 0)
    for snode in special_node:
        arc(snode, sink, d.per_department, 0)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    demand = d.per_department * d.total
    smcf.set_node_supply(source, demand)
    smcf.set_node_supply(sink, -demand)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise FlowError(f"min-cost flow status {status} on {d.iso} {d.department}")
    return _teams(d, smcf, pool_arcs, special_arcs)


def _teams(
    d: _Day,
    smcf: min_cost_flow.SimpleMinCostFlow,
    pool_arcs: dict[str, list[tuple[int, int, str]]],
    special_arcs: list[list[tuple[int, str]]],
) -> DayStaffing:
    """Read the teams off the solved flow: pools dealt round-robin, specials as they are."""
    teams: dict[str, list[str]] = {}
    short: list[str] = []
    for district, members in d.pools.items():
        units = sorted((prf, oid, smcf.flow(index)) for index, prf, oid in pool_arcs[district])
        dealt = deal_round_robin(
            [(oid, n) for _prf, oid, n in units if n], members, d.per_department
        )
        teams.update(dealt)
        short.extend(e for e in members if e not in dealt)
    for (eid, _district), arcs in zip(d.specials, special_arcs, strict=True):
        team = [oid for index, oid in arcs if smcf.flow(index)]
        if len(team) == d.per_department:
            teams[eid] = team
        else:
            short.append(eid)
    return DayStaffing(teams, short, 0)


def deal_round_robin(
    units: Sequence[tuple[str, int]], inspections: Sequence[str], per_team: int
) -> dict[str, list[str]]:
    """Teams of `per_team` distinct officers for as many of `inspections` (in order) as the
    officers' units allow: (officer, units) in dealing order, each officer's units consecutive,
    the i-th unit to inspection i mod q. q is the largest count with Σ min(units, q) ≥
    per_team·q, so taking at most q units from each officer fills q teams exactly and no
    officer appears twice in a team."""
    if per_team <= 0 or not inspections:
        return {}

    def fits(q: int) -> bool:
        return sum(min(n, q) for _oid, n in units) >= per_team * q

    low, high = 0, len(inspections)  # fits(0) holds; fits is monotone (concave minus linear)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    q = low
    if q == 0:
        return {}
    teams: dict[str, list[str]] = {e: [] for e in inspections[:q]}
    taken = [oid for oid, n in units for _ in range(min(n, q))][: per_team * q]
    for i, oid in enumerate(taken):
        teams[inspections[i % q]].append(oid)
    return teams


def staff_day(
    day: date,
    department: str,
    inspections: Sequence[tuple[str, str]],
    officers: Sequence[OfficerSlot],
    loads: dict[str, int],
    per_department: int,
    cost: KeyedCost,
    ahead: Mapping[str, int] | None = None,
) -> DayStaffing:
    """Pick `per_department` distinct officers for every inspection of `day`, or report it short.

        `officers` are the department's qualified officers available on `day`; `loads` (inspections
        already given to each officer on earlier days) is updated in place; `ahead` (expected
    further load per officer, `scheduler.day_zones.Outlook`) lets the zones look past today.
    """
    if not inspections:
        return DayStaffing({}, [], 0)
    split = _split(department, day, inspections, officers, per_department, cost, loads, ahead)
    staffed = _solve(split, loads, cost, cross_zone=False)
    if staffed.short:
        staffed = _solve(split, loads, cost, cross_zone=True)
    district_of = dict(inspections)
    officer_district = {o.id: o.district for o in officers}
    travel_arcs = 0
    teams: dict[str, list[str]] = {}
    for eid, _district in inspections:
        team = staffed.teams.get(eid)
        if team is None:
            continue
        team.sort()
        teams[eid] = team
        for oid in team:
            loads[oid] = loads.get(oid, 0) + 1
            travel_arcs += officer_district[oid] != district_of[eid]
    short = [eid for eid, _district in inspections if eid not in teams]
    return DayStaffing(teams, short, travel_arcs)
