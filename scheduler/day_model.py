"""Days for one region: a CP-SAT model over classes of interchangeable enterprises.

Calendar, quiet days, leave, recusals and the annual cap are folded into each enterprise's
*domain* (the days on which every department of the task has enough eligible officers) before
the model is built, so they are domains, not reified constraints. Enterprises of one district
with the same domain are interchangeable for every constraint here, so the model counts them:
`n[class, day]` integers, not one literal per enterprise and day (3,000 × 23 literals took CP-SAT
~40 s to prove optimal; the class model has a few hundred variables). What couples classes is
the aggregate officer-day capacity per day — one shared day per enterprise for every department
of the task, i.e. the joint inspection (进一次门).

Objective, in priority order (weights make each level dominate the next one's usual range):
schedule as many as possible; travel — per district and day, no more inspections than the
district's own officers can staff; even load — no more than a day's fair share, per district
when every district can be served by its own officers (a district packed into its cheapest
days left officers idle for weeks and on leave when its days came: loads ranged 12–32 at
100,000 enterprises), else per day over the region (see `_spread`); randomness — a seeded PRF weight per (class, day), which also makes the optimum unique, so any
worker count gives the same counts. Within a class, members take the chosen days in the order
of a seeded PRF rank, earliest day first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.keyed_cost import KeyedCost

PRF_BITS = 32
SPREAD_WEIGHT = 1 << 33
TRAVEL_WEIGHT = 1 << 34
# One more scheduled inspection must beat any travel, spread and PRF cost it brings.
SCHEDULE_WEIGHT = 1 << 36


class DayModelError(RuntimeError):
    """CP-SAT did not prove the day model optimal within the time limit."""


@dataclass(frozen=True, slots=True)
class DayModelInput:
    enterprises: Sequence[tuple[str, str]]  # (id, district)
    domains: Sequence[Sequence[int]]  # allowed day indices per enterprise
    day_capacity: Sequence[int]  # inspections the region can staff per day
    home_capacity: dict[tuple[str, int], int]  # (district, day) -> staffable by its own officers
    day_labels: Sequence[str]  # ISO dates, for the PRF


@dataclass(frozen=True, slots=True)
class DayModelOutput:
    day_of: dict[int, int]  # enterprise index -> day index
    status: str
    travel_overflow: int
    spread_overflow: int
    objective: int
    classes: int


def _classes(data: DayModelInput, cost: KeyedCost) -> list[tuple[str, tuple[int, ...], list[int]]]:
    groups: dict[tuple[str, tuple[int, ...]], list[int]] = {}
    for i, ((_eid, district), domain) in enumerate(
        zip(data.enterprises, data.domains, strict=True)
    ):
        if domain:
            groups.setdefault((district, tuple(domain)), []).append(i)
    out = []
    for (district, domain), members in sorted(groups.items()):
        members.sort(key=lambda i: (cost("order", data.enterprises[i][0]), data.enterprises[i][0]))
        out.append((district, domain, members))
    return out


def _spread(
    model: cp_model.CpModel,
    classes: list[tuple[str, tuple[int, ...], list[int]]],
    by_day: list[list[cp_model.IntVar]],
    by_district_day: dict[tuple[str, int], list[cp_model.IntVar]],
    data: DayModelInput,
) -> list[cp_model.IntVar]:
    """Overflow variables: inspections on a day beyond that day's fair share of them.

    When every district's work fits what its own officers can do over the period, the share is
    per district, in proportion to its officers' places that day (leave lowers it): officers
    then work a little every day instead of in bursts. When some district needs officers from
    elsewhere, that help comes as whole free officer-days of other districts (one district a
    day: travel, the first goal); spreading everyone's work would leave nobody free, so the
    share is then per day over the region, in proportion to its capacity."""
    work: dict[str, int] = {}
    for district, _domain, members in classes:
        work[district] = work.get(district, 0) + len(members)
    days_of: dict[str, list[int]] = {}
    for district, t in by_district_day:
        days_of.setdefault(district, []).append(t)
    home = {d: {t: data.home_capacity.get((d, t), 0) for t in days} for d, days in days_of.items()}
    out: list[cp_model.IntVar] = []
    if all(work[d] <= sum(home[d].values()) for d in days_of):
        for district, days in sorted(days_of.items()):
            total = sum(home[district].values())
            for t in sorted(days):
                share = -(-work[district] * home[district][t] // total)
                over = model.new_int_var(
                    0, work[district], f"spread_over[{district},{data.day_labels[t]}]"
                )
                model.add(over >= sum(by_district_day[district, t]) - share)
                out.append(over)
        return out
    schedulable = sum(work.values())
    total_capacity = sum(data.day_capacity) or 1
    for t, day_vars in enumerate(by_day):
        if not day_vars:
            continue
        share = -(-schedulable * data.day_capacity[t] // total_capacity)
        over = model.new_int_var(0, schedulable, f"spread_over[{data.day_labels[t]}]")
        model.add(over >= sum(day_vars) - share)
        out.append(over)
    return out


def solve_days(
    data: DayModelInput,
    cost: KeyedCost,
    *,
    num_workers: int,
    time_limit_s: float,
) -> DayModelOutput:
    classes = _classes(data, cost)
    model = cp_model.CpModel()
    n_days = len(data.day_capacity)
    by_day: list[list[cp_model.IntVar]] = [[] for _ in range(n_days)]
    by_district_day: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    counts: dict[tuple[int, int], cp_model.IntVar] = {}
    terms: list[tuple[cp_model.IntVar, int]] = []
    for c, (district, domain, members) in enumerate(classes):
        row = []
        for t in domain:
            upper = min(len(members), data.day_capacity[t])
            if upper <= 0:
                continue
            var = model.new_int_var(0, upper, f"n[{district}#{c},{data.day_labels[t]}]")
            counts[c, t] = var
            row.append(var)
            by_day[t].append(var)
            by_district_day.setdefault((district, t), []).append(var)
            label = f"{district}#{','.join(map(str, domain))}"
            terms.append((var, cost("day", label, data.day_labels[t]) - SCHEDULE_WEIGHT))
        if row:
            model.add(sum(row) <= len(members))
    for t, day_vars in enumerate(by_day):
        if day_vars:
            model.add(sum(day_vars) <= data.day_capacity[t])
    spread_vars = _spread(model, classes, by_day, by_district_day, data)
    schedulable = sum(len(m) for _, _, m in classes)
    travel_vars: list[cp_model.IntVar] = []
    for (district, t), day_vars in sorted(by_district_day.items()):
        home = data.home_capacity.get((district, t), 0)
        over = model.new_int_var(0, schedulable, f"travel_over[{district},{data.day_labels[t]}]")
        model.add(over >= sum(day_vars) - home)
        travel_vars.append(over)
    model.minimize(
        sum(w * var for var, w in terms)
        + SPREAD_WEIGHT * sum(spread_vars)
        + TRAVEL_WEIGHT * sum(travel_vars)
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = num_workers
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status != cp_model.OPTIMAL:
        # Only a proven optimum is unique; a merely feasible answer would depend on luck.
        raise DayModelError(
            f"CP-SAT status {solver.status_name(status)} after {solver.wall_time:.0f} s"
        )
    day_of: dict[int, int] = {}
    for c, (_district, domain, members) in enumerate(classes):
        queue = iter(members)
        for t in domain:
            count = solver.value(counts[c, t]) if (c, t) in counts else 0
            for _ in range(count):
                day_of[next(queue)] = t
    return DayModelOutput(
        day_of=day_of,
        status=solver.status_name(status),
        travel_overflow=sum(solver.value(v) for v in travel_vars),
        spread_overflow=sum(solver.value(v) for v in spread_vars),
        objective=round(solver.objective_value),
        classes=len(classes),
    )
