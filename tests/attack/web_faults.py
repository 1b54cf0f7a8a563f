"""The web's writes under kill -9: plan approval, publication and rule sign-off, each the
app's own POST request in a forked process that is killed (tests/attack/faults.py).

Every try works on an object of its own (a fresh draft, a fresh approved plan, a freshly
submitted rule version), so a try that landed "after" leaves the next one nothing to trip
on; a try that landed "before" is followed by the same request unkilled, which must work.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from jianguan.models import AuditEvent, PlanRow, RulePackageVersion
from rules.versions import signoff
from scheduler import lifecycle
from scheduler.task_file import Task
from tests.attack.faults import (
    KILL_POINTS,
    FaultReport,
    Kill,
    alive_pid,
    audit_verifies,
    fork_request,
    hold_nth,
    kill_at,
    reap_any,
    write_open,
)
from tests.web.flows import (
    SECOND_LEGAL,
    SECOND_REGULATOR,
    create_task,
    generate,
    load_registry,
    make_users,
    signed_in,
    token,
)
from web.app import create_app
from web.extensions import store_of

SECRET = "fault-test-secret-key-0123456789abcdef"
RULE_PACKAGE = "credit-tier"
RULE_FILE = (
    Path(__file__).resolve().parents[2] / "rules" / "packages" / RULE_PACKAGE / "2022-01-14.yaml"
)


@dataclass
class Stage:
    """A store with users, a registry, a generated plan to copy, and signed-in cookies."""

    app: Flask
    document: dict[str, Any]
    task: Task
    cookies: dict[str, str]  # username -> session cookie
    csrf: dict[str, str]  # username -> CSRF token of that session
    rule_versions: int = 0


def _cookie(client: Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "signing in set no session cookie"
    return str(cookie.value)


def build_stage(db_url: str) -> Stage:
    # The plan to copy is generated through the web: its job needs a worker on PostgreSQL too.
    app = create_app(db_url, {"SECRET_KEY": SECRET, "JOBS_IN_PROCESS": True})
    make_users(app)
    with tempfile.TemporaryDirectory(prefix="jg") as folder:  # short paths (audit object id)
        load_registry(app, Path(folder))
    author = signed_in(app, "reg1")
    create_task(author)
    plan_id = generate(author)
    with store_of(app).session() as session:
        row = session.get(PlanRow, plan_id)
        assert row is not None
        document, task = lifecycle.document_of(row), Task.model_validate(row.task.spec)
    cookies, csrf = {}, {}
    for user in (SECOND_REGULATOR, SECOND_LEGAL):
        client = signed_in(app, user)
        csrf[user] = token(client, "/plans/" if user == SECOND_REGULATOR else "/rules/")
        cookies[user] = _cookie(client)
    return Stage(app, document, task, cookies, csrf)


@dataclass(frozen=True)
class Transition:
    name: str
    user: str
    prepare: Callable[[Stage], Any]  # a fresh object; returns its key
    path: Callable[[Any], str]
    form: Callable[[Stage, Any], dict[str, str]]
    state: Callable[[Stage, Any], str]  # "before", "after" or what else was found


def _audit_count(session: Any, action: str, object_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == object_id)
        )
    )


# plan approval: a draft by reg1, approved by reg2
def _fresh_draft(stage: Stage) -> int:
    with store_of(stage.app).session() as session:
        return lifecycle.save_draft(session, stage.task, stage.document, "reg1").id


def _approval_state(stage: Stage, plan_id: int) -> str:
    with store_of(stage.app).session() as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None
        logged = _audit_count(session, "plan.approve", str(plan_id))
        if (plan.status, plan.approved_by, logged) == ("draft", None, 0):
            return "before"
        if (plan.status, plan.approved_by, logged) == ("approved", SECOND_REGULATOR, 1):
            return "after"
        return f"status {plan.status}, approved_by {plan.approved_by}, {logged} approve rows"


# publication: a plan approved by reg2, published by reg2
def _fresh_approved(stage: Stage) -> int:
    plan_id = _fresh_draft(stage)
    with store_of(stage.app).session() as session:
        lifecycle.approve(session, plan_id, SECOND_REGULATOR)
    return plan_id


def _publication_state(stage: Stage, plan_id: int) -> str:
    with store_of(stage.app).session() as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None
        logged = _audit_count(session, "plan.publish", str(plan_id))
        anchored = plan.audit_head is not None and plan.audit_entries is not None
        if (plan.status, logged, anchored, plan.published_at is None) == (
            "approved",
            0,
            False,
            True,
        ):
            return "before"
        if (plan.status, logged, anchored) == ("published", 1, True):
            # The anchor on the notice is the log's head with this publication in it.
            head = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            entries = session.scalar(select(func.count()).select_from(AuditEvent))
            assert head is not None and entries is not None
            published = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "plan.publish", AuditEvent.object_id == str(plan_id)
                )
            ).one()
            count_then = session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= published.id)
            )
            if (plan.audit_entries, plan.audit_head) == (count_then, published.hash):
                return "after"
            return "published, but its anchor is not the log's head at publication"
        return f"status {plan.status}, {logged} publish rows, anchor {anchored}"


# rule sign-off: a version drafted and submitted by legal1, approved by legal2
def _fresh_submitted(stage: Stage) -> str:
    stage.rule_versions += 1
    version = f"2090.{stage.rule_versions}.{int(time.time() * 1000) % 100000}"
    effective = date.today() + timedelta(days=30 + stage.rule_versions)
    text = signoff.with_header(RULE_FILE.read_text(encoding="utf-8"), version, effective)
    with store_of(stage.app).session() as session:
        row = signoff.save_draft(session, "legal1", text, date.today())
        signoff.submit(session, row, "legal1")
    return version


def _signoff_row(session: Any, version: str) -> RulePackageVersion:
    return session.scalars(
        select(RulePackageVersion).where(
            RulePackageVersion.package_id == RULE_PACKAGE, RulePackageVersion.version == version
        )
    ).one()


def _signoff_form(stage: Stage, version: str) -> dict[str, str]:
    with store_of(stage.app).session() as session:
        return {"sha256": _signoff_row(session, version).content_sha256}


def _signoff_state(stage: Stage, version: str) -> str:
    with store_of(stage.app).session() as session:
        row = _signoff_row(session, version)
        logged = _audit_count(session, "rules.approve", f"{RULE_PACKAGE}@{version}")
        if (row.status, row.reviewed_by, logged) == ("submitted", None, 0):
            return "before"
        if (row.status, row.reviewed_by, logged) == ("approved", SECOND_LEGAL, 1):
            return "after"
        return f"status {row.status}, reviewed_by {row.reviewed_by}, {logged} approve rows"


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "plan approval",
            SECOND_REGULATOR,
            _fresh_draft,
            lambda plan_id: f"/plans/{plan_id}/approve",
            lambda _stage, _key: {},
            _approval_state,
        ),
        Transition(
            "publication",
            SECOND_REGULATOR,
            _fresh_approved,
            lambda plan_id: f"/plans/{plan_id}/publish",
            lambda _stage, _key: {},
            _publication_state,
        ),
        Transition(
            "rule sign-off",
            SECOND_LEGAL,
            _fresh_submitted,
            lambda version: f"/rules/{RULE_PACKAGE}/v/{version}/approve",
            _signoff_form,
            _signoff_state,
        ),
    ]
}


def _request(
    stage: Stage, transition: Transition, key: Any, hold: Path | None, nth: int = 1
) -> int:
    form = {"csrf_token": stage.csrf[transition.user], **transition.form(stage, key)}
    cookie = stage.cookies[transition.user]
    return fork_request(stage.app, cookie, transition.path(key), form, hold, nth)


def typical_seconds(stage: Stage, transition: Transition) -> float:
    """How long one unkilled request takes (the random kills spread over it)."""
    key = transition.prepare(stage)
    started = time.monotonic()
    pid = _request(stage, transition, key, None)
    reap_any(pid)
    elapsed = time.monotonic() - started
    assert transition.state(stage, key) == "after", transition.state(stage, key)
    return elapsed


def kill_transition(
    stage: Stage, transition: Transition, backend: str, tries: int, seed: int = 14
) -> FaultReport:
    """`tries` kills of `transition`, the kill points in turn; each checked as it lands."""
    rng = random.Random(seed)
    report = FaultReport(transition.name, backend)
    typical = typical_seconds(stage, transition)
    in_write = write_open(store_of(stage.app).url)
    for attempt in range(tries):
        point = KILL_POINTS[attempt % len(KILL_POINTS)]
        key = transition.prepare(stage)
        hold = Path(tempfile.mkdtemp(prefix="jg-hold-")) / "holding"
        held = point.startswith("before commit")
        pid = _request(stage, transition, key, hold if held else None, hold_nth(point))
        waited, note = kill_at(pid, point, alive_pid(pid), hold, in_write, rng, typical, 0.005)
        reap_any(pid)
        kill = Kill(point, transition.state(stage, key), waited, note)
        report.kills.append(kill)
        ok, said = audit_verifies(store_of(stage.app).url)
        report.audit_ok += ok
        if not ok:
            kill.note += f" audit verify: {said[:300]}"
        if kill.landed == "before":  # the same step again, not killed, must go through
            reap_any(_request(stage, transition, key, None))
        report.next_run_ok += transition.state(stage, key) == "after"
    return report
