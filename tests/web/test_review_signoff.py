"""Sign-off under concurrency and stale pages (review of issue 7).

Each test replays an interleaving two requests can produce — a second request acting between
this one's checks and its write — by running the other request's step at that moment, in a
session of its own. The sign-off rules must hold at the write itself, not only at the check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

import rules.versions.signoff as signoff
from jianguan.db import Store
from jianguan.models import AuditEvent, RulePackageVersion
from tests.web.flows import SECOND_LEGAL, post, signed_in
from web.extensions import store_of

SHIPPED = Path(__file__).resolve().parents[2] / "rules/packages/credit-tier/2022-01-14.yaml"
TOMORROW = date.today() + timedelta(days=1)


def _text(version: str, effective_from: date = TOMORROW) -> str:
    return signoff.with_header(SHIPPED.read_text(encoding="utf-8"), version, effective_from)


def _draft(store: Store, version: str, author: str = "legal1", submit: bool = False) -> int:
    with store.session() as session:
        row = signoff.save_draft(session, author, _text(version), date.today())
        if submit:
            signoff.submit(session, row, author)
        session.commit()
        return row.id


def _status(store: Store, row_id: int) -> tuple[str, str]:
    with store.session() as session:
        row = session.get(RulePackageVersion, row_id)
        assert row is not None
        return row.status, row.content_sha256


def _in_between(
    monkeypatch: pytest.MonkeyPatch, name: str, other: Callable[[], None]
) -> list[bool]:
    """Patch `rules.versions.signoff.<name>` so that its first call returns what it read, after
    `other` (another request) has committed: the window between a check and its write."""
    real = getattr(signoff, name)
    ran: list[bool] = []

    def patched(*args: Any, **kw: Any) -> Any:
        result = real(*args, **kw)
        if not ran:
            ran.append(True)
            other()
        return result

    monkeypatch.setattr(signoff, name, patched)
    return ran


def test_two_reviewers_cannot_approve_two_versions_for_the_same_day(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(app)
    first = _draft(store, "2022.2")
    second = _draft(store, "2022.3")  # the same effective date: allowed while both are drafts
    with store.session() as session:
        for row_id in (first, second):  # submit does not look at the other versions' dates
            row = session.get(RulePackageVersion, row_id)
            assert row is not None
            signoff.submit(session, row, "legal1")
        session.commit()

    def other_reviewer() -> None:
        with store.session() as session:
            row = session.get(RulePackageVersion, second)
            assert row is not None
            signoff.approve(session, row, "legal3", date.today(), row.content_sha256)
            session.commit()

    ran = _in_between(monkeypatch, "all_versions", other_reviewer)
    with store.session() as session:
        row = session.get(RulePackageVersion, first)
        assert row is not None
        with pytest.raises(signoff.SignOffError):
            signoff.approve(session, row, SECOND_LEGAL, date.today(), row.content_sha256)
        session.rollback()
    assert ran
    assert _status(store, first)[0] == "submitted"
    assert _status(store, second)[0] == "approved"


def test_an_approval_racing_a_rejection_does_not_overturn_it(app: Flask) -> None:
    store = store_of(app)
    row_id = _draft(store, "2022.2", submit=True)
    with store.session() as session:
        seen = session.get(RulePackageVersion, row_id)  # the approver's request reads it …
        assert seen is not None
        with store.session() as other:  # … another reviewer rejects it meanwhile …
            rejected = other.get(RulePackageVersion, row_id)
            assert rejected is not None
            signoff.reject(other, rejected, "legal3", "依据不足", rejected.content_sha256)
            other.commit()
        with pytest.raises(signoff.SignOffError):  # … and the approval must not land on it.
            signoff.approve(session, seen, SECOND_LEGAL, date.today(), seen.content_sha256)
        session.rollback()
    assert _status(store, row_id)[0] == "rejected"


def test_text_saved_while_the_submit_runs_its_tests_is_not_submitted(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(app)
    row_id = _draft(store, "2022.2")
    # The author's second tab saves other text (its tests would fail) while the submit tests.
    untested = _text("2022.2").replace("value: 90,", "value: 999,")

    def author_saves() -> None:
        with store.session() as session:
            draft = session.get(RulePackageVersion, row_id)
            signoff.save_draft(session, "legal1", untested, date.today(), draft)
            session.commit()

    ran = _in_between(monkeypatch, "run_package_tests", author_saves)
    with store.session() as session:
        row = session.get(RulePackageVersion, row_id)
        assert row is not None
        with pytest.raises(signoff.SignOffError, match="测试期间"):
            signoff.submit(session, row, "legal1")
        session.rollback()
    assert ran
    assert _status(store, row_id)[0] == "draft"


def test_a_save_racing_a_submit_does_not_change_the_submitted_text(app: Flask) -> None:
    store = store_of(app)
    row_id = _draft(store, "2022.2")
    submitted_sha = _status(store, row_id)[1]
    with store.session() as session:
        editing = session.get(RulePackageVersion, row_id)  # the editor's save reads the draft …
        assert editing is not None and editing.status == "draft"
        with store.session() as other:  # … the author's other tab submits it …
            row = other.get(RulePackageVersion, row_id)
            assert row is not None
            signoff.submit(other, row, "legal1")
            other.commit()
        changed = _text("2022.2").replace("value: 75,", "value: 76,")
        with pytest.raises(signoff.SignOffError):  # … and the save must not rewrite it.
            signoff.save_draft(session, "legal1", changed, date.today(), editing)
        session.rollback()
    assert _status(store, row_id) == ("submitted", submitted_sha)


def test_a_version_name_taken_meanwhile_is_a_message_not_a_server_error(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(app)

    def other_author_saves() -> None:
        with store.session() as session:
            session.add(
                RulePackageVersion(
                    package_id="credit-tier",
                    version="2022.2",
                    source="x",
                    content_sha256="0" * 64,
                    effective_from=TOMORROW + timedelta(days=5),
                    status="draft",
                    created_by=SECOND_LEGAL,
                )
            )
            session.commit()

    _in_between(monkeypatch, "all_versions", other_author_saves)
    legal = signed_in(app, "legal1")
    reply = post(legal, "/rules/credit-tier/v/2022.1/edit", {"source": _text("2022.2")})
    assert reply.status_code == 422, reply.status_code
    assert "刚被另一草稿使用" in reply.get_data(as_text=True)
    with store.session() as session:
        rows = session.scalars(select(RulePackageVersion.created_by)).all()
        actions = session.scalars(select(AuditEvent.action)).all()
    assert rows == [SECOND_LEGAL] and "rules.draft_create" not in actions


def test_approval_is_refused_unless_it_names_the_text_reviewed(app: Flask) -> None:
    store = store_of(app)
    row_id = _draft(store, "2022.2", submit=True)
    sha = _status(store, row_id)[1]
    reviewer = signed_in(app, SECOND_LEGAL)
    path = "/rules/credit-tier/v/2022.2"
    page = reviewer.get(path).get_data(as_text=True)
    assert re.search(rf'name="sha256" value="{sha}"', page)  # the form carries the hash
    for sent in ({}, {"sha256": "0" * 64}):
        reply = post(reviewer, path + "/approve", sent, follow_redirects=True)
        assert "重新审阅" in reply.get_data(as_text=True)
        reply = post(reviewer, path + "/reject", {**sent, "reason": "x"}, follow_redirects=True)
        assert "重新审阅" in reply.get_data(as_text=True)
        assert _status(store, row_id)[0] == "submitted"
    post(reviewer, path + "/approve", {"sha256": sha})
    assert _status(store, row_id)[0] == "approved"


def test_only_the_author_submits_a_draft(app: Flask) -> None:
    """Otherwise a second legal user could submit someone's unfinished draft and approve it
    alone: the author never agreed that this text was ready."""
    store = store_of(app)
    row_id = _draft(store, "2022.2")
    path = "/rules/credit-tier/v/2022.2"
    other = signed_in(app, SECOND_LEGAL)
    page = post(other, path + "/submit", follow_redirects=True).get_data(as_text=True)
    assert "只有起草人" in page
    assert _status(store, row_id)[0] == "draft"
    post(signed_in(app, "legal1"), path + "/submit")
    assert _status(store, row_id)[0] == "submitted"


def test_sign_off_refusals_are_in_english_on_request(app: Flask) -> None:
    store = store_of(app)
    row_id = _draft(store, "2022.2", submit=True)
    reviewer = signed_in(app, SECOND_LEGAL)
    reviewer.get("/lang/en")
    path = "/rules/credit-tier/v/2022.2"
    page = post(reviewer, path + "/approve", {"sha256": "0" * 64}, follow_redirects=True)
    assert "reload the page and review it again" in page.get_data(as_text=True)
    author = signed_in(app, "legal1")
    author.get("/lang/en")
    page = post(
        author, path + "/approve", {"sha256": _status(store, row_id)[1]}, follow_redirects=True
    )
    assert "another legal officer must review it" in page.get_data(as_text=True)
    assert _status(store, row_id)[0] == "submitted"
