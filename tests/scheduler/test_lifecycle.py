"""Plans in the store: draft → approved → published, re-planning, results, 一公开 export."""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import date

import pytest

from jianguan.audit import verify_chain
from jianguan.db import open_store
from jianguan.models import AuditEvent, PlanRow
from scheduler.lifecycle import (
    LifecycleError,
    approve,
    approved_counts_in,
    document_of,
    publish,
    replan_stored,
    save_draft,
)
from scheduler.planner import generate_plan
from scheduler.publication import export_publication, record_result, result_status
from scheduler.verify import verify_plan
from tests.scheduler import factory as f


@pytest.fixture()
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.dispose()


def _case():
    firms = f.enterprises(12)
    staff = f.officers(4, "SCJG", ["food"]) + f.officers(4, "SW", ["tax"])
    task = f.task(period={"start": date(2026, 3, 2), "end": date(2026, 3, 13)})
    return firms, staff, task, generate_plan(firms, staff, task, f.SEED)


def test_full_lifecycle_with_replan_results_and_export(store, tmp_path) -> None:
    firms, staff, task, doc = _case()
    with store.session() as s:
        plan_id = save_draft(s, task, doc, "planner").id
    with store.session() as s, pytest.raises(LifecycleError, match="approve"):
        publish(s, plan_id, "chief")
    with store.session() as s, pytest.raises(LifecycleError):
        approve(s, plan_id, "planner")  # the generator may not approve their own plan
    with store.session() as s:
        approve(s, plan_id, "chief")
    # an officer falls ill after approval
    first = doc["inspections"][0]
    ill = first["team"]["SW"][0]
    sick = [
        dataclasses.replace(o, unavailable=(date.fromisoformat(first["date"]),))
        if o.id == ill
        else o
        for o in staff
    ]
    with store.session() as s:
        child = replan_stored(s, plan_id, firms, sick, task, "planner")
        child_id = child.id
        assert verify_plan(document_of(child), firms, sick, task) == []
    with store.session() as s:
        approve(s, child_id, "chief")
        assert s.get(PlanRow, plan_id).status == "superseded"
        publish(s, child_id, "chief")
    with store.session() as s:
        record_result(s, child_id, first["enterprise_id"], "未发现问题", "", "inspector")
        due = result_status(s, child_id, task, today=date(2026, 6, 1))
        assert [d.enterprise_id for d in due if d.recorded] == [first["enterprise_id"]]
        assert all(d.overdue for d in due if not d.recorded)
        files = export_publication(s, child_id, task, firms, tmp_path / "pub", "chief")
    page = (tmp_path / "pub" / "index.html").read_text(encoding="utf-8")
    assert f.SEED in page and doc["inputs_sha256"] in page and "jianguan plan verify" in page
    assert "测试企业" in page and "未发现问题" in page
    with (tmp_path / "pub" / "results.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    # the platform's shape: only recorded results, with their category
    assert [(r["统一社会信用代码"], r["检查结果"]) for r in rows] == [
        (first["enterprise_id"], "未发现问题")
    ]
    assert [p.name for p in files] == [
        "plan.json",
        "plan.csv",
        "plan.xlsx",
        "results.csv",
        "results.xlsx",
        "publication.json",
        "index.html",
    ]
    with store.session() as s:
        actions = [e.action for e in s.query(AuditEvent).order_by(AuditEvent.id)]
        assert actions[:4] == ["plan.generate", "plan.approve", "plan.replan", "plan.substitute"]
        assert "inspection.result" in actions and actions[-1] == "plan.export"
        assert verify_chain(s).intact


def test_annual_cap_counts_other_tasks_approved_plans(store) -> None:
    firms, staff, task, doc = _case()
    with store.session() as s:
        plan_id = save_draft(s, task, doc, "planner").id
        assert approved_counts_in(s, f.task(id="OTHER-TASK")) == {}
        approve(s, plan_id, "chief")
    with store.session() as s:
        counts = approved_counts_in(s, f.task(id="OTHER-TASK"))
        assert counts[doc["inspections"][0]["enterprise_id"]] == {2026: 1}
        assert approved_counts_in(s, task) == {}  # a task's own plans do not count
    other = f.task(id="OTHER-TASK", max_inspections_per_enterprise_per_year=1)
    with store.session() as s:
        counts = approved_counts_in(s, other)
    again = generate_plan(firms, staff, other, f.SEED, prior_counts=counts)
    assert {i["enterprise_id"] for i in again["inspections"]}.isdisjoint(
        {i["enterprise_id"] for i in doc["inspections"]}
    )


def test_results_deadline_is_20_working_days() -> None:
    from scheduler.publication import results_deadline
    from scheduler.work_calendar import build_calendar

    calendar = build_calendar(f.task(calendar={"holidays": [date(2026, 3, 10)]}))
    assert results_deadline(date(2026, 3, 2), calendar) == date(2026, 3, 31)  # one holiday
    # beyond the task period the statutory calendar applies: National Day 2026
    assert results_deadline(date(2026, 9, 30), calendar) == date(2026, 11, 3)


def test_publication_records_the_audit_anchor_that_catches_a_cut_log(store, tmp_path) -> None:
    """The log's entry count and head at publication go on the notice and in the exported
    record; deleting the newest entries (publication included) is then found."""
    firms, _staff, task, doc = _case()
    with store.session() as s:
        plan_id = save_draft(s, task, doc, "planner").id
        approve(s, plan_id, "chief")
    with store.session() as s:
        published = publish(s, plan_id, "chief")
        entries, head = published.audit_entries, published.audit_head
        newest = s.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert newest.action == "plan.publish" and head == newest.hash
        assert entries == s.query(AuditEvent).count() == 3
    with store.session() as s:
        export_publication(s, plan_id, task, firms, tmp_path / "pub", "chief")
    record = json.loads((tmp_path / "pub" / "publication.json").read_text(encoding="utf-8"))
    assert record["audit_anchor"]["entries"] == entries and record["audit_anchor"]["head"] == head
    assert record["plan_sha256"] == doc["plan_sha256"]
    page = (tmp_path / "pub" / "index.html").read_text(encoding="utf-8")
    assert f"jianguan audit verify --anchor {entries}:{head}" in page
    with store.session() as s:
        assert verify_chain(s).intact and verify_chain(s).anchors == 1
        s.query(AuditEvent).filter(AuditEvent.id >= newest.id).delete()
    with store.session() as s:
        check = verify_chain(s)
        assert not check.intact and f"plan #{plan_id}" in check.problem("en")
