"""Plans: generate in the background, review, four eyes, stale approvals, publish, re-plan,
results and the 20-working-day tracker."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from jianguan.models import AuditEvent, DecisionRow, InspectionRow, PlanRow
from tests.web.flows import (
    SECOND_REGULATOR,
    TASK_FORM,
    load_registry,
    post,
    publish,
    signed_in,
)
from web.extensions import store_of


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _status(app: Flask, plan_id: int) -> str:
    with store_of(app).session() as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None
        return plan.status


def test_review_shows_calendars_with_quiet_days_and_holidays_and_the_why(
    app: Flask, draft: int
) -> None:
    html = signed_in(app, "reg1").get(f"/plans/{draft}").get_data(as_text=True)
    officers = re.search(
        r'<table class="calendar" id="calendar-officers">(.*?)</table>', html, re.S
    )
    assert officers
    head = officers.group(1).split("</thead>")[0]
    assert 'class="quiet" title="2027-03-05"' in head  # quiet days 1-10, a Friday
    assert 'class="off" title="2027-03-22"' in head  # the task's holiday, a Monday
    assert 'class="off" title="2027-03-13"' in head  # a Saturday
    assert 'class="work" title="2027-03-11"' in head
    zhang = re.search(r'<tr><th title="I0001">张伟</th>(.*?)</tr>', officers.group(1))
    assert zhang, "I0001 serves in this seed's plan"
    cells = re.findall(r'<td class="([^"]*)"', zhang.group(1))
    assert "away" in cells[14]  # I0001 is on leave on 2027-03-15 (the 15th column)
    assert sum("away" in c for c in cells) == 1
    assert 'id="calendar-districts"' in html
    assert "东湖区" in html and "西湖区" in html
    text = _text(html)
    assert "重点监管（全部检查）" in text  # E3 is key supervision
    assert re.search(r'id="scheduled-count">4<', html)
    assert "所有抽中的企业都已排期" in text
    assert "约束报告" in text and "OPTIMAL" in text


def test_generator_cannot_approve_own_plan(app: Flask, draft: int) -> None:
    author = signed_in(app, "reg1")
    reply = post(author, f"/plans/{draft}/approve", follow_redirects=True)
    assert "不能审批同一计划" in reply.get_data(as_text=True)
    assert _status(app, draft) == "draft"
    post(signed_in(app, SECOND_REGULATOR), f"/plans/{draft}/approve")
    assert _status(app, draft) == "approved"


def test_publish_needs_approval_and_reject_needs_reason(app: Flask, draft: int) -> None:
    author = signed_in(app, "reg1")
    reply = post(author, f"/plans/{draft}/publish", follow_redirects=True)
    assert "只有 approved 状态才能执行此操作" in reply.get_data(as_text=True)
    reply = post(author, f"/plans/{draft}/reject", {"reason": "  "}, follow_redirects=True)
    assert "驳回须写明理由" in reply.get_data(as_text=True)
    assert _status(app, draft) == "draft"
    post(author, f"/plans/{draft}/reject", {"reason": "名录库待更新"})
    assert _status(app, draft) == "rejected"
    assert "名录库待更新" in author.get(f"/plans/{draft}").get_data(as_text=True)


def test_approval_goes_stale_when_the_plan_changes(app: Flask, draft: int) -> None:
    other = signed_in(app, SECOND_REGULATOR)
    post(other, f"/plans/{draft}/approve")
    with store_of(app).session() as session:  # someone edits the stored plan after approval
        plan = session.get(PlanRow, draft)
        assert plan is not None
        document = json.loads(plan.document)
        document["inspections"][0]["date"] = "2027-03-30"
        plan.document = json.dumps(document, ensure_ascii=False, sort_keys=True)
    review = other.get(f"/plans/{draft}").get_data(as_text=True)
    assert 'id="stale-approval"' in review
    reply = post(other, f"/plans/{draft}/publish", follow_redirects=True)
    assert "原审批失效" in reply.get_data(as_text=True)
    assert _status(app, draft) == "approved"
    with store_of(app).session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "plan.publish" not in actions
    assert app.test_client().get(f"/public/plans/{draft}").status_code == 404


def test_approval_goes_stale_when_the_recorded_hash_changes(app: Flask, draft: int) -> None:
    other = signed_in(app, SECOND_REGULATOR)
    post(other, f"/plans/{draft}/approve")
    with store_of(app).session() as session:
        plan = session.get(PlanRow, draft)
        assert plan is not None
        plan.plan_sha256 = "f" * 64
    reply = post(other, f"/plans/{draft}/publish", follow_redirects=True)
    assert "原审批失效" in reply.get_data(as_text=True)
    assert _status(app, draft) == "approved"


def test_published_plan_is_public_and_verifies(app: Flask, draft: int) -> None:
    anonymous = app.test_client()
    assert anonymous.get(f"/public/plans/{draft}").status_code == 404  # drafts stay private
    publish(app, draft)
    listing = anonymous.get("/public/").get_data(as_text=True)
    assert f"/public/plans/{draft}" in listing
    page = anonymous.get(f"/public/plans/{draft}").get_data(as_text=True)
    with store_of(app).session() as session:
        plan = session.get(PlanRow, draft)
        assert plan is not None
        seed, sha = plan.seed, plan.plan_sha256
    assert seed in page
    assert "inputs_sha256" in page
    body = anonymous.get(f"/public/plans/{draft}/plan.json").data
    document = json.loads(body)
    assert document["plan_sha256"] == sha
    unsealed = {k: v for k, v in document.items() if k != "plan_sha256"}
    canonical = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == sha
    verify = anonymous.get(f"/public/plans/{draft}/verify").get_data(as_text=True)
    assert 'data-ok="1"' in verify
    assert "重新计算抽取" in verify and "每日检查数不超过上限" in verify


def test_tampered_published_plan_fails_verification(app: Flask, draft: int) -> None:
    publish(app, draft)
    with store_of(app).session() as session:
        plan = session.get(PlanRow, draft)
        assert plan is not None
        document = json.loads(plan.document)
        document["draw"][0]["rank"] = "0" * 64
        plan.document = json.dumps(document)
    verify = app.test_client().get(f"/public/plans/{draft}/verify").get_data(as_text=True)
    assert 'data-ok="0"' in verify
    assert "plan_sha256 与文件内容不符" in verify


def test_replan_after_illness_moves_the_officer_out_and_supersedes_onpublish(
    app: Flask, draft: int
) -> None:
    publish(app, draft)
    with store_of(app).session() as session:
        busy = session.scalars(select(InspectionRow).where(InspectionRow.plan_id == draft)).all()
        sick = sorted({o for i in busy for team in i.team.values() for o in team})[0]
    author = signed_in(app, "reg1")
    reply = post(
        author,
        f"/plans/{draft}/replan",
        {"officer_id": sick, "kind": "illness", "from": "2027-03-01", "to": "2027-03-31"},
    )
    assert reply.status_code == 302
    new_id = int(reply.headers["Location"].rsplit("/", 1)[1])
    assert new_id != draft
    with store_of(app).session() as session:
        new = session.get(PlanRow, new_id)
        assert new is not None and new.parent_plan_id == draft and new.status == "draft"
        teams = [i.team for i in new.inspections]
    assert all(sick not in members for team in teams for members in team.values())
    review = author.get(f"/plans/{new_id}").get_data(as_text=True)
    assert 'id="substitutions"' in review and sick in review
    publish(app, new_id)
    assert _status(app, draft) == "superseded"
    public = app.test_client().get("/public/").get_data(as_text=True)
    assert "已被新计划替代" in public


def test_results_with_categories_and_the_tracker(app: Flask, draft: int) -> None:
    publish(app, draft)
    author = signed_in(app, "reg1")
    with store_of(app).session() as session:
        rows = session.scalars(
            select(InspectionRow).where(InspectionRow.plan_id == draft).order_by(InspectionRow.date)
        ).all()
        first, last_date = rows[0].id, rows[-1].date
    form = author.get(f"/plans/{draft}/inspections/{first}/result").get_data(as_text=True)
    for category in ("未发现问题", "通过登记的住所（经营场所）无法联系", "发现问题待后续处理"):
        assert category in form
    before = app.test_client().get(f"/public/plans/{draft}").get_data(as_text=True)
    assert "已录入 0 / 4" in _text(before)  # now rendered and cached
    post(author, f"/plans/{draft}/inspections/{first}/result", {"category": "未发现问题"})
    public = app.test_client().get(f"/public/plans/{draft}").get_data(as_text=True)
    assert "未发现问题" in public and "已录入 1 / 4" in _text(public)
    table = app.test_client().get(f"/public/plans/{draft}/results.csv").get_data(as_text=True)
    lines = table.lstrip("\ufeff").splitlines()
    # the national publicity system's columns; only recorded results are published
    assert lines[0] == "统一社会信用代码,企业名称,抽查事项,检查日期,检查结果,检查实施机关"
    assert len(lines) == 2 and ",未发现问题," in lines[1]
    tracker = author.get("/plans/tracker?today=2027-06-30").get_data(as_text=True)
    assert re.search(r'id="count-overdue">3<', tracker)
    assert re.search(r'id="count-on_time">1<', tracker)  # recorded before its due date
    early = author.get(f"/plans/tracker?today={last_date.isoformat()}").get_data(as_text=True)
    assert re.search(r'id="count-overdue">0<', early)


def test_task_form_reports_what_to_fix(app: Flask, tmp_path: Path) -> None:
    load_registry(app, tmp_path)
    client = signed_in(app, "reg1")
    bad = {**TASK_FORM, "start": "2027-05-01", "end": "2027-04-01", "A": "2"}
    reply = post(client, "/plans/tasks/new", bad)
    assert reply.status_code == 400
    text = _text(reply.get_data(as_text=True))
    assert "period" in text and "sampling" in text


def test_finding_with_a_case_shows_the_penalty_exemption_decision(app: Flask, draft: int) -> None:
    publish(app, draft)
    author = signed_in(app, "reg1")
    with store_of(app).session() as session:
        row = session.scalars(select(InspectionRow).where(InspectionRow.plan_id == draft)).first()
        assert row is not None
        inspection, enterprise = row.id, row.enterprise_id
    case = {
        "category": "发现问题已责令改正",
        "with_case": "on",
        "harm": "slight",
        "corrected_in_time": "on",
        "first_offence": "on",
        "occurred_on": "2027-03-01",
        "discovered_on": "2027-03-20",
    }
    reply = post(author, f"/plans/{draft}/inspections/{inspection}/result", case)
    assert reply.status_code == 302
    page = author.get(reply.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="decision-outcome">may_waive<', page)
    assert "第三十三条第一款" in page
    assert "第三十三条第一款" in author.get(f"/registry/enterprises/{enterprise}").get_data(
        as_text=True
    )
    bad = post(
        author,
        f"/plans/{draft}/inspections/{inspection}/result",
        {**case, "occurred_on": "2027-04-01"},  # discovered before the conduct began
    )
    assert bad.status_code == 400 and 'id="result-error"' in bad.get_data(as_text=True)


def test_the_enterprise_history_decides_the_first_offence_in_the_form(
    app: Flask, draft: int
) -> None:
    publish(app, draft)
    author = signed_in(app, "reg1")
    with store_of(app).session() as session:
        row = session.scalars(select(InspectionRow).where(InspectionRow.plan_id == draft)).first()
        assert row is not None
        path = f"/plans/{draft}/inspections/{row.id}/result"
    form = author.get(path).get_data(as_text=True)
    assert 'name="prior_same_violation_on"' in form
    assert '<option value="SAMR2025_FW05">' in form  # the list items of the version in force
    case = {
        "category": "发现问题已责令改正",
        "with_case": "on",
        "harm": "slight",
        "corrected_in_time": "on",
        "occurred_on": "2027-03-01",
        "discovered_on": "2027-03-20",
        "violation_code": "SAMR2025_FW05",
        "food_stage": "sale",
        "source_explained": "on",
        "goods_value_yuan": "80",
    }

    def outcome_of(reply: Any) -> str:
        assert reply.status_code == 302, reply.get_data(as_text=True)
        page = author.get(reply.headers["Location"]).get_data(as_text=True)
        found = re.search(r'id="decision-outcome">(\w+)<', page)
        assert found is not None
        return found.group(1)

    # the last same-kind violation exactly two years earlier: a first offence, the list item
    # applies; a day later: not a first offence
    assert outcome_of(post(author, path, {**case, "prior_same_violation_on": "2025-03-01"})) == (
        "may_waive"
    )
    with store_of(app).session() as session:
        decision = session.get(DecisionRow, session.get(InspectionRow, row.id).decision_id)
        assert decision is not None and "samr-2025-fw05-expired-food" in decision.rules
    assert outcome_of(post(author, path, {**case, "prior_same_violation_on": "2025-03-02"})) == (
        "penalise"
    )
    # ticked "first offence" against a record a year earlier: refused, naming both fields
    bad = post(
        author, path, {**case, "first_offence": "on", "prior_same_violation_on": "2026-03-01"}
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "first_offence" in text and "prior_same_violation_on" in text


def test_task_for_a_year_without_a_statutory_calendar_asks_for_holidays(
    app: Flask, tmp_path: Path
) -> None:
    load_registry(app, tmp_path)
    client = signed_in(app, "reg1")
    reply = post(
        client,
        "/plans/tasks/new",
        {**TASK_FORM, "holidays": "", "start": "2031-03-01", "end": "2031-03-31"},
    )
    assert reply.status_code == 400
    assert "calendar.holidays" in reply.get_data(as_text=True)


def test_cached_verification_still_sees_tampering(app: Flask, draft: int) -> None:
    publish(app, draft)
    anonymous = app.test_client()
    assert 'data-ok="1"' in anonymous.get(f"/public/plans/{draft}/verify").get_data(as_text=True)
    with store_of(app).session() as session:  # an edit straight in the database, unaudited
        plan = session.get(PlanRow, draft)
        assert plan is not None
        document = json.loads(plan.document)
        document["inspections"][0]["date"] = "2027-03-30"
        plan.document = json.dumps(document)
    again = anonymous.get(f"/public/plans/{draft}/verify").get_data(as_text=True)
    assert 'data-ok="0"' in again and "plan_sha256" in again


def test_plan_lists_do_not_load_plan_documents(app: Flask, draft: int) -> None:
    """The plan list and the task page link each plan with its state: a plan.json (half a
    megabyte or more) per plan, read for nothing, made the list the slowest page under load."""
    from sqlalchemy import event

    from tests.web.flows import TASK_ID

    client = signed_in(app, "reg1")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    engine = store_of(app).engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        listed = client.get("/plans/").get_data(as_text=True)
        task_page = client.get(f"/plans/tasks/{TASK_ID}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert f"/plans/{draft}" in listed and f"/plans/{draft}" in task_page
    assert statements and not [s for s in statements if "plans.document" in s]
