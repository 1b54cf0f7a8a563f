"""The registry as the draw sees it in the web: tiers and key flags decided by the rule
versions in force (shipped files plus versions legal staff signed off in the store).

The scheduler takes a tier or key flag given on an enterprise as decided (formats §1) and asks
the shipped packages for the rest. Deciding the rest here, with the signed-off versions, keeps
the draw in step with every other web decision (enterprise page, results, API), while the
scheduler's own code path — and so `plan verify` — stays unchanged: the commitment
`inputs_sha256` hashes the decided tier either way, so it is the same whenever the versions
agree with the shipped files.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from jianguan.db import Store
from jianguan.registry_schema import Enterprise
from jianguan.registry_store import load_enterprises
from rules.api import classify_enterprises
from web.rule_versions import versions_by_package


def decided_enterprises(store: Store, as_of: date) -> list[Enterprise]:
    """Every enterprise in the store, with credit tier and key supervision filled in as of
    `as_of` (a task's first day) where the registry leaves them empty."""
    enterprises = load_enterprises(store)
    missing = [e for e in enterprises if e.credit_tier is None or e.key_supervision is None]
    if not missing:
        return enterprises
    with store.session() as session:
        versions = versions_by_package(session)
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
