"""Synthetic records for a package, drawn from its own field schema.

Used by the differential test (durable vs vector) and the throughput benchmark. Values are
boundary-heavy: dates land on, just before and just after the anniversaries the rules
compare (1, 2, 3, 5 years), 29 February appears, integers sit on small cut-offs, and optional
fields are sometimes missing. A row the package's own checks refuse (two fields that
contradict each other, say) is drawn again up to `_ATTEMPTS` times, so most rows are
decidable while some errors remain.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from rules.bound import bind_package
from rules.package import Package
from rules.records import RecordError, parse_record

_YEAR_STEPS = (0, 1, 2, 3, 5, 6)
_ATTEMPTS = 3


def _shift_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def generate(package: Package, n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    bound = bind_package(package, package.effective_from) if package.checks else None
    out = []
    for k in range(n):
        row = _row(package, rng, k)
        for _ in range(_ATTEMPTS - 1):
            if bound is None or _passes_checks(bound, row):
                break
            row = _row(package, rng, k)
        out.append(row)
    return out


def _passes_checks(bound: Any, row: dict[str, Any]) -> bool:
    try:
        values = parse_record(bound.package, row)
        bound.derive(values)
        bound.check(values)
    except RecordError:
        return False
    return True


def _row(package: Package, rng: random.Random, k: int) -> dict[str, Any]:
    fields = package.model.fields
    row: dict[str, Any] = {"id": f"R{k}"}
    anchor: date | None = None
    for name, spec in fields.items():
        if not spec.required and rng.random() < 0.15:
            continue
        kind = spec.type
        if kind == "bool":
            row[name] = rng.random() < 0.5
        elif kind == "enum":
            row[name] = rng.choice(spec.values or [""])
        elif kind == "code":
            codes = sorted(set().union(*(package.tables[t] for t in spec.tables or [])))
            row[name] = rng.choice(codes)
        elif kind == "int":
            low = spec.min if spec.min is not None else 0
            row[name] = low + min(int(rng.expovariate(0.5)), 12)
        elif kind == "set":
            row[name] = [v for v in spec.values or [] if rng.random() < 0.2]
        elif kind == "date":
            if anchor is None or rng.random() < 0.2:
                base = date(2012, 1, 1) + timedelta(days=rng.randrange(0, 5500))
                if rng.random() < 0.05:
                    base = date(rng.choice((2012, 2016, 2020, 2024)), 2, 29)
                anchor = base
                row[name] = base.isoformat()
            else:
                step = _shift_years(anchor, rng.choice(_YEAR_STEPS))
                jitter = rng.choice((-1, 0, 1, rng.randrange(-400, 400)))
                value = step + timedelta(days=jitter)
                anchor = value if rng.random() < 0.5 else anchor
                row[name] = value.isoformat()
        else:
            row[name] = f"x{k}"
    return row
