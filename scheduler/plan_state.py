"""How the web shows a plan's state: status names and whether its approval still holds.

Transitions themselves are `scheduler.lifecycle`'s (draft → approved → published, four eyes,
re-plan); this module adds which plans are public, and the integrity check the page and the
publish button use: the stored document must still hash to its `plan_sha256`, and the
approval must cover that hash.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import ColumnElement, inspect
from sqlalchemy.orm import defer, undefer
from sqlalchemy.orm.interfaces import ORMOption

from jianguan.errors import JianguanError
from jianguan.models import PlanRow
from scheduler.canonical_json import sha256_of
from scheduler.lifecycle import document_of

STATUS_NAMES = {
    "draft": "草稿（待审批）",
    "approved": "已审批（待公示）",
    "published": "已公示",
    "rejected": "已退回",
    "superseded": "已被新计划替代",
}


# Which plans anyone may see: those that were published, including a published plan later
# superseded by its re-plan. An approved plan superseded before it was published never was:
# its draw stays confidential (the surprise of 双随机), so status alone cannot decide this.
WAS_PUBLISHED: ColumnElement[bool] = PlanRow.published_at.is_not(None)


def stored_sha256(plan: PlanRow) -> str:
    """The sha256 of the document's stored text, as it is: a cache key that any change to the
    row moves (an edit that bypassed the lifecycle included), without parsing megabytes.

    A document in hand (a new draft, a row loaded whole) is hashed here: it may differ from
    the stored one until flushed. Otherwise the database hashes it (`PlanRow.document_sha256`,
    loaded with the row by `without_document`, else on first use), so it is never fetched."""
    if "document" not in inspect(plan).unloaded:
        return hashlib.sha256(plan.document.encode("utf-8")).hexdigest()
    return plan.document_sha256


def without_document() -> tuple[ORMOption, ...]:
    """Loader options for a plan read for its state and its stored digest: the document
    itself loads only if used (a cache miss)."""
    return (defer(PlanRow.document), undefer(PlanRow.document_sha256))


def was_published(plan: PlanRow) -> bool:
    return plan.published_at is not None


def content_sha256(plan: PlanRow) -> str:
    """The sha256 of the stored document as it is now (without its own `plan_sha256` key)."""
    return content_sha256_of(document_of(plan))


def content_sha256_of(document: dict[str, Any]) -> str:
    """`content_sha256` of a document already parsed (a review view holds one)."""
    return sha256_of({k: v for k, v in document.items() if k != "plan_sha256"})


def approval_is_stale(plan: PlanRow, content: str | None = None) -> bool:
    """True when the plan changed after it was approved (its bytes or its recorded hash).
    `content`: `content_sha256(plan)` when the caller has it already (it parses the plan)."""
    if plan.approved_plan_sha256 is None:
        return False
    if plan.approved_plan_sha256 != plan.plan_sha256:
        return True
    return (content or content_sha256(plan)) != plan.plan_sha256


def require_fresh_approval(plan: PlanRow) -> None:
    if approval_is_stale(plan):
        raise JianguanError(
            "审批后计划内容已发生变化，原审批失效，不能公示。请退回后重新生成或重新排期，再经审批。",
            "The plan changed after it was approved: the approval is stale and the plan cannot "
            "be published. Generate or re-plan it again and have it approved.",
        )
