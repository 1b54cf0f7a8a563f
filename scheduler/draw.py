"""The verifiable draw of enterprises (双随机 part one), exactly formats.md §3.

Population by the task's district/industry filters; key-supervision enterprises all drawn
(stratum `key`); every other enterprise in the stratum of its credit tier, `k = ceil(r * n)`
drawn with `r` read from its decimal text (`Fraction(str(r))`, so 0.03 * 100 is exactly 3);
ranks are `HMAC-SHA256(seed, "task.id|enterprise.id")` hex digests, smallest first.
Each enterprise is hashed once per task; nothing here is re-hashed inside a solver.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from fractions import Fraction
from operator import attrgetter
from typing import Any

from jianguan.errors import JianguanError
from jianguan.registry_schema import ENTERPRISE_COLUMNS, Enterprise, Officer
from scheduler.canonical_json import canonical_bytes
from scheduler.task_file import CREDIT_TIERS, Task

KEY_STRATUM = "key"
_ENTERPRISE_KEYS = tuple(sorted(ENTERPRISE_COLUMNS))
_enterprise_values = attrgetter(*_ENTERPRISE_KEYS)
_OFFICER_KEYS = tuple(sorted(f.name for f in fields(Officer)))
STRATUM_ORDER = (*CREDIT_TIERS, KEY_STRATUM)
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class DrawError(JianguanError):
    """The draw cannot be made from these inputs."""


@dataclass(frozen=True, slots=True)
class Classified:
    """An enterprise with its credit tier and key-supervision flag decided."""

    enterprise: Enterprise
    credit_tier: str
    key_supervision: bool

    @property
    def stratum(self) -> str:
        return KEY_STRATUM if self.key_supervision else self.credit_tier


@dataclass(frozen=True, slots=True)
class Drawn:
    enterprise_id: str
    stratum: str
    rank: str


@dataclass(frozen=True, slots=True)
class DrawResult:
    strata: dict[str, dict[str, Any]]
    drawn: tuple[Drawn, ...]

    def draw_json(self) -> list[dict[str, str]]:
        return [
            {"enterprise_id": d.enterprise_id, "stratum": d.stratum, "rank": d.rank}
            for d in self.drawn
        ]


def check_seed(seed: str) -> bytes:
    """The seed as HMAC key bytes; refuse anything but ≥32 hex digits (an even count)."""
    if len(seed) < 32 or not _HEX.match(seed) or len(seed) % 2:
        raise DrawError(
            f"种子“{seed[:80]}”无效：应为至少 32 位、位数为偶数的十六进制串"
            "（例如公开摇号结果或随机信标的十六进制值）",
            f"seed '{seed[:80]}' is invalid: it must be an even number (at least 32) of hex "
            "digits, e.g. a public lottery result or beacon value in hex",
        )
    return bytes.fromhex(seed)


def in_population(enterprise: Enterprise, task: Task) -> bool:
    if task.districts is not None and enterprise.district not in task.districts:
        return False
    if task.industries is not None:
        industry = enterprise.industry.upper()
        return any(industry.startswith(prefix) for prefix in task.industries)
    return True


def classify(enterprises: Sequence[Enterprise], as_of: date) -> list[Classified]:
    """Take given tiers and key flags as decided; ask the rule packages for the rest."""
    missing = [e for e in enterprises if e.credit_tier is None or e.key_supervision is None]
    decided: dict[str, tuple[str, bool]] = {}
    if missing:
        from rules.api import classify_enterprises  # lazy: the engines load only when needed

        results = classify_enterprises(list(missing), as_of=as_of)
        for enterprise, result in zip(missing, results, strict=True):
            tier = enterprise.credit_tier or result.credit_tier
            key = (
                enterprise.key_supervision
                if enterprise.key_supervision is not None
                else bool(result.key_supervision)
            )
            decided[enterprise.id] = (tier, key)
    out = []
    for e in enterprises:
        if e.id in decided:
            tier, key = decided[e.id]
        else:
            assert e.credit_tier is not None and e.key_supervision is not None
            tier, key = e.credit_tier, e.key_supervision
        out.append(Classified(e, tier, key))
    return out


def ranker(key: bytes, task_id: str) -> Callable[[str], str]:
    """Enterprise id → `HMAC-SHA256(key, "task.id|enterprise.id")` hex digest, for one task.

    The HMAC state after the common "task.id|" prefix is computed once and copied for each
    enterprise: the same digest (HMAC hashes the message however it is fed in), 1.6× faster
    than a fresh HMAC per enterprise."""
    prefix = hmac.new(key, f"{task_id}|".encode(), "sha256")

    def rank(enterprise_id: str) -> str:
        h = prefix.copy()
        h.update(enterprise_id.encode())
        return h.hexdigest()

    return rank


def draw(population: Iterable[Classified], task: Task, seed: str) -> DrawResult:
    """Draw per stratum; `drawn` lists strata in A, B, C, D, key order, ranks ascending."""
    rank = ranker(check_seed(seed), task.id)
    by_stratum: dict[str, list[tuple[str, str]]] = {s: [] for s in STRATUM_ORDER}
    for c in population:
        by_stratum[c.stratum].append((rank(c.enterprise.id), c.enterprise.id))
    strata: dict[str, dict[str, Any]] = {}
    drawn: list[Drawn] = []
    for name in STRATUM_ORDER:
        members = sorted(by_stratum[name])
        n = len(members)
        if name == KEY_STRATUM:
            k = n
            strata[name] = {"population": n, "drawn": k}
        else:
            ratio = task.ratio_text(name)
            k = min(n, math.ceil(Fraction(ratio) * n))
            strata[name] = {"population": n, "ratio": ratio, "drawn": k}
        drawn.extend(Drawn(eid, name, rank) for rank, eid in members[:k])
    return DrawResult(strata, tuple(drawn))


def enterprise_row(c: Classified) -> dict[str, Any]:
    e = c.enterprise
    # One C-level attribute fetch, not a getattr per column: this runs once per enterprise of
    # the population.
    row = dict(zip(_ENTERPRISE_KEYS, _enterprise_values(e), strict=True))
    row["established_on"] = e.established_on.isoformat()
    row["credit_tier"] = c.credit_tier
    row["key_supervision"] = c.key_supervision
    return row


def officer_row(o: Officer) -> dict[str, Any]:
    # Field by field, not dataclasses.asdict (which deep-copies every leave date): same dict.
    row = {name: getattr(o, name) for name in _OFFICER_KEYS}
    row["fields"] = list(o.fields)
    row["unavailable"] = [d.isoformat() for d in o.unavailable]
    row["recusals"] = list(o.recusals)
    return row


def canonical_inputs(
    population: Sequence[Classified], officers: Sequence[Officer], task: Task
) -> dict[str, Any]:
    """What `inputs_sha256` covers: the task, the population rows (with their decided tier
    and key flag) and the rows of officers of the task's departments, each sorted by id."""
    departments = set(task.departments)
    return {
        "task": task.canonical(),
        "enterprises": [
            enterprise_row(c) for c in sorted(population, key=lambda c: c.enterprise.id)
        ],
        "officers": [
            officer_row(o)
            for o in sorted(officers, key=lambda o: o.id)
            if o.department in departments
        ],
    }


def inputs_sha256(population: Sequence[Classified], officers: Sequence[Officer], task: Task) -> str:
    """sha256 of `canonical_bytes(canonical_inputs(...))`, streamed a chunk of rows at a time so
    a province's population is never held as one JSON string (same bytes: keys sort as written
    here, and a chunk's list encoding without its brackets is its rows joined by commas). One
    encoder call per chunk instead of per row is what makes this twice as fast;
    `tests/scheduler/test_draw.py` holds it to the digest of the whole document."""
    departments = set(task.departments)
    digest = hashlib.sha256(b'{"enterprises":[')
    rows = sorted(population, key=lambda c: c.enterprise.id)
    _stream_rows(digest, ([enterprise_row(c) for c in chunk] for chunk in _chunks(rows)))
    digest.update(b'],"officers":[')
    staff = [o for o in sorted(officers, key=lambda o: o.id) if o.department in departments]
    _stream_rows(digest, ([officer_row(o) for o in chunk] for chunk in _chunks(staff)))
    digest.update(b'],"task":' + canonical_bytes(task.canonical()) + b"}")
    return digest.hexdigest()


_CHUNK = 4096


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    return (items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK))


def _stream_rows(digest: Any, chunks: Iterable[list[dict[str, Any]]]) -> None:
    first = True
    for rows in chunks:
        if rows:
            digest.update((b"" if first else b",") + canonical_bytes(rows)[1:-1])
            first = False
