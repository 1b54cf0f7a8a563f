"""The vectorised twin: the same rule files evaluated with NumPy over whole columns.

Columns are `Column(values, present)` pairs: bool arrays for bool fields, int64 codes for
enum/code fields (index into the field's value list, -1 when missing), int64 days since
1970-01-01 for dates, int64 for integers, and a dict of bool arrays (one per member) for
list fields. The semantics are those of `rules.conditions`: an atom on a missing value is
false; a negated atom is its complement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rules.bound import BoundPackage
from rules.conditions import All, Always, AnyOf, Atom, Cond, FieldRef, TableRef

_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class Column:
    values: Any  # np.ndarray, or dict[str, np.ndarray] for list fields
    present: np.ndarray
    vocab: list[str] | None = None  # enum/code fields: the strings the int codes index


@dataclass
class VectorResult:
    rule_ids: list[str]
    fired: np.ndarray  # bool, shape (rules, records)
    outcome: np.ndarray  # object array of outcome ids ("" when no rule applied)
    winner_rank: np.ndarray
    conflict: np.ndarray  # bool: equal-precedence rules with different outcomes
    bands: np.ndarray  # int, shape (indicators, records)
    columns: dict[str, Column]


def vocabulary(bound: BoundPackage, name: str) -> list[str]:
    info = bound.package.fields[name]
    if info.type == "enum":
        return list(info.values)
    if info.type == "code":
        return sorted(set().union(*(bound.package.tables[t] for t in info.tables)))
    return []


def columns_from_values(bound: BoundPackage, rows: Sequence[dict[str, Any]]) -> dict[str, Column]:
    """Typed records (as `rules.records` makes them) to columns."""
    n = len(rows)
    cols: dict[str, Column] = {}
    for name, spec in bound.package.model.fields.items():
        raw = [r.get(name) for r in rows]
        present = np.fromiter((v is not None for v in raw), dtype=bool, count=n)
        kind = spec.type
        if kind == "bool":
            values = np.fromiter((bool(v) for v in raw), dtype=bool, count=n)
        elif kind in ("enum", "code"):
            index = {v: i for i, v in enumerate(vocabulary(bound, name))}
            codes = np.fromiter((index.get(str(v), -1) for v in raw), dtype=np.int64, count=n)
            cols[name] = Column(codes, present, list(index))
            continue
        elif kind in ("int", "date"):
            values = np.fromiter((v if v is not None else 0 for v in raw), dtype=np.int64, count=n)
        elif kind == "set":
            members = {
                m: np.fromiter((v is not None and m in v for v in raw), dtype=bool, count=n)
                for m in spec.values or []
            }
            cols[name] = Column(members, present)
            continue
        else:
            values = np.array([v or "" for v in raw], dtype=object)
        cols[name] = Column(values, present)
    return cols


def columns_from_arrays(bound: BoundPackage, arrays: Mapping[str, Any]) -> dict[str, Column]:
    """Simulation input: plain or masked NumPy arrays per field (masked = not given).

    bool fields: bool arrays; enum/code fields: string arrays; dates: datetime64[D] or int
    days since 1970-01-01; ints: integer arrays; list fields: a dict member -> bool array.
    """
    cols: dict[str, Column] = {}
    n = None
    for name, spec in bound.package.model.fields.items():
        if name not in arrays:
            if spec.required:
                raise KeyError(f"column '{name}' is required by package {bound.package.id}")
            continue
        arr = arrays[name]
        if isinstance(arr, dict):
            members = {m: np.asarray(a, dtype=bool) for m, a in arr.items()}
            n = len(next(iter(members.values()))) if members else (n or 0)
            for m in spec.values or []:  # members not given are absent everywhere
                members.setdefault(m, np.zeros(n, dtype=bool))
            cols[name] = Column(members, np.ones(n, dtype=bool))
            continue
        mask = np.ma.getmaskarray(arr) if np.ma.isMaskedArray(arr) else None
        data = np.ma.getdata(arr) if mask is not None else np.asarray(arr)
        n = len(data)
        present = ~mask if mask is not None else np.ones(n, dtype=bool)
        kind = spec.type
        if kind == "bool":
            values = data.astype(bool)
        elif kind in ("enum", "code"):
            vocab = vocabulary(bound, name)
            uniques, inverse = np.unique(data.astype(str), return_inverse=True)
            lookup = np.array([vocab.index(u) if u in vocab else -1 for u in uniques], np.int64)
            values = lookup[inverse] if len(uniques) else np.zeros(n, np.int64)
            present = present & (values >= 0) if kind == "code" else present
            cols[name] = Column(values, present, vocab)
            continue
        elif kind == "date" and np.issubdtype(data.dtype, np.datetime64):
            values = (data.astype("datetime64[D]") - _EPOCH).astype(np.int64)
        elif kind in ("int", "date"):
            values = data.astype(np.int64)
        else:
            values = data.astype(object)
        cols[name] = Column(values, present)
    total = n or 0
    for name, spec in bound.package.model.fields.items():
        if name not in cols:
            empty: Any = (
                {m: np.zeros(total, bool) for m in spec.values or []}
                if spec.type == "set"
                else np.zeros(total, np.int64)
            )
            cols[name] = Column(empty, np.zeros(total, dtype=bool))
    return cols


# Days 1900-01-01 .. 2199-12-31 cover every register date; a lookup table turns the civil
# date computation into three array indexings (the arithmetic stays as the fallback).
_TABLE_START = -25567
_TABLE_LEN = 109573
_TABLE: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    global _TABLE
    days = np.asarray(days, dtype=np.int64)
    if days.ndim and days.size > 10_000:
        low, high = days.min(), days.max()
        if low >= _TABLE_START and high < _TABLE_START + _TABLE_LEN:
            if _TABLE is None:
                _TABLE = _civil(np.arange(_TABLE_START, _TABLE_START + _TABLE_LEN))
            index = days - _TABLE_START
            return _TABLE[0][index], _TABLE[1][index], _TABLE[2][index]
    return _civil(days)


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Civil date from days since 1970-01-01, in integer arithmetic (H. Hinnant's algorithm).

    numpy's datetime64 → year/month conversions are an order of magnitude slower.
    """
    z = days.astype(np.int64) + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _leap(year: np.ndarray) -> np.ndarray:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def add_years(days: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    """Same calendar day `years` later; 29 Feb → 28 Feb in common years (as the scalar code)."""
    year, month, day = _ymd(days)
    target = year + years
    day = np.where((month == 2) & (day == 29) & ~_leap(target), 28, day)
    return _days(target, month, day)


def years_between(start: np.ndarray, end: int | np.ndarray) -> np.ndarray:
    """Completed years: the largest n with add_years(start, n) <= end (as the scalar code)."""
    end_arr = np.asarray(end, dtype=np.int64)
    end_year = _ymd(end_arr)[0]
    year, month, day = _ymd(start)
    n = end_year - year
    target = year + n
    day = np.where((month == 2) & (day == 29) & ~_leap(target), 28, day)
    return n - (_days(target, month, day) > end_arr)


def derive(bound: BoundPackage, cols: dict[str, Column], n: int) -> np.ndarray:
    """Add derived columns in place; return the chosen scorecard band per indicator."""
    bands = np.zeros((len(bound.bands), n), dtype=np.int64)
    for name, spec in bound.package.model.derived.items():
        if spec.first_present is not None:
            values = np.zeros(n, dtype=np.int64)
            present = np.zeros(n, dtype=bool)
            for source in reversed(spec.first_present):
                col = cols[source]
                values = np.where(col.present, col.values, values)
                present = present | col.present
            cols[name] = Column(values, present)
        elif spec.add_years is not None:
            col = cols[spec.add_years.field]
            safe = np.where(col.present, col.values, 0)
            cols[name] = Column(add_years(safe, bound.years[name]), col.present.copy())
        elif spec.years_between is not None:
            col = cols[spec.years_between.from_field]
            safe = np.where(col.present, col.values, 0)
            cols[name] = Column(years_between(safe, bound.as_of_days), col.present.copy())
        else:
            total = np.full(n, bound.base_points, dtype=np.int64)
            for i, indicator in enumerate(bound.bands):
                chosen = np.full(n, -1, dtype=np.int64)
                for j, band in enumerate(indicator):
                    hit = evaluate(band.cond, cols, n) & (chosen < 0)
                    chosen[hit] = j
                points = np.array([b.points for b in indicator], dtype=np.int64)
                total += points[chosen]
                bands[i] = chosen
            cols[name] = Column(total, np.ones(n, dtype=bool))
    return bands


def evaluate(cond: Cond, cols: dict[str, Column], n: int) -> np.ndarray:
    if isinstance(cond, Atom):
        return _atom(cond, cols, n)
    if isinstance(cond, All):
        out = np.ones(n, dtype=bool)
        for c in cond.items:
            out &= evaluate(c, cols, n)
        return out
    if isinstance(cond, AnyOf):
        out = np.zeros(n, dtype=bool)
        for c in cond.items:
            out |= evaluate(c, cols, n)
        return out
    if isinstance(cond, Always):
        return np.full(n, cond.value, dtype=bool)
    raise TypeError(cond)


def _atom(a: Atom, cols: dict[str, Column], n: int) -> np.ndarray:
    col = cols[a.field]
    op, v = a.op, a.operand
    if op == "present":
        result = col.present.copy()
    elif op == "contains_any":
        result = np.zeros(n, dtype=bool)
        for m in v:
            result |= col.values[m]
        result &= col.present
    elif op in ("in", "in_table", "is", "eq", "ne") and not isinstance(v, FieldRef):
        if op == "is":
            result = col.present & (col.values == bool(v))
        elif col.values.dtype == np.int64 and isinstance(v, str | tuple | TableRef):
            result = col.present & _code_match(a, col, v)
        elif op in ("in", "in_table"):
            result = col.present & np.isin(col.values, list(v))
        elif op == "eq":
            result = col.present & (col.values == v)
        else:
            result = col.present & (col.values != v)
    else:
        if isinstance(v, FieldRef):
            other = cols[v.name]
            rhs: Any = other.values
            present = col.present & other.present
        else:
            rhs = v
            present = col.present
        x = col.values
        if op == "eq":
            test = x == rhs
        elif op == "ne":
            test = x != rhs
        elif op == "lt":
            test = x < rhs
        elif op == "le":
            test = x <= rhs
        elif op == "gt":
            test = x > rhs
        else:
            test = x >= rhs
        result = present & test
    return ~result if a.negated else result


def _code_match(a: Atom, col: Column, v: Any) -> np.ndarray:
    names = col.vocab or []
    wanted = (
        sorted(v.codes) if isinstance(v, TableRef) else list(v) if isinstance(v, tuple) else [v]
    )
    codes = [names.index(w) for w in wanted if w in names]
    if a.op == "ne":
        return ~np.isin(col.values, codes)
    return np.isin(col.values, codes)


def run(bound: BoundPackage, cols: dict[str, Column]) -> VectorResult:
    """Evaluate every rule on every row; resolve precedence with the package's ranks."""
    any_col = next(iter(cols.values()))
    n = len(any_col.present)
    bands = derive(bound, cols, n)
    rule_ids = [r.id for r, _ in bound.rules]
    fired = np.zeros((len(bound.rules), n), dtype=bool)
    for i, (_rule, cond) in enumerate(bound.rules):
        fired[i] = evaluate(cond, cols, n)
    fallback = np.array([r.fallback for r, _ in bound.rules], dtype=bool)
    if fallback.any():
        others = fired[~fallback].any(axis=0)
        fired[fallback] &= ~others[None, :]
    # Precedence: walk rank groups from the strongest; the first group that fired decides.
    outcome_ids = sorted({r.outcome for r, _ in bound.rules})
    chosen = np.full(n, len(outcome_ids), dtype=np.int64)
    best = np.full(n, np.inf)
    decided = np.zeros(n, dtype=bool)
    conflict = np.zeros(n, dtype=bool)
    groups: dict[float, list[int]] = {}
    for i, (rule, _c) in enumerate(bound.rules):
        groups.setdefault(rule.rank, []).append(i)
    for rank in sorted(groups):
        members = groups[rank]
        by_outcome: dict[str, np.ndarray] = {}
        for i in members:
            o = bound.rules[i][0].outcome
            hit = fired[i] & ~decided
            by_outcome[o] = by_outcome[o] | hit if o in by_outcome else hit
        if len(by_outcome) > 1:
            count = np.zeros(n, dtype=np.int64)
            for hit in by_outcome.values():
                count += hit
            conflict |= count > 1
        newly = np.zeros(n, dtype=bool)
        for o, hit in by_outcome.items():
            first = hit & ~newly
            chosen[first] = outcome_ids.index(o)
            newly |= hit
        best[newly] = rank
        decided |= newly
    labels = np.array([*outcome_ids, ""], dtype=object)
    return VectorResult(rule_ids, fired, labels[chosen], best, conflict, bands, cols)
