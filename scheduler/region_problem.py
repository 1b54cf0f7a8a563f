"""One region's scheduling problem, small and picklable so regions can be solved in parallel.

A region is a city (first four digits of the district code) when the task spans several
cities that each have enough qualified officers; otherwise the whole task is one region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class OfficerSlot:
    """An officer qualified for the task's items of their department (certificate and fields
    already checked); what remains per inspection is availability, recusal and the cap."""

    id: str
    department: str
    district: str
    cap: int
    unavailable: frozenset[date]
    recusals: frozenset[str]


@dataclass(frozen=True, slots=True)
class RegionProblem:
    region: str
    task_id: str
    seed: str
    per_department: int
    days: tuple[date, ...]  # schedulable days (working, in period, not quiet), ascending
    departments: tuple[str, ...]
    fields: dict[str, tuple[str, ...]]  # department -> required fields (for messages)
    enterprises: tuple[tuple[str, str], ...]  # (enterprise id, district), draw order
    officers: tuple[OfficerSlot, ...]
    # annual cap per enterprise (None: no cap) and inspections already in approved plans,
    # enterprise id -> year -> count (an enterprise not there has none)
    yearly_cap: int | None = None
    prior_counts: dict[str, dict[int, int]] = field(default_factory=dict)
    num_workers: int = 1
    time_limit_s: float = 300.0


@dataclass(slots=True)
class RegionResult:
    region: str
    # enterprise id -> (date, department -> officer ids sorted)
    inspections: dict[str, tuple[date, dict[str, list[str]]]]
    # enterprise id -> (reason zh, reason en)
    unscheduled: dict[str, tuple[str, str]]
    report: dict[str, object]
