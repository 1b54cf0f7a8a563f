"""A package version bound to an as-of date: parameters resolved, conditions ready to run.

This is what both engines consume. The scalar derived-value code here (date arithmetic and
the scorecard) is the reference the vectorised twin in `rules.vector` is tested against.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rules.conditions import Cond, Predicate, bind, compile_cond, fields_of
from rules.package import Package, RuleDef
from rules.records import RecordError

EPOCH_ORDINAL = 719163


def days_to_date(days: int) -> date:
    return date.fromordinal(days + EPOCH_ORDINAL)


@lru_cache(maxsize=131072)
def add_years(days: int, years: int) -> int:
    """The same day `years` later; 29 Feb falls on 28 Feb (民法典 Art. 202: 没有对应日的，月末日)."""
    d = days_to_date(days)
    year = d.year + years
    if not 1 <= year <= 9999:
        raise RecordError("日期推算超出范围。", "date arithmetic out of range.")
    day = d.day
    if d.month == 2 and day == 29 and not _leap(year):
        day = 28
    return date(year, d.month, day).toordinal() - EPOCH_ORDINAL


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@lru_cache(maxsize=131072)
def years_between(start: int, end: int) -> int:
    """Completed years from `start` to `end`: the largest n with add_years(start, n) <= end."""
    n = days_to_date(end).year - days_to_date(start).year
    if add_years(start, n) > end:
        n -= 1
    return n


@dataclass(frozen=True)
class BoundBand:
    cond: Cond
    points: int
    label_zh: str
    label_en: str

    @property
    def test(self) -> Predicate:
        return compiled_test(self.cond)


_COMPILED: dict[int, tuple[Cond, Predicate]] = {}


def compiled_test(cond: Cond) -> Predicate:
    """A cached closure for a bound condition (keyed by identity, kept alive with it)."""
    hit = _COMPILED.get(id(cond))
    if hit is None or hit[0] is not cond:
        hit = (cond, compile_cond(cond))
        _COMPILED[id(cond)] = hit
    return hit[1]


def _band(bands: list[tuple[Predicate, int]], values: dict[str, Any]) -> tuple[int, int]:
    """(index, points) of the first band whose test holds; the last band otherwise."""
    for i, (test, pts) in enumerate(bands):
        if test(values):
            return i, pts
    return len(bands) - 1, bands[-1][1]


@dataclass
class BoundPackage:
    package: Package
    as_of: date
    params: dict[str, Any]
    rules: list[tuple[RuleDef, Cond]]
    checks: list[tuple[str, Cond, str, str]]
    bands: list[list[BoundBand]]  # per indicator
    base_points: int
    lists: list[tuple[str, str, str, Cond]]
    years: dict[str, int]  # add_years parameter per derived field
    key: str  # identifies package content + parameter values (engine ruleset name)

    @property
    def as_of_days(self) -> int:
        return self.as_of.toordinal() - EPOCH_ORDINAL

    def derive(self, values: dict[str, Any]) -> list[int]:
        """Add derived values to a typed record in place; return the scorecard band per indicator."""
        chosen: list[int] = []
        get = values.get
        for kind, name, source, extra in self.__dict__.get("_plan") or self._derive_plan():
            if kind == "score":
                total = self.base_points
                for field, memo, bands in extra:
                    if field is None:  # reads several values: evaluate every time
                        hit = _band(bands, values)
                    else:
                        # the band depends on this one value only: remember it
                        key = get(field)
                        hit = memo.get(key)
                        if hit is None:
                            hit = _band(bands, values)
                            if len(memo) < 4096:
                                memo[key] = hit
                    chosen.append(hit[0])
                    total += hit[1]
                values[name] = total
            elif kind == "years":
                start = get(source)
                values[name] = None if start is None else years_between(start, extra)
            elif kind == "add":
                start = get(source)
                values[name] = None if start is None else add_years(start, extra)
            else:
                values[name] = next((values[f] for f in source if get(f) is not None), None)
        return chosen

    def _derive_plan(self) -> list[tuple[str, str, Any, Any]]:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = []
            for name, spec in self.package.model.derived.items():
                if spec.first_present is not None:
                    plan.append(("first", name, tuple(spec.first_present), None))
                elif spec.add_years is not None:
                    plan.append(("add", name, spec.add_years.field, self.years[name]))
                elif spec.years_between is not None:
                    plan.append(("years", name, spec.years_between.from_field, self.as_of_days))
                else:
                    tests: list[tuple[str | None, dict[Any, tuple[int, int]], Any]] = []
                    for bands in self.bands:
                        read = set().union(*(fields_of(b.cond) for b in bands))
                        single = next(iter(read)) if len(read) == 1 else None
                        compiled = [(compile_cond(b.cond), b.points) for b in bands]
                        tests.append((single, {}, compiled))
                    plan.append(("score", name, None, tests))
            self.__dict__["_plan"] = plan
        return plan

    def check(self, values: dict[str, Any]) -> None:
        for _cid, cond, zh, en in self.checks:
            if compiled_test(cond)(values):
                raise RecordError(zh, en)


def bind_package(
    package: Package, as_of: date, overrides: dict[str, Any] | None = None
) -> BoundPackage:
    params = package.parameters_at(as_of, overrides)
    tables = package.tables
    scorecard = package.model.scorecard

    def points(value: int | str) -> int:
        return int(params[value]) if isinstance(value, str) else value

    bands = [
        [
            BoundBand(bind(b.cond, params, tables), points(b.points), b.label_zh, b.label_en)
            for b in ind.bands
        ]
        for ind in package.indicators
    ]
    base: int = 0
    if scorecard is not None:
        raw = scorecard.base
        base = int(params[raw["param"]]) if isinstance(raw, dict) else raw
    years: dict[str, int] = {}
    for name, spec in package.model.derived.items():
        if spec.add_years is not None:
            y = spec.add_years.years
            count = int(params[y["param"]]) if isinstance(y, dict) else y
            years[name] = -count if spec.add_years.back else count
    blob = json.dumps(
        {
            "sha": package.sha256,
            "params": params,
            "as_of_used": _uses_as_of(package) and as_of.isoformat(),
        },
        sort_keys=True,
        default=str,
    )
    return BoundPackage(
        package=package,
        as_of=as_of,
        params=params,
        rules=package.bound_rules(params),
        checks=[
            (c.id, bind(c.cond, params, tables), c.message_zh, c.message_en) for c in package.checks
        ],
        bands=bands,
        base_points=base,
        lists=[
            (li.id, li.label_zh, li.label_en, bind(li.cond, params, tables)) for li in package.lists
        ],
        years=years,
        key=hashlib.sha256(blob.encode()).hexdigest()[:12],
    )


def _uses_as_of(package: Package) -> bool:
    return any(d.years_between is not None for d in package.model.derived.values())
