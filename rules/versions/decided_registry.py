"""The registry as the draw sees it: tiers and key flags decided by the rule versions in force
(shipped files plus versions legal staff signed off in the store).

The scheduler takes a tier or key flag given on an enterprise as decided (formats §1) and asks
the shipped packages for the rest. Deciding the rest here, with the signed-off versions, keeps
the draw in step with every other decision of the same store — the web's pages, results and
API, and the command line's `plan generate|commit|verify --db` — while the scheduler's own code
path stays unchanged: `inputs_sha256` hashes the decided tier either way, so it is the same
whenever the versions agree with the shipped files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from jianguan.db import Store
from jianguan.registry_schema import Enterprise
from jianguan.registry_store import load_enterprises
from rules.api import classify_enterprises
from rules.package import Package
from rules.registry import version_at
from rules.versions.in_force import versions_by_package


def decide_missing(
    enterprises: Sequence[Enterprise], as_of: date, versions: Mapping[str, Sequence[Package]]
) -> list[Enterprise]:
    """The enterprises, with credit tier and key supervision filled in as of `as_of` (a task's
    first day) by `versions` where the registry leaves them empty."""
    missing = [e for e in enterprises if e.credit_tier is None or e.key_supervision is None]
    if not missing:
        return list(enterprises)
    decided = {
        e.id: replace(
            e,
            credit_tier=e.credit_tier or c.credit_tier,
            key_supervision=(
                e.key_supervision if e.key_supervision is not None else c.key_supervision
            ),
        )
        for e, c in zip(
            missing, classify_enterprises(missing, as_of=as_of, versions=versions), strict=True
        )
    }
    return [decided.get(e.id, e) for e in enterprises]


def decided_enterprises(store: Store, as_of: date) -> list[Enterprise]:
    """Every enterprise in the store, decided by the store's versions in force on `as_of`."""
    enterprises = load_enterprises(store)
    if all(e.credit_tier is not None and e.key_supervision is not None for e in enterprises):
        return enterprises
    with store.session() as session:
        versions = versions_by_package(session)
    return decide_missing(enterprises, as_of, versions)


def versions_in_force(versions: Mapping[str, Sequence[Package]], day: date) -> dict[str, str]:
    """package id → the version that decides on `day`, to tell the user which ones were used."""
    chosen = {pid: version_at(list(known), day) for pid, known in versions.items()}
    return {pid: p.version for pid, p in sorted(chosen.items()) if p is not None}
