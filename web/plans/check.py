"""Re-verifying a stored plan on the server with the scheduler's independent checker.

`scheduler.verify.verify_plan` recomputes the draw from the registry, the task and the seed,
and checks every constraint without calling a solver; this module feeds it the stored plan and
the current registry, and lists what was checked so the public page can say so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from jianguan.db import Store
from jianguan.models import AuditEvent, PlanRow
from jianguan.registry_store import load_officers
from rules.versions.decided_registry import decided_enterprises
from scheduler.lifecycle import approved_counts_in, document_of
from scheduler.plan_review import task_of
from scheduler.plan_state import content_sha256
from scheduler.verify import Problem, verify_plan
from web.core.render_cache import RenderCache
from web.extensions import store_of

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


def verify_cached(app: Flask, plan: PlanRow) -> Verification:
    """`verify_stored`, remembered while nothing changes: every change to the registry or to a
    plan writes an audit event, so the newest event id versions the verifier's inputs. Keeps
    an anonymous, CPU-heavy page from being recomputed on every request."""
    store = store_of(app)
    with store.session() as session:
        version = session.scalar(select(func.max(AuditEvent.id)))
    cache: RenderCache[Verification] = app.extensions.setdefault(
        "jianguan_verify_cache", RenderCache(capacity=64)
    )
    # The document's own hash catches an edit that bypassed the audit log; the minute bucket
    # bounds how long any other unaudited change could hide behind a cached answer.
    key = (plan.id, content_sha256(plan), plan.status, version, int(time.time() // 60))
    with _VERIFY_LOCK:  # one verification at a time: concurrent callers wait, then reuse it
        return cache.get_or_render(key, lambda: verify_stored(store, plan))


_VERIFY_LOCK = threading.Lock()


def verify_stored(store: Store, plan: PlanRow) -> Verification:
    document = document_of(plan)
    task = task_of(plan.task)
    enterprises = decided_enterprises(store, task.period.start)
    officers = load_officers(store)
    with store.session() as session:
        prior = approved_counts_in(session, task)
    problems = verify_plan(document, enterprises, officers, task, prior_counts=prior)
    return Verification(
        problems,
        len(document.get("inspections", [])),
        len(document.get("draw", [])),
        len(enterprises),
        len(officers),
    )
