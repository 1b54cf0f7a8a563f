"""Synthetic records for a package, drawn from its own field schema.

Used by the differential test (durable vs vector) and the throughput benchmark. Values are
boundary-heavy: dates land on, just before and just after the anniversaries the rules
compare (1, 2, 3, 5 years), 29 February appears, integers sit on small cut-offs, and optional
fields are sometimes missing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from rules.package import Package

_YEAR_STEPS = (0, 1, 2, 3, 5, 6)


def _shift_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def generate(package: Package, n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    fields = package.model.fields
    for k in range(n):
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
        out.append(row)
    return out
