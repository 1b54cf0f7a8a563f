"""`plan verify` catches edits to a date, a team and the draw, even when re-sealed."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date

import pytest

from jianguan.cli import main
from scheduler.plan_document import plan_bytes, seal
from scheduler.planner import generate_plan
from scheduler.verify import verify_plan
from tests.scheduler import factory as f


@pytest.fixture(scope="module")
def case():
    firms = f.enterprises(40, districts=("360102", "360103"))
    staff = f.officers(6, "SCJG", ["food"]) + f.officers(6, "SW", ["tax"])
    task = f.task(
        sampling={"A": 0.5, "B": 0.5, "C": 1.0, "D": 1.0},
        calendar={"holidays": [date(2026, 3, 20)], "quiet_days_of_month": [1, 2, 3, 4, 5]},
    )
    doc = generate_plan(firms, staff, task, f.SEED)
    return firms, staff, task, doc


def _texts(problems):
    return " | ".join(p.en for p in problems)


def test_untouched_plan_verifies(case) -> None:
    firms, staff, task, doc = case
    assert verify_plan(doc, firms, staff, task) == []


def test_edit_without_resealing_breaks_the_hash(case) -> None:
    firms, staff, task, doc = case
    edited = copy.deepcopy(doc)
    edited["inspections"][0]["date"] = "2026-03-31"
    assert "plan_sha256 does not match" in _texts(verify_plan(edited, firms, staff, task))


@pytest.mark.parametrize(
    ("new_date", "expected"),
    [
        ("2026-03-03", "quiet day"),
        ("2026-03-20", "not a working day"),
        ("2026-03-21", "not a working day"),
        ("2026-04-01", "outside the period"),
    ],
)
def test_resealed_date_edits_are_caught(case, new_date, expected) -> None:
    firms, staff, task, doc = case
    edited = copy.deepcopy(doc)
    edited["inspections"][0]["date"] = new_date
    assert expected in _texts(verify_plan(seal(edited), firms, staff, task))


def test_resealed_team_edits_are_caught(case) -> None:
    firms, staff, task, doc = case
    insp = doc["inspections"][0]
    day = date.fromisoformat(insp["date"])
    member = insp["team"]["SCJG"][0]
    # the same officer twice
    edited = copy.deepcopy(doc)
    edited["inspections"][0]["team"]["SCJG"] = [member, member]
    assert "2 distinct officers" in _texts(verify_plan(seal(edited), firms, staff, task))
    # a SW officer serving for SCJG
    edited = copy.deepcopy(doc)
    edited["inspections"][0]["team"]["SCJG"][0] = "SW0000"
    assert "belongs to SW" in _texts(verify_plan(seal(edited), firms, staff, task))
    # the officer was on leave / must recuse (change the registry instead of the plan)
    away = [
        dataclasses.replace(o, unavailable=(day,), recusals=(insp["enterprise_id"],))
        if o.id == member
        else o
        for o in staff
    ]
    text = _texts(verify_plan(doc, firms, away, task))
    assert f"{member} is unavailable" in text and f"{member} must recuse" in text


def test_resealed_draw_edits_are_caught(case) -> None:
    firms, staff, task, doc = case
    drawn = {d["enterprise_id"] for d in doc["draw"]}
    outsider = next(e.id for e in firms if e.id not in drawn)
    edited = copy.deepcopy(doc)
    victim = edited["draw"][0]["enterprise_id"]
    edited["draw"][0]["enterprise_id"] = outsider
    for i in edited["inspections"]:
        if i["enterprise_id"] == victim:
            i["enterprise_id"] = outsider
    text = _texts(verify_plan(seal(edited), firms, staff, task))
    assert "the draw differs" in text and f"drawn enterprise {victim} is missing" in text


def test_cli_verify_exits_1_on_tampering(case, tmp_path, capsys) -> None:
    firms, staff, task, doc = case
    e_path, o_path = f.write_registry(tmp_path, firms, staff)
    t_path = tmp_path / "task.yaml"
    t_path.write_text(json.dumps(task.canonical(), ensure_ascii=False), encoding="utf-8")
    plan = tmp_path / "plan.json"
    plan.write_bytes(plan_bytes(doc))
    args = [
        "plan",
        "verify",
        "--plan",
        str(plan),
        "--enterprises",
        str(e_path),
        "--inspectors",
        str(o_path),
        "--task",
        str(t_path),
    ]
    assert main(args) == 0
    edited = copy.deepcopy(doc)
    edited["inspections"][0]["date"] = "2026-03-20"
    plan.write_bytes(plan_bytes(seal(edited)))
    assert main([*args, "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "not a working day" in err and "verification FAILED" in err
