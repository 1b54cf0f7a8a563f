"""One source of truth for the rule versions in force: after legal staff sign off a change in the
web, the command line pointed at the same store (`--db`) decides the same tiers and key flags,
makes the same plan, byte for byte, and verifies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from flask import Flask

from jianguan.cli import main
from jianguan.models import PlanRow
from scheduler.lifecycle import document_of
from scheduler.plan_document import plan_bytes
from tests.jianguan import samples
from tests.web import test_rules_signoff as signoff
from tests.web.flows import E1, E2, OFFICERS, create_task, generate, signed_in, token
from web.extensions import store_of

SEED = "ab" * 16
# E1's tier is left to the rules: A under the shipped cut-off (90 points), B under the
# stricter one legal staff sign off (95). E2's tier is given and stays as given.
ROWS = [
    f"{E1},南昌赣江食品有限公司,360102,C14,2012-05-20,true,false,false,1,0,false,,",
    f"{E2},南昌洪城百货商店,360102,F52,2019-11-02,true,false,false,2,3,false,C,false",
]
RECORD = {
    "id": E1,
    "established_on": "2012-05-20",
    "annual_report_filed": True,
    "abnormal_list": False,
    "serious_dishonest_list": False,
    "penalties_3y": 1,
    "complaints_12m": 0,
    "high_risk_licence": False,
}


@pytest.fixture
def signed_off_store(app: Flask, tmp_path: Path) -> tuple[Flask, Path, Path]:
    """A store with the registry imported and a stricter credit-tier version signed off."""
    from jianguan.registry_store import import_registry

    enterprises = samples.enterprises_csv(tmp_path, ROWS)
    inspectors = samples.officers_csv(tmp_path, OFFICERS)
    import_registry(store_of(app), enterprises=enterprises, inspectors=inspectors)
    text = signoff._editor_text(signed_in(app, "legal1")).replace(*signoff.STRICTER)
    signoff._signed_off(app, text)  # in force from today, so on the task's first day too
    return app, enterprises, inspectors


def _plan_args(tmp: Path, enterprises: Path, inspectors: Path, task: Path) -> list[str]:
    return ["--enterprises", str(enterprises), "--inspectors", str(inspectors), "--task", str(task)]


def test_command_line_plans_what_the_web_plans_after_a_signed_off_change(
    signed_off_store: tuple[Flask, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, enterprises, inspectors = signed_off_store
    regulator = signed_in(app, "reg1")
    create_task(regulator)
    plan_id = generate(regulator, SEED)
    store = store_of(app)
    with store.session() as session:
        row = session.get(PlanRow, plan_id)
        assert row is not None
        web_plan = plan_bytes(document_of(row))
        task_file = tmp_path / "task.yaml"
        task_file.write_text(yaml.safe_dump(row.task.spec, allow_unicode=True), encoding="utf-8")
    args = _plan_args(tmp_path, enterprises, inspectors, task_file)

    with_db, without_db = tmp_path / "db.json", tmp_path / "files.json"
    assert (
        main(["plan", "generate", *args, "--seed", SEED, "--db", store.url, "--out", str(with_db)])
        == 0
    )
    assert "credit-tier 2022.2" in capsys.readouterr().err  # says which version decided
    assert with_db.read_bytes() == web_plan

    # Without the store the shipped version decides: E1 is drawn in another stratum.
    assert main(["plan", "generate", *args, "--seed", SEED, "--out", str(without_db)]) == 0
    strata = {d["enterprise_id"]: d["stratum"] for d in json.loads(without_db.read_bytes())["draw"]}
    web_strata = {d["enterprise_id"]: d["stratum"] for d in json.loads(web_plan)["draw"]}
    assert (strata[E1], web_strata[E1]) == ("A", "B")

    capsys.readouterr()
    verify = ["plan", "verify", "--plan", str(with_db), *args]
    assert main([*verify, "--db", store.url]) == 0
    assert main(verify) == 1  # the shipped version would have drawn E1 as A: the draw differs


def test_command_line_decides_what_the_api_decides(
    signed_off_store: tuple[Flask, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, _enterprises, _inspectors = signed_off_store
    client = signed_in(app, "reg1")
    reply = client.post(
        "/api/rules/credit-tier/decide",
        json={"records": [RECORD]},
        headers={"X-CSRFToken": token(client, "/login")},
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    api_outcome = reply.get_json()["results"][0]["outcome"]

    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    capsys.readouterr()
    command = ["rules", "decide", "credit-tier", "--input", str(records), "--output", str(out)]
    assert main([*command, "--db", store_of(app).url]) == 0
    assert "credit-tier 2022.2" in capsys.readouterr().err
    cli_outcome = json.loads(out.read_text(encoding="utf-8"))["outcome"]
    assert (cli_outcome, api_outcome) == ("B", "B")

    assert main(command) == 0  # the shipped files alone: still the old cut-off
    assert json.loads(out.read_text(encoding="utf-8"))["outcome"] == "A"
