"""Impact jobs are bounded (review of issue 7): each holds the whole registry in memory, so
repeated clicks must not start one thread per click."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from rules.versions.in_force import shipped_packages
from web.rules.impact_jobs import ImpactBusyError, ImpactJob, ImpactJobs


def test_a_running_comparison_is_reused_and_another_waits_its_turn() -> None:
    credit = shipped_packages()["credit-tier"][0]
    supervision = shipped_packages()["supervision"][0]
    release = threading.Event()
    started: list[str] = []

    def work(job: ImpactJob) -> Any:
        started.append(job.id)
        release.wait(10)
        return None

    jobs = ImpactJobs()
    first = jobs.start(credit, credit, "legal1", work)
    again = jobs.start(credit, credit, "legal2", work)  # a double click, or a second reviewer
    assert again is first
    with pytest.raises(ImpactBusyError) as refused:
        jobs.start(supervision, supervision, "legal2", work)
    assert "正在进行" in refused.value.message("zh") and "one at a time" in refused.value.message(
        "en"
    )
    release.set()
    for _ in range(200):
        if first.status != "running":
            break
        threading.Event().wait(0.01)
    assert first.status == "done" and len(started) == 1
    later = jobs.start(supervision, supervision, "legal2", work)  # its turn now
    assert later is not first and later.package_id == "supervision"
