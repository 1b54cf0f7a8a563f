"""The durable and vectorised engines agree on every generated record (outcome and rules).

The default run checks 20,000 generated records per shipped package; the `slow` run checks
100,000 per package (`pytest -m slow tests/rules/test_differential.py`).
"""

from __future__ import annotations

import numpy as np
import pytest

from rules import vector
from rules.registry import bound_at, versions_of
from tests.rules.differential import AS_OF, compare_engines, typed_records

PACKAGES = ["penalty-exemption", "credit-tier", "supervision"]


def _check(package_id: str, n: int, seed: int) -> None:
    bound = bound_at(versions_of(package_id)[-1], AS_OF)
    values = typed_records(bound, n, seed)
    assert len(values) > n // 2  # most generated records are valid
    problems = compare_engines(bound, values)
    assert problems == [], problems[:5]
    # The sample exercises every rule and every outcome, so agreement is not vacuous.
    result = vector.run(bound, vector.columns_from_values(bound, values))
    never = [rid for rid, row in zip(result.rule_ids, result.fired, strict=True) if not row.any()]
    assert never == []
    assert set(np.unique(result.outcome)) == set(bound.package.outcome_order())


@pytest.mark.parametrize("package_id", PACKAGES)
def test_engines_agree(package_id: str) -> None:
    _check(package_id, 20_000, seed=11)


@pytest.mark.slow
@pytest.mark.parametrize("package_id", PACKAGES)
def test_engines_agree_on_100k(package_id: str) -> None:
    _check(package_id, 100_000, seed=2026)
