"""What the plan's quality figures and constraint table count about teams, in a form that adds.

Per officer-day, the districts the officer visits; per officer, the inspections. A region's
figures are made where the region is solved; when no officer works in two regions, the plan's
figures are the regions' figures added up (each officer-day and each officer in one region),
so the planner need not walk every inspection again after the last region comes back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TeamFigures:
    officer_days: int  # (officer, date) pairs with at least one inspection
    district_visits: int  # sum over those officer-days of the districts visited
    load: dict[str, int]  # officer -> inspections, officers with at least one

    def travel_penalty(self) -> int:
        """Extra districts per officer-day, summed (0 when each works in one a day)."""
        return self.district_visits - self.officer_days


def team_figures(inspections: Sequence[dict[str, Any]], district_of: dict[str, str]) -> TeamFigures:
    districts: dict[tuple[str, str], set[str]] = defaultdict(set)
    load: dict[str, int] = defaultdict(int)
    for insp in inspections:
        for team in insp["team"].values():
            for oid in team:
                districts[oid, insp["date"]].add(district_of[insp["enterprise_id"]])
                load[oid] += 1
    return TeamFigures(len(districts), sum(len(v) for v in districts.values()), dict(load))


def added(parts: Iterable[TeamFigures]) -> TeamFigures:
    """The figures of regions that share no officer, as one plan."""
    days = visits = 0
    load: dict[str, int] = {}
    for p in parts:
        if not load.keys().isdisjoint(p.load):
            raise ValueError("regions share an officer: count their figures over the plan")
        days += p.officer_days
        visits += p.district_visits
        load.update(p.load)
    return TeamFigures(days, visits, load)
