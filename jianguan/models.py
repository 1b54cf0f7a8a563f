"""The store's tables (SQLAlchemy 2.0, typed). Schema changes go through Alembic migrations.

Registry (一单两库): departments, inspection items, enterprises, officers.
Rules: rule package versions and recorded decisions.
Planning: tasks, plans (draft → approved → published), inspections and their results.
People and trace: users, and the append-only, hash-chained audit log.
Work: durable jobs run by workers, and failed sign-ins for the login limit.
Checks: each plan's latest server-side verification, shared by every web process.
Pages: parts of pages rendered from a plan (the review page's plan part), shared likewise.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from jianguan.text_sha256 import text_sha256


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Department(Base):
    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")


class InspectionItem(Base):
    """抽查事项清单: an item with its legal basis; no basis, no inspection."""

    __tablename__ = "inspection_items"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    field: Mapped[str] = mapped_column(String(40))
    basis: Mapped[str] = mapped_column(Text, default="")


class EnterpriseRow(Base):
    __tablename__ = "enterprises"
    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(6), index=True)
    industry: Mapped[str] = mapped_column(String(5), index=True)
    established_on: Mapped[date] = mapped_column(Date)
    annual_report_filed: Mapped[bool | None] = mapped_column(Boolean)
    abnormal_list: Mapped[bool | None] = mapped_column(Boolean)
    serious_dishonest_list: Mapped[bool | None] = mapped_column(Boolean)
    penalties_3y: Mapped[int | None] = mapped_column(Integer)
    complaints_12m: Mapped[int | None] = mapped_column(Integer)
    high_risk_licence: Mapped[bool | None] = mapped_column(Boolean)
    credit_tier: Mapped[str | None] = mapped_column(String(1))
    key_supervision: Mapped[bool | None] = mapped_column(Boolean)
    # 登记状态 of an entity no longer inspected (注销, 吊销, 撤销, 迁出); NULL = live, in the pool.
    status: Mapped[str | None] = mapped_column(String(8))


class OfficerRow(Base):
    __tablename__ = "officers"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(16), index=True)
    district: Mapped[str] = mapped_column(String(6))
    certificate: Mapped[str] = mapped_column(String(60), default="")
    fields: Mapped[list[Any]] = mapped_column(JSON)
    max_per_day: Mapped[int | None] = mapped_column(Integer)
    unavailable: Mapped[list[Any]] = mapped_column(JSON)  # ISO dates
    recusals: Mapped[list[Any]] = mapped_column(JSON)  # enterprise ids


class RulePackageVersion(Base):
    __tablename__ = "rule_package_versions"
    __table_args__ = (
        UniqueConstraint("package_id", "version"),
        # At most one approved version of a package takes effect on a given day (0002).
        Index(
            "uq_rule_versions_approved_per_day",
            "package_id",
            "effective_from",
            unique=True,
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[str] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(
        String(16), default="draft"
    )  # draft/submitted/approved/rejected/retired
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    reviewed_by: Mapped[str | None] = mapped_column(String(60))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_reason: Mapped[str | None] = mapped_column(Text)


class DecisionRow(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[str] = mapped_column(String(60), index=True)
    package_version: Mapped[str] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(60), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(40))
    basis: Mapped[list[Any]] = mapped_column(JSON)
    rules: Mapped[list[Any]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class TaskRow(Base):
    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    lead_department: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # task.yaml as data
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    plans: Mapped[list[PlanRow]] = relationship(back_populates="task")


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    seed: Mapped[str] = mapped_column(String(128))
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    plan_sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)  # the canonical plan.json, byte for byte
    # The stored document's digest, hashed by the database (jianguan/text_sha256.py): the key
    # of what is derived from the plan, read without fetching the document.
    document_sha256: Mapped[str] = column_property(text_sha256(document), deferred=True)
    status: Mapped[str] = mapped_column(
        String(16), default="draft"
    )  # draft/approved/published/rejected/superseded
    generated_by: Mapped[str] = mapped_column(String(60))
    generated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    approved_by: Mapped[str | None] = mapped_column(String(60))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_plan_sha256: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    parent_plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    # The audit log's head when the plan was published (jianguan.audit.Anchor): shown on the
    # notice, so a log later cut short or rewritten no longer matches what was published.
    audit_entries: Mapped[int | None] = mapped_column(Integer)
    audit_head: Mapped[str | None] = mapped_column(String(64))
    task: Mapped[TaskRow] = relationship(back_populates="plans")
    inspections: Mapped[list[InspectionRow]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )


class InspectionRow(Base):
    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(18), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    items: Mapped[list[Any]] = mapped_column(JSON)
    team: Mapped[dict[str, Any]] = mapped_column(JSON)
    result_category: Mapped[str | None] = mapped_column(String(60))
    result_notes: Mapped[str | None] = mapped_column(Text)
    result_recorded_by: Mapped[str | None] = mapped_column(String(60))
    result_recorded_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    plan: Mapped[PlanRow] = relationship(back_populates="inspections")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # regulator/legal/planner/admin
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    # A disabled user cannot sign in, and their open sessions end (see session_epoch).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # Part of every session's user id: raising it ends all of the user's sessions at once
    # (sign-out, disabling), although the session itself is a signed cookie.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class AuditEvent(Base):
    """Append-only: each row's hash covers its content and the previous row's hash; keyed
    (HMAC-SHA256, `scheme` hmac-sha256, the key's id in `key_id`) since migration 0003."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    scheme: Mapped[str] = mapped_column(String(16), server_default=text("'sha256'"))
    key_id: Mapped[str | None] = mapped_column(String(16))


# A job is active while queued or running: the partial unique indexes below hold only then.
ACTIVE_JOB = "state IN ('queued', 'running')"


class JobRow(Base):
    """Long work (plan generation, rule impact, simulations) as a row any worker can run.

    The request inserts the row in its own transaction, beside its audit record; a worker
    claims it (`lease`), beats `heartbeat_at` while it runs and writes the result or the reason
    it failed. A worker that dies leaves a stale heartbeat: another reruns the job from
    `inputs` (jianguan/job_queue.py). Limits live in the indexes, so they hold across every
    web process and worker: one active job per `exclusive_key` (a task's plan, "the" impact,
    "the" simulation) and at most a few per user (`user_slot`).
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index(
            "uq_jobs_active_exclusive_key",
            "exclusive_key",
            unique=True,
            sqlite_where=text(ACTIVE_JOB),
            postgresql_where=text(ACTIVE_JOB),
        ),
        Index(
            "uq_jobs_active_user_slot",
            "started_by",
            "user_slot",
            unique=True,
            sqlite_where=text(ACTIVE_JOB),
            postgresql_where=text(ACTIVE_JOB),
        ),
        Index("ix_jobs_state_heartbeat", "state", "heartbeat_at"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # plan / impact / simulation
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued/running/done/failed
    exclusive_key: Mapped[str | None] = mapped_column(String(200))
    user_slot: Mapped[int | None] = mapped_column(Integer)
    # {"messages": [...], "done": n, "total": n}: what the progress pages show.
    progress: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # a plan id, an impact, …
    message_zh: Mapped[str | None] = mapped_column(Text)  # why it failed
    message_en: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(60))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    lease: Mapped[str | None] = mapped_column(String(32))  # the claim of the worker running it
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid, for the operator
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginFailure(Base):
    """One failed sign-in, kept for the login limit's window: in the store, so the limit holds
    across every web process. `username` is "" for the per-address count."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "address", "username", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime)


class PlanVerificationRow(Base):
    """A plan's latest server-side verification (scheduler/stored_verification.py), with the
    key of what it was computed from: the stored document, the plan's status and the newest
    audit event that can change the verifier's inputs. A reader whose key differs computes it
    again and replaces the row; one row per plan, so the table stays as large as `plans`."""

    __tablename__ = "plan_verifications"
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    checked_at: Mapped[datetime] = mapped_column(DateTime)


class PlanRenderRow(Base):
    """A part of a page rendered from a plan (jianguan/plan_renders.py; the review page's plan
    part, web/plans/review_cache.py), with the key of what it shows: a plan job renders it in
    the worker, so no web process spends a second of CPU on a new draft's first reader. A
    reader whose key differs renders it again and replaces the row; one row per plan and
    `name` (what, in which language), so the table stays a few times as large as `plans`."""

    __tablename__ = "plan_renders"
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. "review:zh_CN"
    key: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the page reads beside it
    made_at: Mapped[datetime] = mapped_column(DateTime)
