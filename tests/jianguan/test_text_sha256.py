"""The database hashes a stored document as Python would (jianguan/text_sha256.py), on each
backend, and an edit made in SQL behind the application's back moves the digest."""

from __future__ import annotations

import hashlib

from sqlalchemy import literal, select, text

from jianguan.db import Store
from jianguan.models import PlanRow, TaskRow
from jianguan.text_sha256 import text_sha256
from scheduler.plan_state import stored_sha256, without_document

# Chinese, an emoji (4 UTF-8 bytes), quotes, a backslash, a NUL-free control and JSON escapes.
AWKWARD = '{"名称":"南昌县市场监督管理局","note":"😀 \\\\ \\" \' \t \\u0000"}'


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _plan(store: Store, document: str) -> int:
    with store.session() as session:
        session.add(
            TaskRow(id="T-1", title="任务", lead_department="SCJG", spec={}, created_by="t")
        )
        plan = PlanRow(
            task_id="T-1",
            seed="00",
            inputs_sha256="0" * 64,
            plan_sha256="0" * 64,
            document=document,
            generated_by="t",
        )
        session.add(plan)
        session.flush()
        return plan.id


def test_the_database_hashes_utf8_bytes_as_python_does(store: Store) -> None:
    with store.session() as session:
        assert session.scalar(select(text_sha256(literal(AWKWARD)))) == _sha256(AWKWARD)
        assert session.scalar(select(text_sha256(literal(None)))) is None


def test_a_plan_read_without_its_document_still_has_the_stored_digest(store: Store) -> None:
    plan_id = _plan(store, AWKWARD)
    with store.session() as session:
        plan = session.get(PlanRow, plan_id, options=without_document())
        assert plan is not None
        assert stored_sha256(plan) == _sha256(AWKWARD)
        assert "document" not in plan.__dict__  # the digest came without the text
    with store.session() as session:  # an edit behind the lifecycle's back, in SQL
        session.execute(
            text("UPDATE plans SET document = document || ' ' WHERE id = :id"), {"id": plan_id}
        )
    with store.session() as session:
        plan = session.get(PlanRow, plan_id, options=without_document())
        assert plan is not None
        assert stored_sha256(plan) == _sha256(AWKWARD + " ")
