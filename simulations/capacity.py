"""When inspections can happen: the task calendar and aggregate officer capacity per district-day.

Days come from the scheduler's own calendar (`scheduler.work_calendar`): working days inside the
period, holidays and 调休 as the task gives them or from the statutory calendar, quiet days of
month (企业安静日) removed. Capacity is aggregate, which is enough at province scale: a district's
inspection slots on a day are its available certified officers' daily caps, times the share of
their time spent on 双随机 work, divided by the team size (each inspection takes a team).
Inspections are then packed into the earliest day with a free slot, key-supervision firms
first; what does not fit is `unscheduled`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from scheduler.task_file import Task
from scheduler.work_calendar import build_calendar
from simulations.policy import TIERS, Policy
from simulations.population import LEAD_DEPARTMENT, Officers


def quarter_bounds(year: int, period: int) -> tuple[date, date]:
    """Period `period` (0-based) is a calendar quarter, counted from 1 January of `year`."""
    y, q = year + period // 4, period % 4
    start = date(y, 3 * q + 1, 1)
    end = date(y + 1, 1, 1) if q == 3 else date(y, 3 * q + 4, 1)
    return start, end - timedelta(days=1)


def period_task(policy: Policy, task_id: str, start: date, end: date) -> Task:
    """The task a simulated period runs: one market-supervision item, the policy's ratios,
    team size, cap and calendar (formats.md §2)."""
    calendar: dict[str, object] = {
        "extra_workdays": list(policy.extra_workdays),
        "quiet_days_of_month": list(policy.quiet_days_of_month),
    }
    if policy.holidays is not None:
        calendar["holidays"] = list(policy.holidays)
    return Task.model_validate(
        {
            "id": task_id,
            "title": f"模拟抽查 {task_id}",
            "lead_department": LEAD_DEPARTMENT,
            "period": {"start": start, "end": end},
            "items": [
                {
                    "code": "SIM-SCJG-01",
                    "name": "模拟双随机抽查事项",
                    "department": LEAD_DEPARTMENT,
                    "field": "food",
                }
            ],
            "sampling": {t: policy.period_ratio(t) for t in TIERS},
            "officers_per_department": policy.team_size,
            "max_per_officer_per_day": policy.daily_cap,
            "calendar": calendar,
        }
    )


@functools.lru_cache(maxsize=256)
def _schedulable(task_json: str) -> tuple[date, ...]:
    task = Task.model_validate_json(task_json)
    return build_calendar(task).schedulable_days


def schedulable_days(task: Task) -> np.ndarray:
    """The period's inspection days as datetime64[D] (cached: a calendar per task setting)."""
    days = _schedulable(task.model_dump_json())
    return np.array(days, dtype="datetime64[D]")


@dataclass(frozen=True, slots=True)
class Allocation:
    day: np.ndarray  # per drawn enterprise: index into the period's days, -1 = unscheduled
    capacity: int  # inspection slots in the period over all districts


def slots(officers: Officers, districts: int, days: np.ndarray, policy: Policy) -> np.ndarray:
    """Inspection slots per district-day, a (districts, days) float array."""
    if days.size == 0 or officers.count == 0 or policy.officers_scale == 0:
        return np.zeros((districts, days.size))
    cap = np.where(officers.own_cap > 0, officers.own_cap, policy.daily_cap).astype(np.float64)
    inside = officers.district_idx >= 0
    per_district = np.bincount(officers.district_idx[inside], cap[inside], minlength=districts)
    officer_days = np.repeat(per_district[:, None], days.size, axis=1)
    pos = np.searchsorted(days, officers.leave_day)
    on_day = (pos < days.size) & (days[np.minimum(pos, days.size - 1)] == officers.leave_day)
    away = officers.leave_officer[on_day]
    keep = officers.district_idx[away] >= 0
    np.subtract.at(
        officer_days, (officers.district_idx[away][keep], pos[on_day][keep]), cap[away][keep]
    )
    factor = policy.officers_scale * policy.officer_time_share / policy.team_size
    result: np.ndarray = officer_days * factor
    return result


def allocate(district: np.ndarray, priority: np.ndarray, slot_matrix: np.ndarray) -> Allocation:
    """Give each drawn enterprise (its district, its priority: lower first) the earliest day on
    which its district still has a whole free slot; -1 when the period is full."""
    n_districts, n_days = slot_matrix.shape
    if district.size == 0:
        return Allocation(np.zeros(0, dtype=np.int64), int(np.floor(slot_matrix.sum(1)).sum()))
    # Whole slots available up to and including each day (fractions carry over days).
    cumulative = np.floor(np.cumsum(slot_matrix, axis=1) + 1e-9).astype(np.int64)
    totals = cumulative[:, -1] if n_days else np.zeros(n_districts, dtype=np.int64)
    order = np.lexsort((priority, district))
    sorted_district = district[order]
    first = np.searchsorted(sorted_district, np.arange(n_districts))
    position = np.arange(district.size) - first[sorted_district]
    day = np.full(district.size, -1, dtype=np.int64)
    if n_days:
        # One sorted search over all districts: row d is offset by d * stride.
        stride = int(totals.max(initial=0)) + int(position.max(initial=0)) + 2
        flat = (cumulative + (np.arange(n_districts, dtype=np.int64) * stride)[:, None]).ravel()
        hit = np.searchsorted(flat, sorted_district.astype(np.int64) * stride + position, "right")
        found = hit - sorted_district.astype(np.int64) * n_days
        day[order] = np.where(found < n_days, found, -1)
    return Allocation(day, int(totals.sum()))
