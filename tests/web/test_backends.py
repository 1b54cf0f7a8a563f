"""The plan loop through the web on each database backend (PostgreSQL for real deployments)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from jianguan.db import Store
from tests.web.flows import (
    SECOND_REGULATOR,
    TEST_CONFIG,
    create_task,
    generate,
    load_registry,
    make_users,
    post,
    signed_in,
)
from web.app import create_app

pytestmark = pytest.mark.postgres


def test_plan_loop_and_audit_chain(store: Store) -> None:
    app = create_app(store.url, TEST_CONFIG)
    make_users(app)
    # A short folder: import_registry logs the joined file paths in audit_events.object_id,
    # a VARCHAR(120) that PostgreSQL enforces (reported to the store's owner).
    with tempfile.TemporaryDirectory(prefix="jg") as folder:
        load_registry(app, Path(folder))
    author = signed_in(app, "reg1")
    create_task(author)
    post(author, "/plans/tasks/JX-360102-2027-01/commit")
    plan_id = generate(author)
    other = signed_in(app, SECOND_REGULATOR)
    post(other, f"/plans/{plan_id}/approve")
    post(other, f"/plans/{plan_id}/publish")
    public = app.test_client()
    page = public.get(f"/public/plans/{plan_id}").get_data(as_text=True)
    assert "记录在审计链中" in page  # the inputs commitment precedes the plan
    assert 'data-ok="1"' in public.get(f"/public/plans/{plan_id}/verify").get_data(as_text=True)
    tracker = author.get("/plans/tracker?today=2027-06-30").get_data(as_text=True)
    assert re.search(r'id="count-overdue">4<', tracker)
    audit = signed_in(app, "admin1").get("/admin/audit/?verify=1").get_data(as_text=True)
    assert "哈希链完整" in audit
    app.extensions["jianguan_store"].dispose()
