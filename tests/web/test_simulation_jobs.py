"""Simulations in the browser (test client): a run's lifecycle from the form to the downloads,
a failing scenario, the cache and re-running from it, and one simulation at a time."""

from __future__ import annotations

import io
import json
import re
import threading
from pathlib import Path

import pytest
from flask import Flask

from tests.web.flows import post, signed_in
from tests.web.simulation_flows import SMALL_FORM, events, start, use_instance, wait_for_job
from web.simulations.jobs import SimulationBusyError, start_simulation


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_instance(tmp_path, monkeypatch)


def test_run_lifecycle_from_form_to_downloads(app: Flask, instance: Path) -> None:
    planner = signed_in(app, "plan1")
    job_path = start(planner, SMALL_FORM)
    page = planner.get(job_path).get_data(as_text=True)
    assert 'id="sim-progress"' in page and "测试：人员减半" in page
    status = wait_for_job(planner, job_path)
    assert 'data-status="done"' in status, status
    assert 'value="3"' in status and "已完成 3 / 3 次重复" in status
    sid = re.search(r"/simulations/runs/([0-9a-f]{64})", status)
    assert sid, status
    run_path = sid.group(0)

    # the result is cached under the scenario id, and the run is in the audit log
    cached = json.loads((instance / "simulations" / sid.group(1) / "result.json").read_text())
    assert cached["scenario_id"] == sid.group(1)
    [started] = events(app, "simulation.start")
    assert started.actor == "plan1" and started.after is not None
    assert (started.after["source"], started.after["enterprises"]) == ("form", 400)
    [ran] = events(app, "simulation.run")
    assert (ran.actor, ran.object_id) == ("plan1", sid.group(1))
    assert ran.after is not None
    assert ran.after["variants"] == ["baseline", "half-officers", "same-as-baseline"]

    # results: baseline and scenarios side by side, with intervals and changes
    html = planner.get(run_path).get_data(as_text=True)
    for expected in ("half-officers", "same-as-baseline", "检查次数（每年）", "A类企业检查负担"):
        assert expected in html
    # each column says what it changes; scenarios in the order of the form
    heading = re.search(r'<table id="comparison".*?</thead>', html, re.S)
    assert heading
    assert "calendar.quiet_days_of_month = 1-10" in heading.group(0)
    assert "officers_scale = 0.5" in heading.group(0)
    assert heading.group(0).index("half-officers") < heading.group(0).index("same-as-baseline")
    row = re.search(r'<tr data-metric="inspections">(.*?)</tr>', html, re.S)
    assert row and row.group(1).count("Δ") == 2 and "[" in row.group(1)
    # an unchanged scenario changes by exactly zero (common random numbers)
    same = cached["scenarios"]["same-as-baseline"]["metrics"]["inspections"]
    assert same["change"] == 0 and same["change_ci95"] == [0, 0]
    half = cached["scenarios"]["half-officers"]["metrics"]["officer_utilisation"]
    assert half["change"] > 0  # the same work on half the officers fills more of their time
    data = re.search(r'<script type="application/json" id="sim-chart-data">(.*?)</script>', html)
    assert data
    charts = json.loads(data.group(1))
    assert charts["variants"] == ["baseline", "half-officers", "same-as-baseline"]
    assert [s["key"] for s in charts["burden"]] == ["burden_A", "burden_B", "burden_C", "burden_D"]
    assert 'id="chart-burden"' in html and "vendor/chart.umd.min.js" in html

    # downloads: the result JSON as cached, and the self-contained HTML report
    downloaded = planner.get(run_path + "/result.json")
    assert (
        downloaded.status_code == 200 and "attachment" in downloaded.headers["Content-Disposition"]
    )
    assert downloaded.get_json() == cached
    report = planner.get(run_path + "/report.html")
    assert report.status_code == 200 and report.mimetype == "text/html"
    body = report.get_data(as_text=True)
    assert sid.group(1) in body and "half-officers" in body and "<script" not in body
    scenario = planner.get(run_path + "/scenario.yaml").get_data(as_text=True)
    assert "half-officers" in scenario and "officers_scale: 0.5" in scenario

    # the same page and report in English
    planner.get("/lang/en")
    english = planner.get(run_path).get_data(as_text=True)
    assert "inspections per year" in english and "Download the HTML report" in english
    report_en = planner.get(run_path + "/report.html").get_data(as_text=True)
    assert '<html lang="en">' in report_en and "Simulation comparison" in report_en

    # past runs: listed by scenario id with who ran it; an administrator may look, not run
    admin = signed_in(app, "admin1")
    index = admin.get("/simulations/").get_data(as_text=True)
    assert f'data-sid="{sid.group(1)}"' in index and "plan1" in index
    assert 'id="scenario-form"' not in index
    assert [e.after for e in events(app, "simulation.download")] == [
        {"file": "result.json"},
        {"file": "report-zh.html"},
        {"file": "scenario.yaml"},
        {"file": "report-en.html"},
    ]
    assert admin.get(run_path).status_code == 200


def test_same_scenario_reuses_the_cache_and_rerun_reproduces_it(app: Flask, instance: Path) -> None:
    planner = signed_in(app, "plan1")
    first = wait_for_job(planner, start(planner, SMALL_FORM))
    sid = re.search(r"/simulations/runs/([0-9a-f]{64})", first)
    assert sid
    stored = (instance / "simulations" / sid.group(1) / "result.json").read_bytes()

    again = wait_for_job(planner, start(planner, SMALL_FORM))
    assert sid.group(0) in again and "直接使用保存的结果" in again
    # the downloaded scenario file, uploaded again, is the same scenario: same id, cached
    yaml_text = planner.get(sid.group(0) + "/scenario.yaml").get_data()
    uploaded = post(
        planner,
        "/simulations/upload",
        {"scenario_file": (io.BytesIO(yaml_text), "downloaded.yaml")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    third = wait_for_job(planner, uploaded.headers["Location"])
    assert sid.group(0) in third and "直接使用保存的结果" in third

    reply = post(planner, sid.group(0) + "/rerun")
    assert reply.status_code == 302
    rerun = wait_for_job(planner, reply.headers["Location"])
    assert 'data-identical="1"' in rerun, rerun
    assert (instance / "simulations" / sid.group(1) / "result.json").read_bytes() == stored
    [reproduced] = events(app, "simulation.reproduce")
    assert reproduced.after is not None and reproduced.after["identical"] is True
    cached = [e.after["cached"] for e in events(app, "simulation.run") if e.after]
    assert cached == [False, True, True]
    kinds = [e.after["kind"] for e in events(app, "simulation.start") if e.after]
    assert kinds == ["run", "run", "run", "reproduce"]


def test_failing_scenario_ends_failed_with_its_message(app: Flask, instance: Path) -> None:
    planner = signed_in(app, "plan1")
    # 2031 has no statutory holiday data: the run refuses to guess the calendar.
    status = wait_for_job(planner, start(planner, {**SMALL_FORM, "year": "2031"}))
    assert 'data-status="failed"' in status
    message = re.search(r'id="sim-job-error">(.*?)</p>', status, re.S)
    assert message and "2031" in message.group(1) and "holidays" in message.group(1)
    assert not list((instance / "simulations").glob("*/result.json"))
    [failed] = events(app, "simulation.run_failed")
    assert failed.actor == "plan1" and failed.after and "2031" in failed.after["error"]
    assert not events(app, "simulation.run")


def test_only_one_simulation_runs_at_a_time(app: Flask, instance: Path) -> None:
    """Held by the store's index over active jobs: it holds for every web process."""
    from jianguan import job_queue
    from simulations.scenario_file import parse_scenario
    from web.extensions import store_of

    scenario = parse_scenario(
        "name: x\npopulation: {enterprises: 10, officers: 1, seed: 1}\n"
        "periods: 1\nreplications: 1\nseed: 1\n"
    )
    store = store_of(app)
    with store.session() as session:
        first = start_simulation(session, "run", scenario, "zh", "plan1")
    with pytest.raises(SimulationBusyError) as refused, store.session() as session:
        start_simulation(session, "run", scenario, "zh", "plan2")
    assert "x" in refused.value.message("zh") and "one at a time" in refused.value.message("en")
    claim = job_queue.claim(store, "test", ["simulation"])  # no worker was woken: claim it here
    assert claim is not None and claim.id == first.id
    with store.session() as session:
        job_queue.finish(session, claim, {"cached": False, "identical": None})
    with store.session() as session:  # free again
        assert start_simulation(session, "run", scenario, "zh", "plan2").actor == "plan2"


def test_rerun_of_a_result_from_older_code_runs_it_as_a_new_scenario(
    app: Flask, instance: Path
) -> None:
    """A stored run whose id no longer matches its scenario (the model code or a rule package
    changed since) cannot be reproduced under that id: it is run anew, and the planner told."""
    planner = signed_in(app, "plan1")
    status = wait_for_job(planner, start(planner, SMALL_FORM))
    sid = re.search(r"/simulations/runs/([0-9a-f]{64})", status)
    assert sid
    old = "f" * 64
    (instance / "simulations" / sid.group(1)).rename(instance / "simulations" / old)
    reply = post(planner, f"/simulations/runs/{old}/rerun")
    assert reply.status_code == 302
    assert "旧版本" in planner.get(reply.headers["Location"]).get_data(as_text=True)
    status = wait_for_job(planner, reply.headers["Location"])
    assert sid.group(0) in status and 'data-status="done"' in status
    assert not events(app, "simulation.reproduce")


def test_second_run_waits_for_the_first_and_internal_errors_fail_the_job(
    app: Flask, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def stuck_then_broken(*_args: object, **_kwargs: object) -> dict[str, object]:
        release.wait(10)
        raise RuntimeError("model bug")

    monkeypatch.setattr("simulations.sim_job.run_scenario", stuck_then_broken)
    planner = signed_in(app, "plan1")
    job_path = start(planner, SMALL_FORM)
    busy = post(planner, "/simulations/run", {**SMALL_FORM, "seed": "12"})
    assert busy.status_code == 409
    assert "一次只运行一项" in busy.get_data(as_text=True)
    assert job_path in planner.get("/simulations/").get_data(as_text=True)  # "running: ..."
    running = planner.get(job_path).get_data(as_text=True)
    assert 'data-status="running"' in running and "预计约 1 秒" in running
    release.set()
    status = wait_for_job(planner, job_path)
    assert 'data-status="failed"' in status and "内部错误" in status
    assert "model bug" not in status  # the trace goes to the log, not to the page
    [failed] = events(app, "simulation.run_failed")
    assert failed.after is not None and "内部错误" in failed.after["error"]
    assert len(events(app, "simulation.start")) == 1
