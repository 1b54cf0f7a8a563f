"""Rule versions in the browser (test client): a failed edit saves nothing, four eyes on
sign-off, effective dates honoured by every web decision, roll back by re-instatement."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from jianguan.models import AuditEvent, RulePackageVersion
from rules.versions.signoff import with_header
from tests.web.flows import E1, SECOND_LEGAL, load_registry, post, signed_in, token
from web.extensions import store_of

BASE = "/rules/credit-tier/v/2022.1"
# Tier A from 95 points instead of 90: an old enterprise with one penalty (90 points) drops to B.
STRICTER = ("value: 90,", "value: 95,")
ONE_PENALTY = {
    "id": "X1",
    "established_on": "2010-05-01",
    "annual_report_filed": True,
    "penalties_3y": 1,
}


def _editor_text(client: FlaskClient, path: str = BASE) -> str:
    page = client.get(path + "/edit").get_data(as_text=True)
    found = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)
    assert found, "the editor has no textarea"
    return html.unescape(found.group(1))


def _save(client: FlaskClient, text: str, path: str = BASE) -> TestResponse:
    return post(client, path + "/edit", {"source": text})


def _review(
    client: FlaskClient, path: str, action: str, data: dict[str, str] | None = None, **kw: Any
) -> TestResponse:
    """Approve or reject as the page does: with the content hash of the text shown."""
    page = client.get(path).get_data(as_text=True)
    shown = re.search(r'<dd class="hash">([0-9a-f]{64})</dd>', page)
    assert shown, "the version page shows no content hash"
    return post(client, f"{path}/{action}", {**(data or {}), "sha256": shown.group(1)}, **kw)


def _rows(app: Flask) -> list[RulePackageVersion]:
    with store_of(app).session() as session:
        rows = list(session.scalars(select(RulePackageVersion).order_by(RulePackageVersion.id)))
        session.expunge_all()
        return rows


def _audit_actions(app: Flask) -> list[str]:
    with store_of(app).session() as session:
        return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _decide(app: Flask, as_of: date | None = None) -> str:
    client = signed_in(app, "reg1")
    body: dict[str, object] = {"records": [ONE_PENALTY]}
    if as_of:
        body["as_of"] = as_of.isoformat()
    reply = client.post(
        "/api/rules/credit-tier/decide", json=body, headers={"X-CSRFToken": token(client)}
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    answer = reply.get_json()["results"][0]
    return f"{answer['outcome']}@{answer['package_version']}"


def _signed_off(app: Flask, text: str) -> str:
    """legal1 drafts and submits `text`, legal2 approves it; returns the version name."""
    author = signed_in(app, "legal1")
    saved = _save(author, text)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    path = saved.headers["Location"]
    assert post(author, path + "/submit").status_code == 302
    assert _review(signed_in(app, SECOND_LEGAL), path, "approve").status_code == 302
    row = _rows(app)[-1]
    assert row.status == "approved", row.status
    return row.version


def test_an_edit_that_fails_validation_saves_nothing_and_says_where(app: Flask) -> None:
    client = signed_in(app, "legal1")
    text = _editor_text(client)
    assert 'version: "2022.2"' in text  # the editor proposes a new version name
    broken = text.replace("value: 75,", "value: seventy-five,")
    line = broken.split("\n").index(next(x for x in broken.split("\n") if "seventy-five" in x)) + 1
    checked = post(client, "/rules/validate", {"source": broken}).get_data(as_text=True)
    assert f'data-line="{line}"' in checked and "seventy-five" in checked
    reply = _save(client, broken)
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert 'id="save-refused"' in page and f'data-line="{line}"' in page
    assert "seventy-five" in page  # the user's text is kept in the editor to fix it
    assert _rows(app) == []
    assert not [a for a in _audit_actions(app) if a.startswith("rules.")]


def test_a_retroactive_or_reused_version_is_refused_at_its_line(app: Flask) -> None:
    client = signed_in(app, "legal1")
    text = _editor_text(client)
    lines = text.split("\n")
    past = text.replace(date.today().isoformat(), "2023-01-01", 1)
    from_line = next(i for i, x in enumerate(lines) if "effective_from:" in x) + 1
    checked = post(client, "/rules/validate", {"source": past}).get_data(as_text=True)
    assert f'data-line="{from_line}"' in checked and "溯及既往" in checked
    reused = text.replace('version: "2022.2"', 'version: "2022.1"')
    checked = post(client, "/rules/validate", {"source": reused}).get_data(as_text=True)
    assert "已被使用" in checked
    assert _rows(app) == []


def test_sign_off_by_the_author_is_refused_and_another_legal_user_approves(app: Flask) -> None:
    author = signed_in(app, "legal1")
    text = _editor_text(author).replace(*STRICTER)
    saved = _save(author, text)
    path = saved.headers["Location"]
    assert path.endswith("/rules/credit-tier/v/2022.2")
    assert post(author, path + "/submit").status_code == 302
    refused = _review(author, path, "approve", follow_redirects=True).get_data(as_text=True)
    assert "须由另一名法制人员审核" in refused
    assert _rows(app)[0].status == "submitted"
    assert "须由另一名法制人员审核" in _review(
        author, path, "reject", {"reason": "自己退回"}, follow_redirects=True
    ).get_data(as_text=True)
    reviewer = signed_in(app, SECOND_LEGAL)
    waiting = reviewer.get("/rules/").get_data(as_text=True)
    assert re.search(r'id="awaiting-review".*credit-tier 2022\.2', waiting, re.S)
    assert (
        "credit-tier 2022.2"
        not in author.get("/rules/")
        .get_data(as_text=True)
        .split('id="awaiting-review"')[1]
        .split("</section>")[0]
    )  # the author is not asked to review their own version
    page = _review(reviewer, path, "approve", follow_redirects=True).get_data(as_text=True)
    assert 'data-status="approved"' in page and SECOND_LEGAL in page
    row = _rows(app)[0]
    assert (row.status, row.created_by, row.reviewed_by) == ("approved", "legal1", SECOND_LEGAL)
    actions = _audit_actions(app)
    assert {"rules.draft_create", "rules.submit", "rules.approve"} <= set(actions)
    # Nobody approves twice, and a regulator cannot sign off at all.
    assert post(signed_in(app, "reg1"), path + "/approve").status_code == 403


def test_reject_needs_a_reason_and_keeps_the_version(app: Flask) -> None:
    author = signed_in(app, "legal1")
    path = _save(author, _editor_text(author)).headers["Location"]
    post(author, path + "/submit")
    reviewer = signed_in(app, SECOND_LEGAL)
    _review(reviewer, path, "reject", {"reason": " "})
    assert _rows(app)[0].status == "submitted"
    _review(reviewer, path, "reject", {"reason": "分数线依据不足"})
    row = _rows(app)[0]
    assert (row.status, row.review_reason) == ("rejected", "分数线依据不足")
    assert "分数线依据不足" in reviewer.get(path).get_data(as_text=True)


def test_submit_is_refused_while_a_package_test_fails(app: Flask) -> None:
    author = signed_in(app, "legal1")
    # Tier A from 101 points: the package's own "old enterprise → A" case now fails.
    text = _editor_text(author).replace("value: 90,", "value: 101,")
    path = _save(author, text).headers["Location"]
    fragment = post(author, path + "/tests").get_data(as_text=True)
    assert 'data-passed="0"' in fragment and "无不良记录的老企业" in fragment
    assert re.search(r'data-failed="[1-9]', fragment)
    page = post(author, path + "/submit", follow_redirects=True).get_data(as_text=True)
    assert "测试未全部通过" in page
    assert _rows(app)[0].status == "draft"


def test_a_future_dated_version_does_not_decide_before_its_date(app: Flask) -> None:
    later = date.today() + timedelta(days=30)
    author = signed_in(app, "legal1")
    text = with_header(_editor_text(author).replace(*STRICTER), "2022.5", later)
    version = _signed_off(app, text)
    assert version == "2022.5"
    assert _decide(app) == "A@2022.1"  # today: the shipped version still decides
    assert _decide(app, later - timedelta(days=1)) == "A@2022.1"
    assert _decide(app, later) == "B@2022.5"


def test_an_approved_version_in_force_decides_everywhere_in_the_web(
    app: Flask, tmp_path: Path
) -> None:
    load_registry(app, tmp_path)
    legal = signed_in(app, "legal1")
    before = legal.get(f"/registry/enterprises/{E1}").get_data(as_text=True)
    assert "2022.1" in before
    _signed_off(app, _editor_text(legal).replace(*STRICTER))  # effective today
    assert _decide(app) == "B@2022.2"
    page = legal.get(f"/registry/enterprises/{E1}").get_data(as_text=True)
    assert "2022.2" in page  # the enterprise page's live tier uses the version in force
    index = legal.get("/rules/").get_data(as_text=True)
    assert re.search(r'class="current-version">2022\.2<', index)


def test_roll_back_reinstates_the_earlier_text_as_a_new_signed_off_version(app: Flask) -> None:
    legal = signed_in(app, "legal1")
    _signed_off(app, _editor_text(legal).replace(*STRICTER))
    assert _decide(app) == "B@2022.2"
    tomorrow = date.today() + timedelta(days=1)
    reply = post(legal, BASE + "/reinstate", {"effective_from": tomorrow.isoformat()})
    path = reply.headers["Location"]
    assert path.endswith("/rules/credit-tier/v/2022.3")
    rows = _rows(app)
    assert rows[-1].status == "draft" and rows[-1].effective_from == tomorrow
    assert "value: 90," in rows[-1].source  # the shipped text, re-dated
    assert post(legal, path + "/submit").status_code == 302
    _review(signed_in(app, SECOND_LEGAL), path, "approve")
    assert _rows(app)[-1].status == "approved"
    # History stays: today the version in force is still 2022.2; from tomorrow, the old text.
    assert _decide(app) == "B@2022.2"
    assert _decide(app, tomorrow) == "A@2022.3"
    assert "rules.reinstate" in _audit_actions(app)


def test_an_approved_version_is_withdrawn_only_before_it_takes_effect(app: Flask) -> None:
    legal = signed_in(app, "legal1")
    now_version = _signed_off(app, _editor_text(legal).replace(*STRICTER))
    later = date.today() + timedelta(days=10)
    future = _signed_off(app, with_header(_editor_text(legal), "2022.9", later))
    refused = post(
        legal, f"/rules/credit-tier/v/{now_version}/retire", {"reason": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已经生效，不能撤回" in refused
    post(legal, f"/rules/credit-tier/v/{future}/retire", {"reason": "文件被上级撤销"})
    statuses = {r.version: r.status for r in _rows(app)}
    assert statuses == {now_version: "approved", future: "retired"}
    assert _decide(app, later) == "B@2022.2"  # the withdrawn version never decides


def test_try_it_decides_one_record_with_a_draft_and_explains(app: Flask) -> None:
    legal = signed_in(app, "legal1")
    path = _save(legal, _editor_text(legal).replace(*STRICTER)).headers["Location"]
    page = post(
        legal,
        path + "/try",
        {
            "as_of": "2026-06-30",
            "established_on": "2010-05-01",
            "annual_report_filed": "true",
            "penalties_3y": "1",
        },
    ).get_data(as_text=True)
    assert re.search(r'id="try-outcome">B<', page)
    assert "b-score" in page and "国市监信发〔2022〕6号" in page
    assert 'id="try-why-not"' in page and "a-score" in page  # why A did not apply


def test_the_package_pages_show_legal_basis_and_dated_parameters(app: Flask) -> None:
    reader = signed_in(app, "reg1")
    page = reader.get("/rules/penalty-exemption/v/" + _shipped_version("penalty-exemption"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "中华人民共和国行政处罚法" in text and "第三十三条" in text
    assert "<blockquote>" in text  # the excerpt
    credit = reader.get(BASE).get_data(as_text=True)
    assert 'id="parameters-table"' in credit and "2022-01-14" in credit
    assert 'id="version-actions"' not in credit  # reading only, for a regulator


def _shipped_version(package_id: str) -> str:
    from rules.registry import versions_of

    return versions_of(package_id)[0].version


def test_impact_job_reports_transitions_over_the_registry(app: Flask, tmp_path: Path) -> None:
    import time

    load_registry(app, tmp_path)
    legal = signed_in(app, "legal1")
    path = _save(legal, _editor_text(legal).replace(*STRICTER)).headers["Location"]
    job_path = post(legal, path + "/impact").headers["Location"]
    assert "/rules/impact/" in job_path
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = legal.get(job_path + "/status").get_data(as_text=True)
        if 'data-status="running"' not in status:
            break
        time.sleep(0.05)
    assert 'data-status="done"' in status, status
    assert 'id="transition-matrix"' in status and "名录库 4 家企业" in status
    page = legal.get(job_path).get_data(as_text=True)
    assert 'class="add"' in page and "value: 95," in page  # the text diff
    assert "rules.impact" in _audit_actions(app)
    count = func.count(RulePackageVersion.id)
    with store_of(app).session() as session:
        assert session.scalar(select(count)) == 1  # computing impact saves nothing


def test_earlier_conduct_is_decided_under_the_lighter_version_art37(app: Flask) -> None:
    """A signed-off penalty version that drops the first-offence waiver applies to conduct from
    its effective date; earlier conduct keeps the lighter outcome of the shipped version."""
    from rules.registry import versions_of

    base = "/rules/penalty-exemption/v/" + versions_of("penalty-exemption")[-1].version
    legal = signed_in(app, "legal1")
    text = re.sub(
        r"expect: \{outcome: may_waive, rules: \[[^]]*\]\}",
        "expect: {outcome: penalise, rules: [penalise]}",
        _editor_text(legal, base).replace(
            "        value: true\n        reference: &art33_1",
            "        value: false\n        reference: &art33_1",
        ),
    )
    path = _save(legal, text, base).headers["Location"]
    assert post(legal, path + "/submit").status_code == 302
    _review(signed_in(app, SECOND_LEGAL), path, "approve")
    today, tomorrow = date.today(), date.today() + timedelta(days=1)
    case = {
        "minor": False,
        "harm": "slight",
        "corrected_in_time": True,
        "first_offence": True,
        "no_fault_proven": False,
        "life_health_financial_safety": False,
    }
    earlier = {
        **case,
        "id": "C1",
        "occurred_on": (today - timedelta(days=60)).isoformat(),
        "discovered_on": (today - timedelta(days=30)).isoformat(),
    }
    later = {
        **case,
        "id": "C2",
        "occurred_on": today.isoformat(),
        "discovered_on": today.isoformat(),
    }
    client = signed_in(app, "reg1")
    reply = client.post(
        "/api/rules/penalty-exemption/decide",
        json={"records": [earlier, later], "as_of": tomorrow.isoformat()},
        headers={"X-CSRFToken": token(client)},
    )
    first, second = reply.get_json()["results"]
    assert first["outcome"] == "may_waive" and first["art37"]["current_outcome"] == "penalise"
    assert second["outcome"] == "penalise" and "art37" not in second
    assert second["package_version"] == path.rsplit("/", 1)[1]


def test_classification_for_the_draw_can_follow_signed_off_versions(
    app: Flask, tmp_path: Path
) -> None:
    from jianguan.registry_store import load_enterprises
    from rules.api import classify_enterprises
    from rules.versions.in_force import versions_by_package

    load_registry(app, tmp_path)
    _signed_off(app, _editor_text(signed_in(app, "legal1")).replace(*STRICTER))
    e1 = next(e for e in load_enterprises(store_of(app)) if e.id == E1)
    undecided = dataclasses.replace(e1, credit_tier=None)  # let the rules decide the tier
    with store_of(app).session() as session:
        versions = versions_by_package(session)
    today = date.today()
    assert classify_enterprises([undecided], as_of=today)[0].credit_tier == "A"
    assert classify_enterprises([undecided], as_of=today, versions=versions)[0].credit_tier == "B"
