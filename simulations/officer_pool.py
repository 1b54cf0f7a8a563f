"""Synthetic law-enforcement officers (执法检查人员名录库) for the synthetic registry.

Three departments: market supervision (SCJG, several enforcement fields each), tax (SW) and
emergency management (YJ). Most hold a 执法证; a few do not and so may not inspect. Some have
leave or training days in the coming year and a few must recuse from named enterprises (回避).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jianguan.divisions import resolve_districts
from jianguan.errors import JianguanError
from simulations.name_pool import person_names
from simulations.population_mix import district_weights

# The first year of work the generated calendar covers (leave and training dates fall in it).
DEFAULT_START = date(2027, 1, 1)

# (code, id prefix, share of headcount)
DEPARTMENTS: tuple[tuple[str, str, float], ...] = (
    ("SCJG", "I", 0.70),
    ("SW", "T", 0.20),
    ("YJ", "Y", 0.10),
)
# Market supervision's fields and how common each is among its officers.
SCJG_FIELDS: tuple[tuple[str, float], ...] = (
    ("food", 0.70),
    ("quality", 0.50),
    ("price", 0.35),
    ("ad", 0.30),
    ("licence", 0.40),
    ("special_equipment", 0.25),
    ("drug", 0.25),
    ("measurement", 0.20),
)
DEPARTMENT_FIELDS = {"SW": ("tax",), "YJ": ("safety",)}
CERTIFIED_SHARE = 0.92
LEAVE_SHARE = 0.35  # officers with a block of annual leave in the year
TRAINING_SHARE = 0.25  # officers with one to three training days
RECUSAL_SHARE = 0.03
REDUCED_CAP_SHARE = 0.05  # officers whose daily cap is lowered to 2 (part-time duties)


def _headcounts(m: int) -> list[int]:
    """Split `m` officers by department share (largest remainder), each department at least
    one when there are enough officers, so every department can be drawn."""
    exact = [m * share for _, _, share in DEPARTMENTS]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: m - sum(counts)]:
        counts[i] += 1
    if m >= len(DEPARTMENTS):
        for i, c in enumerate(counts):
            if c == 0:
                counts[i] = 1
                counts[counts.index(max(counts))] -= 1
    return counts


def _scjg_fields(rng: np.random.Generator, n: int) -> list[list[str]]:
    """2–4 distinct fields each, commoner fields more often (weighted draw without
    replacement via Gumbel keys), listed in the fixed field order."""
    names = [f for f, _ in SCJG_FIELDS]
    weights = np.log(np.array([w for _, w in SCJG_FIELDS]))
    k = rng.choice([2, 3, 4], size=n, p=[0.45, 0.35, 0.20])
    keys = weights + rng.gumbel(size=(n, len(names)))
    ranks = np.argsort(-keys, axis=1)
    return [[names[j] for j in sorted(ranks[i, : k[i]])] for i in range(n)]


def _unavailable(rng: np.random.Generator, n: int, start: date) -> list[list[date]]:
    days: list[list[date]] = []
    leave = rng.random(n) < LEAVE_SHARE
    training = rng.random(n) < TRAINING_SHARE
    leave_len = rng.integers(3, 11, size=n)
    leave_at = rng.integers(0, 365 - 10, size=n)
    training_count = rng.integers(1, 4, size=n)
    for i in range(n):
        offsets: set[int] = set()
        if leave[i]:
            offsets.update(range(int(leave_at[i]), int(leave_at[i] + leave_len[i])))
        if training[i]:
            offsets.update(int(x) for x in rng.integers(0, 365, size=training_count[i]))
        days.append([start + timedelta(days=o) for o in sorted(offsets)])
    return days


def _recusals(
    rng: np.random.Generator, districts: Sequence[str], enterprise_ids: Sequence[str]
) -> list[list[str]]:
    """A few officers recuse from one or two enterprises, preferably ones registered in their
    own district (characters 3–8 of the credit code), where acquaintance is likeliest."""
    n = len(districts)
    out: list[list[str]] = [[] for _ in range(n)]
    chosen = np.flatnonzero(rng.random(n) < RECUSAL_SHARE)
    if not enterprise_ids or chosen.size == 0:
        return out
    by_region: dict[str, list[str]] = {}
    for eid in enterprise_ids:
        by_region.setdefault(eid[2:8], []).append(eid)
    for i in chosen.tolist():
        pool = by_region.get(districts[i]) or list(enterprise_ids)
        picks = rng.choice(len(pool), size=min(len(pool), int(rng.integers(1, 3))), replace=False)
        out[i] = sorted(pool[j] for j in picks)
    return out


def generate_officers(
    m: int,
    seed: int,
    enterprise_ids: Sequence[str],
    districts: Sequence[str] | None = None,
    start: date | None = None,
) -> pa.Table:
    """`m` synthetic officers, columns as inspectors.csv (formats.md §1) with native types:
    `fields`/`recusals` list<string>, `unavailable` list<date32>, `max_per_day` int32 (null =
    the task's cap), `certificate` '' when the officer holds none."""
    if m < 0:
        raise JianguanError(
            f"人员数量不能为负数（收到 {m}），请给出 0 或正整数",
            f"the number of officers must not be negative (got {m}); give 0 or more",
        )
    start = start or DEFAULT_START
    divisions = resolve_districts(districts)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x4F4646]))  # "OFF"

    ids: list[str] = []
    departments: list[str] = []
    for (code, prefix, _), count in zip(DEPARTMENTS, _headcounts(m), strict=True):
        ids += [f"{prefix}{k:04d}" for k in range(1, count + 1)]
        departments += [code] * count

    where = rng.choice(len(divisions), size=m, p=district_weights(divisions))
    officer_districts = [divisions[i].code for i in where]
    certified = rng.random(m) < CERTIFIED_SHARE
    # 执法证号: the unit's division code and a serial; unique across the library.
    certificates = [f"{officer_districts[i]}{i + 1:05d}" if certified[i] else "" for i in range(m)]
    scjg = iter(_scjg_fields(rng, departments.count("SCJG")))
    fields = [
        next(scjg) if dept == "SCJG" else list(DEPARTMENT_FIELDS[dept]) for dept in departments
    ]
    reduced = rng.random(m) < REDUCED_CAP_SHARE
    caps = pa.array([2 if r else None for r in reduced], pa.int32())

    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "name": pa.array(person_names(seed, m), pa.string()),
            "department": pa.array(departments, pa.string()),
            "district": pa.array(officer_districts, pa.string()),
            "certificate": pa.array(certificates, pa.string()),
            "fields": pa.array(fields, pa.list_(pa.string())),
            "max_per_day": caps,
            "unavailable": pa.array(_unavailable(rng, m, start), pa.list_(pa.date32())),
            "recusals": pa.array(
                _recusals(rng, officer_districts, enterprise_ids), pa.list_(pa.string())
            ),
        }
    )


def _joined(column: pa.ChunkedArray) -> pa.Array:
    """A list column as `;`-separated text, an empty list as an empty cell."""
    as_text = pc.cast(column, pa.list_(pa.string()))
    joined = pc.binary_join(as_text, ";")
    return pc.if_else(pc.equal(pc.list_value_length(as_text), 0), None, joined)


def officers_for_csv(table: pa.Table) -> pa.Table:
    """The officers table with its list columns flattened as inspectors.csv writes them."""
    for name in ("fields", "unavailable", "recusals"):
        table = table.set_column(table.schema.get_field_index(name), name, _joined(table[name]))
    return table
