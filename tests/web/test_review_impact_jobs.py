"""Impact jobs are bounded (review of issue 7): each holds the whole registry in memory, so
repeated clicks must not start one job per click — in any web process (the store decides)."""

from __future__ import annotations

from datetime import date

import pytest

from jianguan import job_queue
from jianguan.db import Store
from rules.versions.in_force import shipped_packages
from web.rules.impact_jobs import ImpactBusyError, queue_impact

pytestmark = pytest.mark.postgres


def test_a_running_comparison_is_reused_and_another_waits_its_turn(store: Store) -> None:
    credit = shipped_packages()["credit-tier"][0]
    supervision = shipped_packages()["supervision"][0]
    day = date(2027, 3, 1)
    with store.session() as session:
        first = queue_impact(session, credit, credit, day, "zh", "legal1")
    with store.session() as session:  # a double click, or a second reviewer
        again = queue_impact(session, credit, credit, day, "zh", "legal2")
    assert again.id == first.id
    with pytest.raises(ImpactBusyError) as refused, store.session() as session:
        queue_impact(session, supervision, supervision, day, "zh", "legal2")
    assert "正在进行" in refused.value.message("zh") and "one at a time" in refused.value.message(
        "en"
    )
    claim = job_queue.claim(store, "test", ["impact"])
    assert claim is not None and claim.id == first.id
    with store.session() as session:
        job_queue.finish(session, claim, None)
    with store.session() as session:  # its turn now
        later = queue_impact(session, supervision, supervision, day, "zh", "legal2")
    assert later.id != first.id and later.package_id == "supervision"
