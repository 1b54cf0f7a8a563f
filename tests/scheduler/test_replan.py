"""Re-planning after approval: only affected inspections move, substitutes by public rank."""

from __future__ import annotations

import dataclasses
from datetime import date

from scheduler.planner import generate_plan
from scheduler.replan import replan, substitution_rank
from scheduler.verify import verify_plan
from tests.scheduler import factory as f


def _case(n_staff: int = 5):
    firms = f.enterprises(24, districts=("360102",))
    staff = f.officers(n_staff, "SCJG", ["food"]) + f.officers(n_staff, "SW", ["tax"])
    task = f.task(period={"start": date(2026, 3, 2), "end": date(2026, 3, 13)})
    return firms, staff, task, generate_plan(firms, staff, task, f.SEED)


def test_illness_moves_only_the_affected_inspections() -> None:
    firms, staff, task, doc = _case()
    target = doc["inspections"][3]
    ill_id = target["team"]["SCJG"][0]
    ill_day = date.fromisoformat(target["date"])
    sick = [dataclasses.replace(o, unavailable=(ill_day,)) if o.id == ill_id else o for o in staff]
    new, changes = replan(doc, firms, sick, task)
    assert verify_plan(new, firms, sick, task) == []
    affected = {
        i["enterprise_id"]
        for i in doc["inspections"]
        if i["date"] == target["date"] and ill_id in i["team"]["SCJG"]
    }
    assert {c.enterprise_id for c in changes} == affected
    old = {i["enterprise_id"]: i for i in doc["inspections"]}
    for insp in new["inspections"]:
        if insp["enterprise_id"] not in affected:
            assert insp == old[insp["enterprise_id"]]  # pinned
        else:
            assert ill_id not in insp["team"]["SCJG"] or insp["date"] != target["date"]
    for c in changes:
        assert c.rank == substitution_rank(
            f.SEED, task.id, str(c.new_date), c.enterprise_id, c.department, str(c.added)
        )
    assert new["replanned_from"] == doc["plan_sha256"]
    assert new["draw"] == doc["draw"]


def test_recusal_after_approval_is_substituted_and_tampered_rank_is_caught() -> None:
    firms, staff, task, doc = _case()
    insp = doc["inspections"][0]
    recuser = insp["team"]["SW"][1]
    staff2 = [
        dataclasses.replace(o, recusals=(insp["enterprise_id"],)) if o.id == recuser else o
        for o in staff
    ]
    new, changes = replan(doc, firms, staff2, task)
    assert [(c.enterprise_id, c.removed) for c in changes] == [(insp["enterprise_id"], recuser)]
    assert verify_plan(new, firms, staff2, task) == []
    from scheduler.plan_document import seal

    forged = {**new, "substitutions": [{**new["substitutions"][0], "rank": "0" * 64}]}
    problems = verify_plan(seal(forged), firms, staff2, task)
    assert any("rank" in p.en for p in problems)


def test_no_substitute_anywhere_becomes_unscheduled_with_reason() -> None:
    firms, staff, task, doc = _case(n_staff=2)  # exactly two per department
    ill_id = "SCJG0000"
    sick = [dataclasses.replace(o, certificate="") if o.id == ill_id else o for o in staff]
    new, _ = replan(doc, firms, sick, task)
    assert new["inspections"] == []
    assert len(new["unscheduled"]) == len(doc["inspections"]) + len(doc["unscheduled"])
    assert verify_plan(new, firms, sick, task) == []
