"""kill -9 in the middle of a registry import (the command line), a plan approval, a
publication and a rule sign-off (the web's requests), on SQLite and PostgreSQL (issue 14).

Each kill leaves the store exactly as before or exactly as after — never half — the audit
chain verifies, and the same step run again works. The kills land right before COMMIT (every
statement sent), at random moments of the open write transaction, and at random moments of
the whole run. Small budgets here; benchmarks/faults.py runs more kills and a 100,000-row
import.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attack.faults import KILL_POINTS, FaultReport
from tests.attack.import_faults import kill_import, make_case
from tests.attack.web_faults import TRANSITIONS, Stage, build_stage, kill_transition
from tests.conftest import empty_database
from web.extensions import store_of

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
BACKENDS = ["sqlite", "postgresql"]


def _held(report: FaultReport) -> None:
    """Every kill landed before or after; a kill right before COMMIT always before."""
    assert report.kills, report.line()
    odd = [k for k in report.kills if k.landed not in ("before", "after")]
    assert not odd, f"{report.line()}\n{odd}"
    for kill in report.kills:
        if kill.point == "before commit":
            assert (kill.landed, kill.note) == ("before", ""), kill
        if kill.point == "before commit 2":  # one transaction: there is no second commit
            assert (kill.landed, kill.note) == ("after", "finished: no such commit"), kill
    assert report.audit_ok == len(report.kills), report.kills


@pytest.fixture(params=BACKENDS)
def stage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stage]:
    built = build_stage(empty_database(request.param, tmp_path))
    yield built
    store_of(built.app).dispose()


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_a_killed_web_transition_leaves_before_or_after(stage: Stage, name: str) -> None:
    backend = store_of(stage.app).engine.dialect.name
    report = kill_transition(stage, TRANSITIONS[name], backend, tries=2 * len(KILL_POINTS))
    _held(report)
    assert report.next_run_ok == len(report.kills), report.kills


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_registry_import_leaves_before_or_after(backend: str, tmp_path: Path) -> None:
    case = make_case(empty_database(backend, tmp_path), rows=3_000, folder=tmp_path)
    report = kill_import(case, tries=len(KILL_POINTS), next_run_each=False)
    _held(report)
    assert report.next_run_ok == 1, report.kills  # the import after the last kill
