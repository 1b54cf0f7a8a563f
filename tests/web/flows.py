"""Steps the web tests share: users per role, signing in with the CSRF token, a task, a plan."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from jianguan.db import Store
from jianguan.models import PlanRow
from jianguan.registry_store import import_registry
from tests.jianguan import samples
from web.auth.users import create_user
from web.extensions import store_of

PASSWORD = "correct-horse-9"
# Test users get a cheap scrypt (the app fixtures configure the same, so no sign-in rehashes):
# hundreds of sign-ins at the production work factor would dominate the suite's time.
# tests/web/test_passwords.py checks the production default itself.
FAST_HASH = "scrypt:1024:8:1"
# Jobs run in the app's own worker thread on PostgreSQL too (a deployment runs `jianguan worker`
# processes instead; tests/web/test_durable_jobs.py covers those).
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": FAST_HASH,
    "JOBS_IN_PROCESS": True,
}
ROLE_USERS = {"regulator": "reg1", "legal": "legal1", "planner": "plan1", "admin": "admin1"}
SECOND_REGULATOR = "reg2"
SECOND_LEGAL = "legal2"  # rule sign-off needs a second legal user (four eyes)
TASK_ID = "JX-360102-2027-01"


def make_users(app: Flask) -> None:
    make_users_in(store_of(app))


def make_users_in(store: Store) -> None:
    with store.session() as session:
        for role, name in ROLE_USERS.items():
            create_user(session, name, PASSWORD, role, f"{name} 测试", method=FAST_HASH)
        create_user(
            session, SECOND_REGULATOR, PASSWORD, "regulator", "第二监管人员", method=FAST_HASH
        )
        create_user(session, SECOND_LEGAL, PASSWORD, "legal", "第二法制人员", method=FAST_HASH)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "page has no CSRF meta tag"
    return found.group(1)


def token(client: FlaskClient, path: str = "/login") -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    reply = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token(client)},
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def post(client: FlaskClient, path: str, data: Mapping[str, object] | None = None, **kw: Any):
    form = {"csrf_token": token(client, "/login"), **(data or {})}
    return client.post(path, data=form, **kw)


E1, E2, E3, E4 = (
    samples.credit_code(n, d)
    for n, d in ((1, "360102"), (2, "360102"), (3, "360103"), (4, "360103"))
)
# Tiers and key supervision given, so the draw needs no rule package.
ENTERPRISES = [
    f"{E1},南昌赣江食品有限公司,360102,C14,2012-05-20,true,false,false,0,1,true,A,false",
    f"{E2},南昌洪城百货商店,360102,F52,2019-11-02,true,false,false,2,3,false,B,false",
    f"{E3},青云谱餐饮管理有限公司,360103,H62,2021-01-15,true,false,false,0,0,false,C,true",
    f"{E4},西湖区粮油批发部,360103,F51,2015-07-01,false,true,false,1,0,false,D,false",
]
OFFICERS = [
    f"I0001,张伟,SCJG,360102,赣执36010001,food;quality,4,2027-03-15,{E2}",
    "I0002,李娜,SCJG,360102,赣执36010002,food;price,,,",
    "I0004,陈静,SCJG,360103,赣执36010004,food,,,",
    "T0001,王芳,SW,360102,赣税36010001,tax,,,",
    "I0003,刘洋,SCJG,360103,,food,,,",
]


def load_registry(app: Flask, folder: Path) -> None:
    import_registry(
        store_of(app),
        enterprises=samples.enterprises_csv(folder, ENTERPRISES),
        inspectors=samples.officers_csv(folder, OFFICERS),
    )


TASK_FORM = {
    "id": TASK_ID,
    "title": "2027年第一批双随机抽查",
    "lead_department": "SCJG",
    "start": "2027-03-01",
    "end": "2027-03-31",
    "items": "SCJG-FOOD-01,食品经营者监督检查,SCJG,food",
    "A": "1.0",
    "B": "1.0",
    "C": "1.0",
    "D": "1.0",
    "officers_per_department": "2",
    "max_per_officer_per_day": "3",
    "quiet_days": "1-10",
    "holidays": "2027-03-22",
    "extra_workdays": "",
    "industries": "",
}


def create_task(client: FlaskClient) -> None:
    reply = post(client, "/plans/tasks/new", {**TASK_FORM, "districts": ["360102", "360103"]})
    assert reply.status_code == 302, reply.get_data(as_text=True)


def generate(client: FlaskClient, seed: str = "ab" * 16) -> int:
    reply = post(client, f"/plans/tasks/{TASK_ID}/generate", {"seed": seed})
    assert reply.status_code == 302
    job_path = reply.headers["Location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        html = client.get(job_path + "/status").get_data(as_text=True)
        if 'data-status="done"' in html:
            found = re.search(r"/plans/(\d+)\"", html)
            assert found
            return int(found.group(1))
        assert 'data-status="failed"' not in html, html
        time.sleep(0.1)
    raise AssertionError("plan generation did not finish in 60 s")


def publish(app: Flask, plan_id: int) -> None:
    """Approves and publishes the plan as the second regulator (four eyes)."""
    other = signed_in(app, SECOND_REGULATOR)
    post(other, f"/plans/{plan_id}/approve")
    post(other, f"/plans/{plan_id}/publish")
    with store_of(app).session() as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None and plan.status == "published", plan and plan.status
