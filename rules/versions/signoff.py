"""Saving rule versions and signing them off: draft → submitted → approved or rejected.

Four eyes, as for plans: the author of a version may not approve or reject it. A version is
never edited once submitted and never deleted; rolling back re-instates an earlier version's
text as a new version that goes through the same sign-off (see `reinstate`), so the record of
which text decided what, and who approved it, stays whole. An approved version that has not
yet taken effect may be withdrawn (`retire`) — it has decided nothing yet.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from jianguan import audit
from jianguan.compare_and_set import update_if
from jianguan.errors import JianguanError
from jianguan.models import RulePackageVersion
from rules.issues import RuleIssue
from rules.loader import load_text
from rules.package import Package
from rules.testcases import run_package_tests
from rules.versions.in_force import (
    SHIPPED,
    Version,
    all_versions,
    package_from_source,
    shipped_packages,
    stored_name,
)
from rules.yaml_source import load_yaml

OBJECT_TYPE = "rule_package_version"
EDITOR_NAME = "editor.yaml"


class SignOffError(JianguanError):
    """A sign-off step refused; the message says why and what to do."""


class DraftInvalid(JianguanError):
    """The text failed validation: nothing was saved."""

    def __init__(self, issues: list[RuleIssue]) -> None:
        self.issues = issues
        super().__init__(
            "\n".join(f"第 {i.line} 行：{i.message_zh}" for i in issues),
            "\n".join(f"line {i.line}: {i.message_en}" for i in issues),
        )


@dataclass(frozen=True)
class Checked:
    package: Package | None
    issues: list[RuleIssue]


def check_text(
    session: Session, text: str, today: date, editing: RulePackageVersion | None = None
) -> Checked:
    """The checks of `jianguan rules check`, then those a new version needs: a known package,
    a version name and an effective date not used by another version, and no retroactive
    effect (a decision already made must stay explainable by the text in force then)."""
    package, issues = load_text(text, EDITOR_NAME)
    if package is None:
        return Checked(None, issues)
    header: dict[str, int] = {}

    def line(key: str) -> int:
        """The line of `package.<key>`; the text is parsed for its line map only when a
        problem needs one (most checks as the user types find none)."""
        if not header:
            _data, source, _ = load_yaml(text, EDITOR_NAME)
            header.update(
                {k: source.line(("package", k)) for k in ("id", "version", "effective_from")}
            )
        return header[key]

    problems: list[RuleIssue] = []
    if package.id not in shipped_packages():
        known = sorted(shipped_packages())
        problems.append(
            RuleIssue(
                EDITOR_NAME,
                line("id"),
                f"规则包「{package.id}」不存在；只能为现有规则包（{'、'.join(known)}）增加版本。",
                f"package '{package.id}' does not exist; add versions of an existing package "
                f"({', '.join(known)}).",
            )
        )
        return Checked(None, problems)
    others = [
        v for v in all_versions(session, package.id) if editing is None or v.row_id != editing.id
    ]
    if any(v.version == package.version for v in others):
        problems.append(
            RuleIssue(
                EDITOR_NAME,
                line("version"),
                f"版本号「{package.version}」已被使用；请改为新的版本号（如递增末位）。",
                f"version '{package.version}' is already used; give a new version number.",
            )
        )
    live = [v for v in others if v.status in (SHIPPED, "approved", "submitted")]
    clash = [v for v in live if v.effective_from == package.effective_from]
    if clash:
        problems.append(
            RuleIssue(
                EDITOR_NAME,
                line("effective_from"),
                f"版本 {clash[0].version} 已从 {package.effective_from.isoformat()} 起生效或待审；"
                "同一规则包各版本的生效日必须不同，请另选日期。",
                f"version {clash[0].version} already takes effect on "
                f"{package.effective_from.isoformat()}; choose another date.",
            )
        )
    if package.effective_from < today:
        problems.append(
            RuleIssue(
                EDITOR_NAME,
                line("effective_from"),
                f"effective_from（{package.effective_from.isoformat()}）早于今天"
                f"（{today.isoformat()}）；新版本不能溯及既往，请改为今天或以后的日期。",
                f"effective_from ({package.effective_from.isoformat()}) is before today "
                f"({today.isoformat()}); a new version cannot act retroactively — use today "
                "or a later date.",
            )
        )
    return Checked(None if problems else package, problems)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _summary(row: RulePackageVersion) -> dict[str, object]:
    return {
        "package_id": row.package_id,
        "version": row.version,
        "status": row.status,
        "effective_from": row.effective_from.isoformat(),
        "content_sha256": row.content_sha256,
        "reviewed_by": row.reviewed_by,
        "review_reason": row.review_reason,
    }


def _object_id(row: RulePackageVersion) -> str:
    return f"{row.package_id}@{row.version}"


def save_draft(
    session: Session,
    actor: str,
    text: str,
    today: date,
    editing: RulePackageVersion | None = None,
    based_on: str | None = None,
) -> RulePackageVersion:
    """Save `text` as a new draft (or over the actor's own draft `editing`); nothing is saved
    when the text fails any check."""
    if editing is not None and (editing.status != "draft" or editing.created_by != actor):
        raise SignOffError(
            "只能修改自己尚未提交的草稿；请基于该版本另存为新版本。",
            "Only your own unsubmitted draft can be changed; save a new version from it.",
        )
    checked = check_text(session, text, today, editing)
    if checked.package is None:
        raise DraftInvalid(checked.issues)
    package = checked.package
    before = _summary(editing) if editing is not None else None
    values = {
        "package_id": package.id,
        "version": package.version,
        "source": text,
        "content_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "effective_from": package.effective_from,
        "effective_to": package.model.package.effective_to,
    }
    try:
        if editing is None:
            row = RulePackageVersion(created_by=actor, status="draft", **values)
            session.add(row)
            session.flush()
        else:
            # Compare and set: the draft is changed only if it is still the unsubmitted text
            # this request read. Without the condition, a save racing a submit would change
            # the text of a submitted version after its tests ran (and under its reviewer).
            _set_if(
                session,
                editing,
                [
                    RulePackageVersion.status == "draft",
                    RulePackageVersion.created_by == actor,
                    RulePackageVersion.content_sha256 == editing.content_sha256,
                ],
                values,
                "此草稿刚被提交或修改；请重新打开后再编辑。",
                "This draft was just submitted or changed; open it again before editing.",
            )
            row = editing
    except IntegrityError as err:
        # Another save took the same version name between the check and this write.
        _data, source, _ = load_yaml(text, EDITOR_NAME)
        raise DraftInvalid(
            [
                RuleIssue(
                    EDITOR_NAME,
                    source.line(("package", "version")),
                    f"版本号「{package.version}」刚被另一草稿使用；请改为新的版本号。",
                    f"version '{package.version}' was just taken by another draft; "
                    "give a new version number.",
                )
            ]
        ) from err
    after = {**_summary(row), "based_on": based_on}
    audit.record(
        session,
        actor,
        "rules.draft_update" if editing is not None else "rules.draft_create",
        OBJECT_TYPE,
        _object_id(row),
        before,
        after,
    )
    return row


def _require(row: RulePackageVersion, status: str, zh: str, en: str) -> None:
    if row.status != status:
        raise SignOffError(
            f"版本 {row.version} 当前状态为「{row.status}」，{zh}",
            f"Version {row.version} is '{row.status}': {en}",
        )


def _other_legal_user(row: RulePackageVersion, actor: str) -> None:
    if row.created_by == actor:
        raise SignOffError(
            "您是此版本的起草人，须由另一名法制人员审核（双人复核）。",
            "You drafted this version: another legal officer must review it (four eyes).",
        )


def _set_if(
    session: Session,
    row: RulePackageVersion,
    conditions: list[Any],
    values: dict[str, Any],
    zh: str,
    en: str,
) -> None:
    """Write `values` to `row` only while `conditions` still hold in the database, in one
    UPDATE; refuse otherwise. The checks before it read the row at the start of the request:
    a second request (a double click, another reviewer, the author saving) may have changed
    it since (jianguan.compare_and_set)."""
    if not update_if(session, row, conditions, values):
        raise SignOffError(zh, en)


_CHANGED = (
    "此版本刚被他人处理（提交、审核或修改）；请刷新页面后重试。",
    "Someone has just acted on this version (submitted, reviewed or changed it); reload the "
    "page and try again.",
)


def submit(session: Session, row: RulePackageVersion, actor: str) -> None:
    """Submit a draft for sign-off; only its author may, and only while all of the package's
    own tests pass on exactly the text that is submitted."""
    _require(row, "draft", "只有草稿可以提交审核。", "only a draft can be submitted.")
    if row.created_by != actor:
        raise SignOffError(
            f"只有起草人 {row.created_by} 可以提交此草稿。",
            f"Only its author, {row.created_by}, can submit this draft.",
        )
    tested_sha = row.content_sha256
    package = package_from_source(row.package_id, row.version, row.source)
    failed = [r for r in run_package_tests(package) if not r.passed]
    if failed:
        names = "、".join(sorted({f"{r.name}（{r.engine}）" for r in failed}))
        raise SignOffError(
            f"规则包测试未全部通过，不能提交：{names}。请修改规则或测试用例后重试。",
            f"The package's tests do not all pass ({len(failed)} failed); fix the rules or "
            "the test cases first.",
        )
    before = _summary(row)
    _set_if(
        session,
        row,
        [
            RulePackageVersion.status == "draft",
            RulePackageVersion.content_sha256 == tested_sha,
        ],
        {"status": "submitted"},
        "测试期间草稿内容被修改或已被提交；请刷新页面，重新运行测试后再提交。",
        "The draft changed or was submitted while its tests ran; reload the page and submit again.",
    )
    audit.record(
        session, actor, "rules.submit", OBJECT_TYPE, _object_id(row), before, _summary(row)
    )


def _reviewed_text(row: RulePackageVersion, seen_sha256: str | None) -> None:
    """The reviewer signs off the text they read: the page sends its content hash along."""
    if seen_sha256 != row.content_sha256:
        raise SignOffError(
            "您审阅的内容与此版本当前内容不一致（或页面已过期）；请刷新页面，重新审阅后再审核。",
            "The text you reviewed is not this version's current text (or the page is stale); "
            "reload the page and review it again.",
        )


def _reviewable(row: RulePackageVersion, actor: str, seen: str | None, zh: str, en: str) -> None:
    """A review (approve or reject) needs a submitted version, a reviewer other than its
    author, and the text the reviewer read."""
    _require(
        row, "submitted", f"只有待审核的版本可以{zh}。", f"only a submitted version can be {en}."
    )
    _other_legal_user(row, actor)
    _reviewed_text(row, seen)


def _still_reviewable(actor: str, seen: str | None) -> list[Any]:
    """The same three, evaluated by the write itself (see `_set_if`)."""
    return [
        RulePackageVersion.status == "submitted",
        RulePackageVersion.created_by != actor,
        RulePackageVersion.content_sha256 == seen,
    ]


def approve(
    session: Session,
    row: RulePackageVersion,
    actor: str,
    today: date,
    seen_sha256: str | None = None,
) -> None:
    """Approve a submitted version written by someone else. `seen_sha256` is the content hash
    of the text the reviewer read; approval is refused when it is not the stored one."""
    _reviewable(row, actor, seen_sha256, "审核通过", "approved")
    if row.effective_from < today:
        raise SignOffError(
            f"生效日 {row.effective_from.isoformat()} 已过；审核通过后会溯及既往。"
            "请退回，由起草人改为今天或以后的生效日。",
            f"Its effective_from {row.effective_from.isoformat()} has passed: approving it "
            "would act retroactively. Reject it so the author can choose a later date.",
        )
    clash_zh = "已从同一天起生效；请退回并另选生效日。"
    clash_en = "takes effect on the same day; reject and re-date it."
    clash = [
        v
        for v in all_versions(session, row.package_id)
        if v.row_id != row.id and v.decides and v.effective_from == row.effective_from
    ]
    if clash:
        raise SignOffError(
            f"版本 {clash[0].version} {clash_zh}", f"Version {clash[0].version} {clash_en}"
        )
    # Serialise approvals of one package (row locks where the database has them; SQLite
    # runs one writer at a time anyway), then approve only if, at the write itself, the row
    # is still submitted with the reviewed text and no other stored version of the package
    # was approved for the same day meanwhile: two reviewers approving two versions at once
    # must not leave two versions in force from one date.
    session.execute(
        select(RulePackageVersion.id)
        .where(RulePackageVersion.package_id == row.package_id)
        .with_for_update()
    ).all()
    other = aliased(RulePackageVersion)
    same_day = exists().where(
        other.package_id == row.package_id,
        other.id != row.id,
        other.status == "approved",
        other.effective_from == row.effective_from,
    )
    before = _summary(row)
    try:
        _set_if(
            session,
            row,
            [*_still_reviewable(actor, seen_sha256), ~same_day],
            {"status": "approved", "reviewed_by": actor, "reviewed_at": _now()},
            f"{_CHANGED[0]}（或另一版本{clash_zh}）",
            f"{_CHANGED[1]} (Or another version {clash_en})",
        )
    except IntegrityError:
        # The store's own guard (one approved version per package and day, migration 0002)
        # caught a race the conditions could not see; the caller rolls the request back.
        raise SignOffError(
            f"{_CHANGED[0]}（或另一版本{clash_zh}）",
            f"{_CHANGED[1]} (Or another version {clash_en})",
        ) from None
    audit.record(
        session, actor, "rules.approve", OBJECT_TYPE, _object_id(row), before, _summary(row)
    )


def reject(
    session: Session,
    row: RulePackageVersion,
    actor: str,
    reason: str,
    seen_sha256: str | None = None,
) -> None:
    _reviewable(row, actor, seen_sha256, "退回", "rejected")
    if not reason.strip():
        raise SignOffError("请填写退回理由。", "Give a reason for the rejection.")
    before = _summary(row)
    _set_if(
        session,
        row,
        _still_reviewable(actor, seen_sha256),
        {
            "status": "rejected",
            "reviewed_by": actor,
            "reviewed_at": _now(),
            "review_reason": reason.strip()[:2000],
        },
        *_CHANGED,
    )
    audit.record(
        session, actor, "rules.reject", OBJECT_TYPE, _object_id(row), before, _summary(row)
    )


def retire(session: Session, row: RulePackageVersion, actor: str, reason: str, today: date) -> None:
    """Withdraw an approved version before it takes effect (it has decided nothing yet)."""
    _require(
        row,
        "approved",
        "只有已审核通过的版本可以撤回。",
        "only an approved version can be withdrawn.",
    )
    if row.effective_from <= today:
        raise SignOffError(
            "此版本已经生效，不能撤回（已作出的决定须可追溯）。"
            "如需回退，请「恢复」较早的版本：它将作为新版本经审核后生效。",
            "This version is already in force and cannot be withdrawn (decisions made under "
            "it must stay traceable). To roll back, re-instate an earlier version: it becomes "
            "a new version and takes effect after sign-off.",
        )
    if not reason.strip():
        raise SignOffError("请填写撤回理由。", "Give a reason for withdrawing it.")
    before = _summary(row)
    _set_if(
        session,
        row,
        [RulePackageVersion.status == "approved", RulePackageVersion.effective_from > today],
        {"status": "retired", "review_reason": reason.strip()[:2000]},
        *_CHANGED,
    )
    audit.record(
        session, actor, "rules.retire", OBJECT_TYPE, _object_id(row), before, _summary(row)
    )


_HEADER_VALUE = r"^(\s*{key}:\s*)(\"[^\"]*\"|'[^']*'|[^\s#]+)"


def with_header(text: str, version: str, effective_from: date) -> str:
    """`text` with its package version and effective date replaced (block-style header)."""
    _data, source, issues = load_yaml(text, EDITOR_NAME)
    if issues:
        raise DraftInvalid(issues)
    lines = text.split("\n")
    for key, value in (("version", f'"{version}"'), ("effective_from", effective_from.isoformat())):
        at = source.line(("package", key)) - 1
        found = re.match(_HEADER_VALUE.format(key=key), lines[at])
        if found is None:
            raise SignOffError(
                f"无法自动改写第 {at + 1} 行的 {key}；请在编辑器中手工修改后保存。",
                f"Could not rewrite {key} on line {at + 1}; edit it in the editor and save.",
            )
        lines[at] = found.group(1) + value + lines[at][found.end() :]
    return "\n".join(lines)


def next_version_name(session: Session, package_id: str, base: str) -> str:
    """A version name not yet used: the base with its last number counted up (2022.1 → 2022.2)."""
    used = {v.version for v in all_versions(session, package_id)}
    found = re.match(r"^(.*?)(\d+)$", base)
    stem, number = (found.group(1), int(found.group(2))) if found else (base + ".", 0)
    while True:
        number += 1
        candidate = f"{stem}{number}"
        if candidate not in used and len(candidate) <= 40:
            return candidate
        if len(candidate) > 40:
            stem, number = "v", 0


def reinstate(
    session: Session, earlier: Version, actor: str, effective_from: date, today: date
) -> RulePackageVersion:
    """Roll back: the text of an earlier shipped or approved version as a new draft dated
    `effective_from`, to be signed off like any change. History is never rewritten."""
    if earlier.status not in (SHIPPED, "approved"):
        raise SignOffError(
            "只能恢复随系统发布或已审核通过的版本。",
            "Only a shipped or approved version can be re-instated.",
        )
    name = next_version_name(session, earlier.package_id, earlier.version)
    text = with_header(earlier.source, name, effective_from)
    row = save_draft(session, actor, text, today, based_on=earlier.version)
    audit.record(
        session,
        actor,
        "rules.reinstate",
        OBJECT_TYPE,
        _object_id(row),
        {"reinstates": earlier.version, "content_sha256": earlier.sha256},
        _summary(row),
    )
    return row


__all__ = [
    "Checked",
    "DraftInvalid",
    "SignOffError",
    "approve",
    "check_text",
    "reinstate",
    "reject",
    "retire",
    "save_draft",
    "stored_name",
    "submit",
]
