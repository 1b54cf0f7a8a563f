"""The district each officer works in today (片区), chosen so that load evens out across the
department while every officer's day stays in one district.

Officers are posted to districts only roughly in proportion to enterprises, so a district's
inspections per officer differ: keeping everyone at home gives the officers of a busy district
far more work than those of a quiet one, and evening load inside each district cannot fix
that. Whole officers must be lent between districts, but only where it pays, since every lent
officer works away from home.

An officer's *level* is the load so far, plus the seats dealt today, plus the load the days
ahead are expected to bring at home (`Outlook`: the district's later seats shared among its
officers by their days available). The day's seats are dealt one at a time to the officer of
lowest level (ties by a seeded PRF) who may take a seat in their zone: home, until home has
no open seat. An officer with no seat yet whose home is full may be lent, whole, to the
district with the most open seats (ties by code), but competes for that at level +
LEND_MARGIN: lending is chosen only when it evens load by more than the margin, not to shave
a day's noise the days ahead would even out anyway. Nobody takes more than min(cap, the
zone's inspections) seats, as nobody sits twice in one team.

The team flow then prefers officers whose zone is the inspection's district and evens load
inside each zone (its load arcs are convex); cross-zone places appear only when the zones
cannot fill a team (recusals). Levels, ids and the PRF order everything, in integers: the
zones depend on the inputs and seed only.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from datetime import date

from scheduler.keyed_cost import KeyedCost
from scheduler.region_problem import OfficerSlot

# Levels are integers in 1/SCALE of an inspection, so the outlook's fractions compare exactly.
SCALE = 1 << 12
# A lent officer competes for a seat at this many inspections above their load. On the county
# of benchmarks/plan_peers.py, margins 0 / 1 / 2 / 4 gave load CV 0.025 / 0.026 / 0.032 /
# 0.056 with 1,204 / 691 / 556 / 366 team places away from home: 1 keeps nearly all of the
# evenness for about half the lending.
LEND_MARGIN = 1


class Outlook:
    """Expected further load at home: for day t, the officer's share of the seats their home
    district has after day t, in proportion to the days each of its officers is available
    after day t. Built once per department and period from the days already fixed."""

    def __init__(
        self,
        days: Sequence[date],
        per_day: Sequence[Sequence[tuple[str, str]]],
        officers: Sequence[OfficerSlot],
        per_department: int,
    ) -> None:
        n = len(days)
        # seats_after[t][d]: seats of district d on days after t
        self._seats_after: list[dict[str, int]] = [{} for _ in range(n)]
        running: dict[str, int] = {}
        for t in range(n - 1, -1, -1):
            self._seats_after[t] = dict(running)
            for _eid, district in per_day[t]:
                running[district] = running.get(district, 0) + per_department
        # days_after[o][t]: days after t the officer is available
        self._days_after: dict[str, list[int]] = {}
        self._home = {o.id: o.district for o in officers}
        for o in officers:
            after = [0] * n
            count = 0
            for t in range(n - 1, -1, -1):
                after[t] = count
                count += days[t] not in o.unavailable
            self._days_after[o.id] = after

    def ahead(self, t: int) -> dict[str, int]:
        """Officer id -> expected load after day t at home, in 1/SCALE of an inspection."""
        weight: dict[str, int] = {}
        for oid, district in self._home.items():
            weight[district] = weight.get(district, 0) + self._days_after[oid][t]
        seats = self._seats_after[t]
        out: dict[str, int] = {}
        for oid, district in self._home.items():
            total = weight[district]
            mine = self._days_after[oid][t]
            out[oid] = seats.get(district, 0) * mine * SCALE // total if total else 0
        return out


def day_zones(
    department: str,
    day: date,
    inspections: Sequence[tuple[str, str]],
    officers: Sequence[OfficerSlot],
    per_department: int,
    cost: KeyedCost,
    loads: Mapping[str, int],
    ahead: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """Officer id -> the district the officer works in on `day` (see the module doc).
    `ahead`: expected further load per officer (`Outlook.ahead`); none: no look ahead."""
    zone = {o.id: o.district for o in officers}
    if not inspections or not officers:
        return zone
    count: dict[str, int] = {}
    for _eid, district in inspections:
        count[district] = count.get(district, 0) + 1
    open_seats = {d: per_department * n for d, n in count.items()}
    left = sum(open_seats.values())
    iso = day.isoformat()
    by_id = {o.id: o for o in officers}
    share = dict.fromkeys(by_id, 0)
    lent: set[str] = set()
    margin = LEND_MARGIN * SCALE
    # (level, lend margin applied, prf, officer id)
    heap = [
        (
            loads.get(o.id, 0) * SCALE + (ahead or {}).get(o.id, 0),
            0,
            cost("zone", department, iso, o.id),
            o.id,
        )
        for o in officers
    ]
    heapq.heapify(heap)
    while heap and left:
        level, lending, prf, oid = heapq.heappop(heap)
        o = by_id[oid]
        where = zone[oid]
        if open_seats.get(where, 0) > 0:
            if share[oid] >= min(o.cap, count[where]):
                continue  # full for today
            share[oid] += 1
            open_seats[where] -= 1
            left -= 1
            heapq.heappush(heap, (level + SCALE, lending, prf, oid))
            continue
        if share[oid] or oid in lent:
            continue  # working in a district now full: done for today
        if not lending:
            heapq.heappush(heap, (level + margin, 1, prf, oid))  # home is full: may be lent
            continue
        target = max(sorted(open_seats), key=lambda d: open_seats[d])
        zone[oid] = target
        lent.add(oid)
        heapq.heappush(heap, (level - margin, 0, prf, oid))  # in its new zone at its own level
    return zone
