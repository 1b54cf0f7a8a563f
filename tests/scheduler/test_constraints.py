"""Each hard constraint on a small instance that would break it if the planner ignored it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date

from scheduler.planner import generate_plan
from scheduler.verify import verify_plan
from tests.scheduler import factory as f

MONDAY = date(2026, 3, 2)
ONE_DAY = {"start": MONDAY, "end": MONDAY}


def _staff(n: int = 4, **extra):
    return f.officers(n, "SCJG", ["food"], **extra) + f.officers(n, "SW", ["tax"], **extra)


def _plan(firms, staff, task, **kw):
    doc = generate_plan(firms, staff, task, f.SEED, **kw)
    assert verify_plan(doc, firms, staff, task, prior_counts=kw.get("prior_counts")) == []
    drawn = {d["enterprise_id"] for d in doc["draw"]}
    placed = [i["enterprise_id"] for i in doc["inspections"]]
    placed += [u["enterprise_id"] for u in doc["unscheduled"]]
    assert sorted(placed) == sorted(drawn)  # every drawn enterprise exactly once
    return doc


def test_quiet_days_holidays_and_weekends_are_never_used() -> None:
    task = f.task(
        calendar={
            "holidays": [date(2026, 3, 20)],
            "extra_workdays": [date(2026, 3, 29)],
            "quiet_days_of_month": list(range(1, 16)),
        }
    )
    doc = _plan(f.enterprises(40), _staff(6), task)
    days = {date.fromisoformat(i["date"]) for i in doc["inspections"]}
    assert days and all(d.day > 15 for d in days)
    assert date(2026, 3, 20) not in days
    assert all(d.weekday() < 5 or d == date(2026, 3, 29) for d in days)


def test_all_days_quiet_leaves_everyone_unscheduled_with_the_reason() -> None:
    task = f.task(period=ONE_DAY, calendar={"holidays": [], "quiet_days_of_month": [2]})
    doc = _plan(f.enterprises(3), _staff(), task)
    assert doc["inspections"] == []
    assert all("没有可安排日" in u["reason"] for u in doc["unscheduled"])


def test_leave_days_are_respected() -> None:
    staff = _staff(3)
    away = dataclasses.replace(staff[0], unavailable=(date(2026, 3, 3), date(2026, 3, 4)))
    staff = [away, *staff[1:]]
    doc = _plan(f.enterprises(30), staff, f.task())
    for i in doc["inspections"]:
        if i["date"] in ("2026-03-03", "2026-03-04"):
            assert away.id not in i["team"]["SCJG"]
    assert any(away.id in i["team"]["SCJG"] for i in doc["inspections"])


def test_recusal_is_respected_and_can_bind() -> None:
    firms = f.enterprises(2)
    staff = _staff(2)
    # With exactly two SW officers and one recusing, the first firm cannot get a SW team.
    recusing = dataclasses.replace(staff[2], recusals=(firms[0].id,))
    staff = [*staff[:2], recusing, staff[3]]
    doc = _plan(firms, staff, f.task(period=ONE_DAY))
    assert [i["enterprise_id"] for i in doc["inspections"]] == [firms[1].id]
    [u] = doc["unscheduled"]
    assert u["enterprise_id"] == firms[0].id
    assert "SW" in u["reason"] and "tax" in u["reason"] and "回避" in u["reason"]


def test_uncertified_and_unqualified_officers_never_serve() -> None:
    staff = _staff(3)
    no_cert = dataclasses.replace(staff[0], certificate="")
    no_field = dataclasses.replace(staff[1], fields=("price",))
    staff = [no_cert, no_field, *staff[2:], *f.officers(2, "SCJG", ["food"], prefix="X")]
    doc = _plan(f.enterprises(20), staff, f.task())
    used = {o for i in doc["inspections"] for o in i["team"]["SCJG"]}
    assert no_cert.id not in used and no_field.id not in used
    assert len(doc["inspections"]) == 20


def test_daily_cap_binds_and_the_reason_names_the_department() -> None:
    # SCJG: 2 officers with cap 1 → one inspection on the only day; SW has plenty.
    staff = f.officers(2, "SCJG", ["food"], max_per_day=1) + f.officers(6, "SW", ["tax"])
    doc = _plan(f.enterprises(3), staff, f.task(period=ONE_DAY))
    assert len(doc["inspections"]) == 1
    assert len(doc["unscheduled"]) == 2
    for u in doc["unscheduled"]:
        assert u["reason"].startswith("SCJG 具备 food 领域资格的执法人员在 1 个可安排日")
        assert "at their daily cap" in u["reason_en"]
    load = Counter(o for i in doc["inspections"] for t in i["team"].values() for o in t)
    assert max(load.values()) == 1


def test_task_cap_applies_across_the_whole_plan() -> None:
    task = f.task(period={"start": MONDAY, "end": date(2026, 3, 6)}, max_per_officer_per_day=2)
    doc = _plan(f.enterprises(20), _staff(4), task)
    per_day = Counter(
        (o, i["date"]) for i in doc["inspections"] for t in i["team"].values() for o in t
    )
    assert max(per_day.values()) <= 2
    assert len(doc["inspections"]) == 20  # 4 officers × 2 / 2 = 4 a day × 5 days


def test_joint_inspection_one_date_every_department_distinct_members() -> None:
    doc = _plan(f.enterprises(30), _staff(5), f.task())
    for i in doc["inspections"]:
        assert sorted(i["team"]) == ["SCJG", "SW"]
        assert all(len(set(t)) == 2 for t in i["team"].values())
        assert i["items"] == ["SCJG-FOOD-01", "SW-INV-01"]


def test_annual_cap_counts_approved_plans() -> None:
    firms = f.enterprises(3)
    task = f.task(max_inspections_per_enterprise_per_year=2)
    prior = {firms[0].id: {2026: 2}, firms[1].id: {2026: 1}}
    doc = _plan(firms, _staff(), task, prior_counts=prior)
    assert {i["enterprise_id"] for i in doc["inspections"]} == {firms[1].id, firms[2].id}
    [u] = doc["unscheduled"]
    assert "每年检查次数上限 2 次" in u["reason"] and "2026 年已检查 2 次" in u["reason"]


def test_capacity_check_reports_the_shortfall() -> None:
    staff = f.officers(2, "SCJG", ["food"], max_per_day=1) + f.officers(2, "SW", ["tax"])
    doc = _plan(f.enterprises(5), staff, f.task(period=ONE_DAY))
    [region] = doc["report"]["regions"]
    scjg = next(c for c in region["capacity_check"] if c["department"] == "SCJG")
    assert scjg["demand_officer_slots"] == 10 and scjg["capacity_officer_slots"] == 2


def test_travel_prefers_home_district_officers() -> None:
    districts = ("360102", "360103")
    firms = f.enterprises(16, districts=districts)
    staff = f.officers(4, "SCJG", ["food"], districts=districts) + f.officers(
        4, "SW", ["tax"], districts=districts
    )
    doc = _plan(firms, staff, f.task())
    assert doc["quality"]["districts_per_officer_day"] == 1.0
    home = {o.id: o.district for o in staff}
    where = {e.id: e.district for e in firms}
    for i in doc["inspections"]:
        for team in i["team"].values():
            assert all(home[o] == where[i["enterprise_id"]] for o in team)


def test_officers_are_lent_whole_to_even_load_between_a_busy_and_a_quiet_district() -> None:
    busy, quiet = "360102", "360103"
    firms = f.enterprises(24, districts=(busy, busy, busy, quiet))  # 18 busy, 6 quiet
    staff = f.officers(4, "SCJG", ["food"], districts=(busy, quiet)) + f.officers(
        4, "SW", ["tax"], districts=(busy, quiet)
    )
    doc = _plan(firms, staff, f.task())
    assert len(doc["inspections"]) == 24
    # each officer still works in one district a day
    assert doc["quality"]["districts_per_officer_day"] == 1.0
    load = Counter(o for i in doc["inspections"] for team in i["team"].values() for o in team)
    home = {o.id: o.district for o in staff}
    for dept in ("SCJG", "SW"):
        mine = [load[o.id] for o in staff if o.department == dept]
        # at home only, the busy district's officers would do 18 each and the quiet one's 6
        assert max(mine) - min(mine) <= 2, (dept, mine)
    away = sum(
        home[o] != next(e.district for e in firms if e.id == i["enterprise_id"])
        for i in doc["inspections"]
        for team in i["team"].values()
        for o in team
    )
    [region] = doc["report"]["regions"]
    assert away == region["soft"]["team_places_outside_home_district"] > 0


def test_planner_refuses_to_emit_a_plan_its_checker_rejects(monkeypatch) -> None:
    import pytest

    from scheduler import planner
    from scheduler.region_solver import solve_regions

    def sloppy(problems, pool, done=None):
        results = solve_regions(problems, pool, done)
        eid, (_day, team) = next(iter(results[0].inspections.items()))
        results[0].inspections[eid] = (date(2026, 3, 7), team)  # a Saturday
        return results

    monkeypatch.setattr(planner, "solve_regions", sloppy)
    with pytest.raises(planner.PlanInvariantError) as caught:
        generate_plan(f.enterprises(4), _staff(), f.task(), f.SEED)
    assert "not a working day" in caught.value.message("en")


def test_constraint_table_reports_checked_hard_constraints_and_soft_penalties() -> None:
    staff = f.officers(2, "SCJG", ["food"], max_per_day=1) + f.officers(2, "SW", ["tax"])
    doc = _plan(f.enterprises(3), staff, f.task(period=ONE_DAY))
    table = {row["constraint"]: row for row in doc["report"]["constraints"]}
    assert table["daily_cap"] == {"constraint": "daily_cap", "level": "hard", "violations": 0}
    coverage = next(r for r in table.values() if r["level"] == "hard-relaxed")
    assert coverage["count"] == 2 and sum(coverage["by_reason"].values()) == 2
    assert any(r["level"] == "soft" and "travel" in r["constraint"] for r in table.values())


def test_a_day_model_time_out_is_refused_with_advice() -> None:
    import pytest

    from jianguan.errors import JianguanError
    from scheduler.planner import PlanSettings

    with pytest.raises(JianguanError) as caught:
        generate_plan(
            f.enterprises(40), _staff(6), f.task(), f.SEED, settings=PlanSettings(time_limit_s=1e-9)
        )
    assert "--time-limit" in caught.value.message("en")


def test_recusals_that_break_the_team_flow_are_repaired_or_explained() -> None:
    # SW: A (cap 1), B (cap 1), C (cap 2) — 4 places for 2 inspections, and each firm has two
    # eligible SW officers, so the aggregate check passes; but B recuses from both firms, so
    # both teams need A, who can do only one: the flow comes up short on that day.
    firms = f.enterprises(2)
    a, b, c = f.officers(3, "SW", ["tax"])
    staff = [
        *f.officers(4, "SCJG", ["food"]),
        dataclasses.replace(a, max_per_day=1),
        dataclasses.replace(b, max_per_day=1, recusals=(firms[0].id, firms[1].id)),
        dataclasses.replace(c, max_per_day=2),
    ]
    doc = _plan(firms, staff, f.task(period=ONE_DAY))
    assert len(doc["inspections"]) == 1
    [u] = doc["unscheduled"]
    assert "未回避的合格执法人员均已被其他检查占满" in u["reason"]
    assert "non-recused officers are taken by other inspections" in u["reason_en"]
    assert doc["report"]["regions"][0]["repair_rounds"] >= 1
    # with a second day the repair moves one inspection there instead
    two_days = f.task(period={"start": MONDAY, "end": date(2026, 3, 3)})
    doc = _plan(firms, staff, two_days)
    assert len(doc["inspections"]) == 2 and doc["unscheduled"] == []


def test_a_department_without_qualified_officers_is_named_with_its_field() -> None:
    task = f.task(
        items=[
            {"code": "SCJG-FOOD-01", "name": "食品", "department": "SCJG", "field": "food"},
            {"code": "YJ-SAFE-01", "name": "安全生产", "department": "YJ", "field": "safety"},
        ]
    )
    staff = _staff() + [
        dataclasses.replace(o, certificate="") for o in f.officers(3, "YJ", ["safety"])
    ]
    doc = _plan(f.enterprises(3), staff, task)
    assert doc["inspections"] == []
    for u in doc["unscheduled"]:
        assert u["reason"].startswith("YJ 持执法证、具备 safety 领域资格")
        assert "fewer than 2 certified officers" in u["reason_en"]


def test_each_districts_work_is_spread_over_its_officers_days() -> None:
    # Two districts with their own officers: region-wide daily totals could be even while each
    # district's work sits in a few days and its officers idle the rest; the plan spreads it.
    districts = ("360102", "360103")
    firms = f.enterprises(60, districts=districts)
    staff = f.officers(6, "SCJG", ["food"], districts=districts) + f.officers(
        6, "SW", ["tax"], districts=districts
    )
    task = f.task(period={"start": MONDAY, "end": date(2026, 3, 13)}, max_per_officer_per_day=3)
    doc = _plan(firms, staff, task)
    where = {e.id: e.district for e in firms}
    per_day = Counter((where[i["enterprise_id"]], i["date"]) for i in doc["inspections"])
    assert len(doc["inspections"]) == 60
    # 30 inspections a district over 10 working days: 3 a day, every day
    assert sorted(set(per_day.values())) == [3] and len(per_day) == 20
    load = Counter(o for i in doc["inspections"] for t in i["team"].values() for o in t)
    assert max(load.values()) - min(load.values()) <= 1
