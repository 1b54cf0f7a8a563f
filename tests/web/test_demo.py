"""`jianguan demo` on a small county: users per role, a committed and generated draft plan, a
policy comparison report — and running it again changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from jianguan.db import open_store
from jianguan.models import AuditEvent, PlanRow, User
from web.auth.users import authenticate
from web.demo import DEMO_USERS, DemoSize, build_demo, demo_password


@pytest.mark.slow
def test_demo_builds_users_plan_and_report_and_is_rerunnable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'demo.db'}")
    size = DemoSize(enterprises=800, officers=40)
    folder = build_demo(store, size, tmp_path / "demo")
    printed = capsys.readouterr().out
    with store.session() as session:
        for username, role, _name in DEMO_USERS:
            user = authenticate(session, username, demo_password(username))
            assert user is not None and user.role == role
            assert f"用户名 {username}" in printed  # credentials are printed for each role
        plan = session.scalars(select(PlanRow)).one()
        assert plan.status == "draft" and plan.inspections
        commitments = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.inputs_commit")
        ).all()
        assert [c.after["inputs_sha256"] for c in commitments if c.after] == [plan.inputs_sha256]
        assert plan.inputs_sha256 in printed
    assert (folder / "sim-demo.json").exists()
    assert "<html" in next(folder.glob("*.html")).read_text(encoding="utf-8")

    build_demo(store, size, tmp_path / "demo")
    assert "不重复生成" in capsys.readouterr().out
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(PlanRow)) == 1
        assert session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "task.inputs_commit")
            )
            == 1
        )
    store.dispose()
