"""Steps the simulation web tests share: a small scenario form, an instance folder of the
test's own (the simulations cache lives there), starting a run and waiting for its job."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from jianguan.models import AuditEvent
from tests.web.flows import post
from web.extensions import store_of

# Small enough for a test (under a second), large enough for every metric to be defined.
SMALL_FORM = {
    "name": "测试：人员减半",
    "enterprises": "400",
    "officers": "20",
    "pop_seed": "3",
    "districts": "3601",
    "periods": "2",
    "replications": "3",
    "seed": "11",
    "year": "2026",
    "base_A": "0.03",
    "base_B": "0.05",
    "base_C": "0.2",
    "base_D": "1.0",
    "base_quiet_days": "1-10",
    "s1_name": "half-officers",
    "s1_officers_scale": "0.5",
    "s2_name": "same-as-baseline",
}


def use_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the instance folder (and so the simulations cache) at the test's own folder."""
    folder = tmp_path / "instance"
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(folder))
    return folder


def wait_for_job(client: FlaskClient, job_path: str, timeout: float = 60) -> str:
    """Poll the job's status fragment, as htmx does, until it is no longer running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(job_path + "/status").get_data(as_text=True)
        if 'data-status="running"' not in html:
            return html
        time.sleep(0.05)
    raise AssertionError(f"simulation job {job_path} still running after {timeout} s")


def start(client: FlaskClient, form: dict[str, str]) -> str:
    reply = post(client, "/simulations/run", form)
    assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
    location = reply.headers["Location"]
    assert re.fullmatch(r"/simulations/jobs/[0-9a-f]{16}", location)
    return location


def events(app: Flask, action: str) -> list[AuditEvent]:
    with store_of(app).session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
