"""The admin's audit view: every action is logged, the chain verifies, a tampered row is found."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, select, update

from jianguan.models import AuditEvent, PlanRow
from tests.web.flows import (
    SECOND_REGULATOR,
    create_task,
    generate,
    load_registry,
    post,
    signed_in,
)
from web.extensions import store_of


def test_chain_verifies_then_detects_a_tampered_row(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    ok = admin.get("/admin/audit/?verify=1").get_data(as_text=True)
    assert "哈希链完整" in ok
    with store_of(app).session() as session:
        target = session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == "legal1").order_by(AuditEvent.id)
        ).first()
        assert target is not None
        session.execute(
            update(AuditEvent).where(AuditEvent.id == target.id).values(after={"role": "admin"})
        )
        broken_id = target.id
    bad = admin.get("/admin/audit/?verify=1").get_data(as_text=True)
    assert re.search(rf"哈希链断裂：第 {broken_id} 号记录", bad)


def test_sign_ins_are_logged_and_filterable(app: Flask) -> None:
    signed_in(app, "reg1")
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/audit/?action=auth.login&actor=reg1").get_data(as_text=True)
    rows = re.findall(r"<td>reg1</td><td>(auth\.[a-z_]+)</td>", page)
    assert rows == ["auth.login"]


def test_csv_export_has_every_event_with_hashes(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    reply = admin.get("/admin/audit/export.csv")
    assert reply.mimetype == "text/csv"
    text = reply.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    with store_of(app).session() as session:
        hashes = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id)).all()
    assert [r["hash"] for r in rows] == list(hashes)
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(rows[i]["prev_hash"] == rows[i - 1]["hash"] for i in range(1, len(rows)))


def test_publication_shows_the_anchor_and_a_cut_log_is_reported(app: Flask, tmp_path: Path) -> None:
    load_registry(app, tmp_path)
    author = signed_in(app, "reg1")
    create_task(author)
    plan_id = generate(author)
    other = signed_in(app, SECOND_REGULATOR)
    post(other, f"/plans/{plan_id}/approve")
    post(other, f"/plans/{plan_id}/publish")
    with store_of(app).session() as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None and plan.audit_head is not None
        anchor = f"{plan.audit_entries}:{plan.audit_head}"
        publish_event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "plan.publish")
        ).one()
    public = app.test_client().get(f"/public/plans/{plan_id}").get_data(as_text=True)
    assert re.search(rf'id="audit-anchor"><span class="hash">{anchor}<', public)
    assert (
        signed_in(app, "legal1").get(f"/api/plans/{plan_id}").get_json()["audit_anchor"] == anchor
    )
    admin = signed_in(app, "admin1")
    assert "已核对 1 个公示锚点" in admin.get("/admin/audit/?verify=1").get_data(as_text=True)
    with store_of(app).session() as session:  # the publication and everything after it go
        session.execute(delete(AuditEvent).where(AuditEvent.id >= publish_event.id))
    page = admin.get("/admin/audit/?verify=1").get_data(as_text=True)
    assert "哈希链不完整" in page and "末尾的记录被删除" in page
