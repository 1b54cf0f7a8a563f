"""A plan's server-side verification is kept in the store: computed by the job that saves the
draft, shared by every process, and computed again only when what it reads has changed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from jianguan.models import PlanVerificationRow
from jianguan.registry_store import import_registry
from scheduler import stored_verification
from tests.jianguan import samples
from tests.web.flows import (
    ENTERPRISES,
    OFFICERS,
    signed_in,
)
from web.extensions import store_of


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the verifier's runs in this process (the web's, the job's)."""
    runs: list[int] = []
    verify_plan = stored_verification.verify_plan

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return verify_plan(*args, **kwargs)

    monkeypatch.setattr(stored_verification, "verify_plan", counted)
    return runs


def _verify(app: Flask, plan_id: int) -> dict[str, Any]:
    reply = signed_in(app, "reg1").get(f"/api/plans/{plan_id}/verify")
    assert reply.status_code == 200, reply.get_data(as_text=True)
    answer: dict[str, Any] = reply.get_json()
    return answer


def test_the_job_that_saves_a_draft_stores_its_verification(
    app: Flask, draft: int, computed: list[int]
) -> None:
    with store_of(app).session() as session:
        row = session.get(PlanVerificationRow, draft)
        assert row is not None and row.result["problems"] == []
    answer = _verify(app, draft)
    assert answer["ok"] is True and answer["drawn"] >= 1
    assert computed == []  # the reviewer read the job's answer


def test_sign_ins_do_not_make_readers_wait_for_a_new_verification(
    app: Flask, draft: int, computed: list[int]
) -> None:
    for user in ("reg2", "admin1", "legal1"):  # each sign-in writes an audit event
        signed_in(app, user)
    assert _verify(app, draft)["ok"] is True
    assert _verify(app, draft)["ok"] is True
    assert computed == []


def test_a_registry_import_is_seen_by_the_next_verification(
    app: Flask, draft: int, tmp_path: Path, computed: list[int]
) -> None:
    assert _verify(app, draft)["registry"]["enterprises"] == len(ENTERPRISES)
    more = tmp_path / "more"
    more.mkdir()
    extra = f"{samples.credit_code(9, '360103')},新建区食品店,360103,F52,2020-01-01,true,false,false,0,0,false,B,false"
    import_registry(
        store_of(app),
        enterprises=samples.enterprises_csv(more, [*ENTERPRISES, extra]),
        inspectors=samples.officers_csv(more, OFFICERS),
    )
    answer = _verify(app, draft)
    assert answer["registry"]["enterprises"] == len(ENTERPRISES) + 1
    # the draw over five enterprises is not the one the plan published
    assert answer["ok"] is False and computed == [1]


def test_an_answer_older_than_max_age_is_computed_again(
    app: Flask, draft: int, computed: list[int]
) -> None:
    with store_of(app).session() as session:
        row = session.get(PlanVerificationRow, draft)
        assert row is not None
        row.checked_at -= stored_verification.MAX_AGE + timedelta(seconds=1)
    assert _verify(app, draft)["ok"] is True
    assert computed == [1]
    assert _verify(app, draft)["ok"] is True
    assert computed == [1]
