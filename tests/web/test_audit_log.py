"""The admin's audit view: every action is logged, the chain verifies, a tampered row is found."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from sqlalchemy import select, update

from jianguan.models import AuditEvent
from tests.web.flows import signed_in
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
