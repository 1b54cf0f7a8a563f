"""Re-verifying a stored plan with the scheduler's independent checker, remembered in the store.

`scheduler.verify.verify_plan` recomputes the draw from the registry, the task and the seed,
and checks every constraint without calling a solver; this module feeds it the stored plan and
the current registry, and lists what was checked so the public page can say so.

A county plan takes one to three seconds of CPU to verify, and every reader of the public page
or the API asks for the same answer. The answer is kept in `plan_verifications` under a key of
what it was computed from, so every web process and worker shares it: the stored document, the
plan's status, and the newest audit event that can change the verifier's inputs — the registry
and officers' days away, the rule versions in force (they decide tiers), and which plans are
binding (their inspections count against yearly caps). Events that change none of those
(sign-ins, user admin, simulations, exports, drafts of rules, a new draft plan — its own
document is in its key) do not move the key. Any action not listed here as harmless does, so
a new kind of write errs towards recomputing. `MAX_AGE` bounds how long a change made behind
the audit log's back (an edit of the registry in the database) could hide behind an answer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, not_, or_, select
from sqlalchemy.orm import Session

from jianguan.db import Store
from jianguan.kept_rows import keep_apart, row_of
from jianguan.models import AuditEvent, PlanRow, PlanVerificationRow
from jianguan.registry_schema import Enterprise, Officer
from jianguan.registry_store import load_officers
from rules.versions.decided_registry import decided_enterprises
from scheduler.canonical_json import sha256_of
from scheduler.lifecycle import approved_counts_in, document_of
from scheduler.plan_review import task_of
from scheduler.plan_state import stored_sha256
from scheduler.task_file import Task
from scheduler.verify import Problem, verify_plan

CHECKS: tuple[tuple[str, str], ...] = (
    (
        "plan_sha256 与计划内容一致（发布后未被改动）",
        "plan_sha256 matches the content (not changed after it was made)",
    ),
    (
        "用公布的种子、任务和名录库重新计算抽取：每层总体、抽取数和每家企业的随机值（HMAC-SHA256）",
        "the draw recomputed from the published seed, the task and the registry: every stratum's "
        "population and count, and every enterprise's HMAC-SHA256 rank",
    ),
    ("inputs_sha256 与当前名录库和任务一致", "inputs_sha256 matches the current registry and task"),
    (
        "每家抽中企业恰好排期一次，或列入未排期清单并说明原因",
        "every drawn enterprise is scheduled exactly once, or unscheduled with a reason",
    ),
    (
        "检查日期是期间内的工作日，且不在企业安静日",
        "every date is a working day inside the period and not a quiet day",
    ),
    (
        "每个部门派出规定人数、互不相同、持证、具备事项所需领域、当日在岗、无需回避",
        "each department sends the required number of distinct, certified, qualified officers who "
        "are available that day and need not recuse",
    ),
    (
        "每名执法人员每日检查数不超过上限；企业年度被检查次数不超过上限",
        "no officer exceeds the daily cap; no enterprise exceeds its yearly cap",
    ),
    ("质量指标（跨区划数、工作量）与检查安排相符", "the quality figures match the inspections"),
)

# Audit actions that change nothing the verifier reads (see the module's docstring).
HARMLESS_PREFIXES = ("auth.", "user.", "simulation.")
HARMLESS_ACTIONS = (
    "plan.export",
    "plan.generate",
    "plan.generate_queued",
    "task.create",
    "rules.draft_create",
    "rules.draft_update",
    "rules.submit",
    "rules.reject",
    "rules.impact",
)
MAX_AGE = timedelta(minutes=10)

# One verification at a time in a process: concurrent misses wait, then read the stored answer,
# instead of each spending the same seconds of CPU beside the requests being served.
_COMPUTING = threading.Lock()


@dataclass(frozen=True, slots=True)
class Verification:
    problems: list[Problem]
    inspections: int
    drawn: int
    enterprises: int
    officers: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [{"zh": p.zh, "en": p.en} for p in self.problems],
            "checked": [{"zh": zh, "en": en} for zh, en in CHECKS],
            "inspections": self.inspections,
            "drawn": self.drawn,
            "registry": {"enterprises": self.enterprises, "officers": self.officers},
        }

    def stored(self) -> dict[str, Any]:
        return {
            "problems": [[p.zh, p.en, p.constraint] for p in self.problems],
            "counts": [self.inspections, self.drawn, self.enterprises, self.officers],
        }

    @classmethod
    def from_stored(cls, value: dict[str, Any]) -> Verification:
        inspections, drawn, enterprises, officers = value["counts"]
        problems = [Problem(zh, en, constraint) for zh, en, constraint in value["problems"]]
        return cls(problems, inspections, drawn, enterprises, officers)


def verify_stored(store: Store, plan: PlanRow) -> Verification:
    """Verify `plan` against the store's registry, officers and binding plans as they are now."""
    return verify_document(store, document_of(plan), task_of(plan.task))


def verify_document(store: Store, document: dict[str, Any], task: Task) -> Verification:
    enterprises = decided_enterprises(store, task.period.start)
    officers = load_officers(store)
    with store.session() as session:
        prior = approved_counts_in(session, task)
    return verification_of(document, enterprises, officers, task, prior)


def verification_of(
    document: dict[str, Any],
    enterprises: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
    prior: dict[str, dict[int, int]],
) -> Verification:
    """The check of `document` against these inputs (as the store held them)."""
    problems = verify_plan(document, enterprises, officers, task, prior_counts=prior)
    return Verification(
        problems,
        len(document.get("inspections", [])),
        len(document.get("draw", [])),
        len(enterprises),
        len(officers),
    )


def inputs_version(session: Session) -> int | None:
    """The newest audit event that may have changed what a verification reads."""
    harmless = or_(
        AuditEvent.action.in_(HARMLESS_ACTIONS),
        *(AuditEvent.action.startswith(prefix) for prefix in HARMLESS_PREFIXES),
    )
    return session.scalar(select(func.max(AuditEvent.id)).where(not_(harmless)))


def verification_key(plan: PlanRow, version: int | None) -> str:
    stored = stored_sha256(plan)
    parts = [plan.id, stored, plan.status, version]
    return sha256_of(parts)


def verified(store: Store, plan: PlanRow) -> Verification:
    """The stored answer for `plan` when its key still holds and it is younger than `MAX_AGE`;
    otherwise verify now and store the answer for every process."""
    answer = _remembered(store, plan)
    if answer is not None:
        return answer
    with _COMPUTING:
        answer = _remembered(store, plan)  # another thread may have stored it meanwhile
        return answer if answer is not None else _remember(store, plan)


def store_answer(
    session: Session, plan: PlanRow, version: int | None, answer: Verification
) -> None:
    """Keep `answer`, computed from the inputs as of audit event `version`, in `session`'s
    transaction (a new draft's job stores its draft's answer with the draft)."""
    row = row_of(session, PlanVerificationRow, plan.id, plan_id=plan.id)
    row.key, row.result, row.checked_at = verification_key(plan, version), answer.stored(), _now()


def _remember(store: Store, plan: PlanRow) -> Verification:
    with store.session() as session:
        version = inputs_version(session)  # read before the inputs are
    answer = verify_stored(store, plan)
    keep_apart(store, lambda session: store_answer(session, plan, version, answer))
    return answer


def _remembered(store: Store, plan: PlanRow) -> Verification | None:
    with store.session() as session:
        row = session.get(PlanVerificationRow, plan.id)
        if row is None or row.checked_at < _now() - MAX_AGE:
            return None
        if row.key != verification_key(plan, inputs_version(session)):
            return None
        return Verification.from_stored(row.result)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
