"""Bad scenario input in the browser: every problem named at its field or line, nothing saved,
nothing run, nothing in the audit log; runs too large for the web server refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from jianguan.models import AuditEvent
from tests.web.flows import post, signed_in
from tests.web.simulation_flows import SMALL_FORM, events, use_instance, wait_for_job
from web.extensions import store_of
from web.simulations.jobs import running as running_simulation


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_instance(tmp_path, monkeypatch)


def audit_count(app: Flask) -> int:
    with store_of(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def problem_list(html: str) -> list[tuple[str, str]]:
    """The error list: (field name or "", message) in page order."""
    box = re.search(r'<div class="error" id="sim-errors">(.*?)</div>', html, re.S)
    assert box, "no error list on the page"
    return re.findall(r'<li(?: data-field="([^"]*)")?>(.*?)</li>', box.group(1), re.S)


def problems(html: str) -> dict[str, str]:
    """The problems that belong to a form field, by field name."""
    return {field: message for field, message in problem_list(html) if field}


def nothing_happened(app: Flask, instance: Path, events_before: int) -> None:
    assert audit_count(app) == events_before
    assert not (instance / "simulations").exists() or not any((instance / "simulations").iterdir())
    assert _no_simulation(app)


def test_bad_form_names_each_field_and_saves_nothing(
    app: Flask,
    instance: Path,
) -> None:
    planner = signed_in(app, "plan1")
    before = audit_count(app)
    bad = {
        **SMALL_FORM,
        "enterprises": "many",
        "replications": "0",
        "s1_A": "1.5",
        "s1_quiet_days": "first week",
        "s3_officers_scale": "2",  # settings without a scenario name
        "districts": "9999",
    }
    reply = post(planner, "/simulations/run", bad)
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    found = problems(html)
    assert "企业数" in found["enterprises"] and "整数" in found["enterprises"]
    assert "重复次数" in found["replications"]
    assert "情景 1" in found["s1_A"] and "A类抽查比例" in found["s1_A"]
    assert "1-10" in found["s1_quiet_days"]
    assert "名称" in found["s3_name"]
    # the form comes back as typed, the bad fields marked
    assert 'name="enterprises" id="f-enterprises" value="many"' in html
    assert re.search(r'name="s1_A"[^>]*class="bad"', html)
    nothing_happened(app, instance, before)


def test_unknown_district_is_refused_at_its_field(app: Flask, instance: Path) -> None:
    planner = signed_in(app, "plan1")
    before = audit_count(app)
    reply = post(planner, "/simulations/run", {**SMALL_FORM, "districts": "9999"})
    assert reply.status_code == 400
    assert "9999" in problems(reply.get_data(as_text=True))["districts"]
    nothing_happened(app, instance, before)


def test_form_errors_in_english(app: Flask, instance: Path) -> None:
    planner = signed_in(app, "plan1")
    planner.get("/lang/en")
    reply = post(planner, "/simulations/run", {**SMALL_FORM, "s2_B": "lots"})
    assert reply.status_code == 400
    message = problems(reply.get_data(as_text=True))["s2_B"]
    assert message.startswith("Scenario 2 · tier B sampling ratio")


def upload(client: FlaskClient, text: str, name: str = "scenario.yaml"):
    import io

    return post(
        client,
        "/simulations/upload",
        {"scenario_file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


GOOD_YAML = """\
name: 上传的情景
population: {enterprises: 300, officers: 10, seed: 5, districts: ["3601"]}
periods: 1
replications: 2
seed: 9
scenarios:
  - name: no-leniency
    overrides: {first_offence_leniency: false}
"""


def test_bad_upload_names_file_and_line_and_saves_nothing(
    app: Flask,
    instance: Path,
) -> None:
    planner = signed_in(app, "plan1")
    before = audit_count(app)
    bad = GOOD_YAML.replace("periods: 1", "periods: 1\nreplicates: 3").replace(
        "{first_offence_leniency: false}", "{first_offence_leniency: maybe}"
    )
    reply = upload(planner, bad, "我的情景.yaml")
    assert reply.status_code == 400
    text = " ".join(m for _field, m in problem_list(reply.get_data(as_text=True)))
    assert "我的情景.yaml:4:" in text and "replicates" in text  # the unknown key, its line
    assert "我的情景.yaml:9:" in text and "first_offence_leniency" in text
    nothing_happened(app, instance, before)

    broken = upload(planner, "name: [unclosed\n", "broken.yaml")
    assert broken.status_code == 400 and "YAML" in broken.get_data(as_text=True)
    not_text = upload(planner, "\xff\xfe", "binary.yaml")
    assert not_text.status_code == 400
    missing = post(planner, "/simulations/upload", {})
    assert missing.status_code == 400
    nothing_happened(app, instance, before)


def test_good_upload_runs(app: Flask, instance: Path) -> None:
    planner = signed_in(app, "plan1")
    reply = upload(planner, GOOD_YAML)
    assert reply.status_code == 302
    status = wait_for_job(planner, reply.headers["Location"])
    assert 'data-status="done"' in status
    sid = re.search(r"/simulations/runs/[0-9a-f]{64}", status)
    assert sid
    page = planner.get(sid.group(0)).get_data(as_text=True)
    assert "上传的情景" in page and "no-leniency" in page
    [started] = events(app, "simulation.start")
    assert started.after is not None and started.after["source"] == "upload:scenario.yaml"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"enterprises": "1000000"}, "1,000,000"),
        ({"replications": "60"}, "60"),
        ({"enterprises": "150000", "replications": "40"}, "秒"),
    ],
)
def test_runs_too_large_for_the_server_are_refused(
    app: Flask,
    instance: Path,
    change: dict[str, str],
    reason: str,
) -> None:
    planner = signed_in(app, "plan1")
    before = audit_count(app)
    reply = post(planner, "/simulations/run", {**SMALL_FORM, **change})
    assert reply.status_code == 400
    [(_field, message)] = problem_list(reply.get_data(as_text=True))
    assert "过大" in message and reason in message and "jianguan sim run" in message
    nothing_happened(app, instance, before)


def _no_simulation(app: Flask) -> bool:
    from web.extensions import store_of

    with store_of(app).session() as session:
        return running_simulation(session) is None
