"""Teams for one day and one department: an exact min-cost flow (b-matching).

source → officer (one unit arc per inspection the officer may still do today, the k-th
costing LOAD·(load so far + k): convex, so load evens out) → inspection (capacity 1, so team
members are distinct; cost TRAVEL when the officer's unit is in another district, plus a
seeded PRF; the officer's zone for the day is decided first, see `day_zones`) → sink (capacity = officers per department). Arcs exist only for available,
non-recused officers. The flow is solved exactly, so the teams depend on the inputs and seed
only, never on solver luck.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ortools.graph.python import min_cost_flow

from scheduler.keyed_cost import KeyedCost
from scheduler.region_problem import OfficerSlot

PRF_BITS = 28
LOAD_WEIGHT = 1 << PRF_BITS
# Loads stay below 2**10 a plan, so travel outranks any load difference; OR-Tools scales
# costs by the node count internally, which still fits int64 at these magnitudes.
TRAVEL_WEIGHT = 1 << 40


def day_zones(
    department: str,
    day: date,
    inspections: Sequence[tuple[str, str]],
    officers: Sequence[OfficerSlot],
    per_department: int,
    cost: KeyedCost,
) -> dict[str, str]:
    """The district each officer works in today (片区): home, unless home has more officers
    than work and another district has less — then whole officers, in seeded order, are lent
    to the districts short of staff, largest shortage first. The flow then prefers officers
    whose zone is the inspection's district, so an officer's day stays in one district."""
    demand: dict[str, int] = {}
    for _eid, district in inspections:
        demand[district] = demand.get(district, 0) + per_department
    supply: dict[str, int] = {}
    for o in officers:
        supply[o.district] = supply.get(o.district, 0) + min(o.cap, len(inspections))
    zone = {o.id: o.district for o in officers}
    short = {d: n - supply.get(d, 0) for d, n in demand.items() if n > supply.get(d, 0)}
    if not short:
        return zone
    iso = day.isoformat()
    spare = sorted(
        (o for o in officers if supply[o.district] - demand.get(o.district, 0) > 0),
        key=lambda o: (cost("zone", department, iso, o.id), o.id),
    )
    for o in spare:
        if not short:
            break
        cap = min(o.cap, len(inspections))
        if supply[o.district] - demand.get(o.district, 0) < cap:
            continue  # lending this officer would leave home short
        target = max(sorted(short), key=lambda d: short[d])
        zone[o.id] = target
        supply[o.district] -= cap
        short[target] -= cap
        if short[target] <= 0:
            del short[target]
    return zone


class FlowError(RuntimeError):
    """The flow solver refused the network (a bug, not bad data)."""


@dataclass(frozen=True, slots=True)
class DayStaffing:
    teams: dict[str, list[str]]  # enterprise id -> officer ids (sorted)
    short: list[str]  # enterprises that could not get a full team
    travel_arcs: int  # team places filled by an officer from another district


def staff_day(
    day: date,
    department: str,
    inspections: Sequence[tuple[str, str]],
    officers: Sequence[OfficerSlot],
    loads: dict[str, int],
    per_department: int,
    cost: KeyedCost,
) -> DayStaffing:
    """Pick `per_department` distinct officers for every inspection of `day`, or report it short.

    `officers` are the department's qualified officers available on `day`; `loads` (inspections
    already given to each officer on earlier days) is updated in place.
    """
    smcf = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    officer_node = {o.id: 2 + i for i, o in enumerate(officers)}
    first_insp = 2 + len(officers)
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    for o in officers:
        for k in range(min(o.cap, len(inspections))):
            tails.append(source)
            heads.append(officer_node[o.id])
            caps.append(1)
            costs.append(LOAD_WEIGHT * (loads.get(o.id, 0) + k))
    pair_arcs: list[tuple[int, str, str]] = []
    iso = day.isoformat()
    zone = day_zones(department, day, inspections, officers, per_department, cost)
    for j, (eid, district) in enumerate(inspections):
        node = first_insp + j
        for o in officers:
            if eid in o.recusals:
                continue
            pair_arcs.append((len(tails), eid, o.id))
            tails.append(officer_node[o.id])
            heads.append(node)
            caps.append(1)
            travel = 0 if zone[o.id] == district else TRAVEL_WEIGHT
            costs.append(travel + cost("team", department, iso, eid, o.id))
        tails.append(node)
        heads.append(sink)
        caps.append(per_department)
        costs.append(0)
    if not inspections:
        return DayStaffing({}, [], 0)
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    demand = per_department * len(inspections)
    smcf.set_node_supply(source, demand)
    smcf.set_node_supply(sink, -demand)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise FlowError(f"min-cost flow status {status} on {iso} {department}")
    district_of = dict(inspections)
    officer_district = {o.id: o.district for o in officers}
    teams: dict[str, list[str]] = {eid: [] for eid, _ in inspections}
    for arc, eid, oid in pair_arcs:
        if smcf.flow(arc):
            teams[eid].append(oid)
    short = [eid for eid, team in teams.items() if len(team) < per_department]
    travel_arcs = 0
    for eid, team in teams.items():
        if eid in short:
            continue
        team.sort()
        for oid in team:
            loads[oid] = loads.get(oid, 0) + 1
            travel_arcs += officer_district[oid] != district_of[eid]
    return DayStaffing({e: t for e, t in teams.items() if e not in short}, short, travel_arcs)
