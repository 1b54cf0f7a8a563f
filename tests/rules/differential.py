"""Shared by the differential tests and the benchmark: both engines on the same records."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from rules import durable_engine, vector
from rules.bound import BoundPackage
from rules.records import RecordError, parse_record
from rules.synthetic import generate


def typed_records(bound: BoundPackage, n: int, seed: int) -> list[dict[str, Any]]:
    out = []
    for raw in generate(bound.package, n, seed):
        try:
            values = parse_record(bound.package, raw)
            bound.derive(values)
            bound.check(values)
        except RecordError:
            continue
        out.append(values)
    return out


def compare_engines(bound: BoundPackage, values: list[dict[str, Any]]) -> list[str]:
    """Mismatches between the engines (empty when they agree on every record)."""
    compiled = durable_engine.prepare(bound)
    facts = [durable_engine.make_fact(compiled, v) for v in values]
    durable_sets = durable_engine.fire(bound, facts, [str(i) for i in range(len(values))])
    result = vector.run(bound, vector.columns_from_values(bound, values))
    fallback = {r.id for r, _ in bound.rules if r.fallback}
    problems = []
    ids = result.rule_ids
    ranks = {r.id: (r.rank, r.outcome) for r, _ in bound.rules}
    for k, fired in enumerate(durable_sets):
        non_fallback = fired - fallback
        applied = non_fallback or fired
        vec = {ids[r] for r in np.flatnonzero(result.fired[:, k])}
        best = min((ranks[r] for r in applied), default=(None, ""))[1]
        if applied != vec or best != result.outcome[k]:
            problems.append(
                f"record {k}: durable {sorted(applied)} {best} vs vector {sorted(vec)} "
                f"{result.outcome[k]}"
            )
    return problems


AS_OF = date(2026, 6, 30)
