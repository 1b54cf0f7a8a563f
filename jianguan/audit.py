"""The append-only audit log: who did what, when, with the state before and after.

Each event's hash covers its own content and the previous event's hash, so editing, deleting,
inserting or moving any row breaks the chain from that row on. The hash is an HMAC-SHA256
with a key kept outside the database (`jianguan.audit_key`): whoever can write the database
but not read the key cannot recompute the chain after a change, as plain SHA-256 allowed.

A valid chain can still be cut short — deleting the newest rows leaves a valid prefix — so the
head is anchored: every publication records the entry count and the head hash at that moment
(`Anchor`), on the public notice and in the exported files; `verify_chain` checks the chain
against every anchor it is given, and a log shorter than an anchor, or whose entry at the
anchor's position has another hash, is reported.

Stores written before keys (scheme `sha256`) keep their rows as they are: migration 0003
appends one keyed event (`audit.keyed`) that names how many unkeyed rows precede it and their
head, sealing them. Unkeyed rows are accepted only before that seal; after it, every row must
be keyed — relabelling rows as unkeyed to rehash them is reported too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from jianguan.audit_key import ENV, AuditKey, audit_key, key_file
from jianguan.errors import JianguanError
from jianguan.models import AuditEvent, PlanRow

GENESIS = "0" * 64
LEGACY = "sha256"  # before keys: plain SHA-256 (rows of stores older than migration 0003)
KEYED = "hmac-sha256"
SEAL_ACTION = "audit.keyed"
OBJECT_ID_MAX = 120  # the width of ``audit_events.object_id``
_APPEND_LOCK = int.from_bytes(b"jgaudit", "big")  # PostgreSQL advisory lock id


def canonical_content(
    *,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
    scheme: str,
    key_id: str | None,
) -> bytes:
    """The bytes an event's hash covers. Unkeyed rows keep the fields they were hashed with;
    keyed rows also cover their scheme and key id, so neither can be changed unnoticed."""
    content: dict[str, Any] = {
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    if scheme != LEGACY:
        content.update(scheme=scheme, key_id=key_id)
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return canonical.encode("utf-8")


def keyed_hash(content: bytes, key: AuditKey) -> str:
    return hmac.new(key.secret, content, hashlib.sha256).hexdigest()


class _Entry(Protocol):
    """An audit row: the ORM object, or a plain row of its columns (verification reads
    those; building objects for a long log costs more than hashing it)."""

    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str
    scheme: str
    key_id: str | None


def _content(event: _Entry) -> bytes:
    return canonical_content(
        at=event.at,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
        scheme=event.scheme,
        key_id=event.key_id,
    )


def _hold_the_tail(session: Session) -> None:
    """Appends one at a time: without this, two transactions read the same newest event and
    both chain to it (PostgreSQL), and the chain forks. Held until the transaction ends, so a
    transaction should do its own row updates before its first `record`."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    elif dialect == "sqlite":
        # A write that changes nothing takes SQLite's write lock before the newest event is read.
        session.execute(text("UPDATE audit_events SET id = id WHERE 0"))
    else:
        session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).all()


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the work)."""
    if len(object_id) > OBJECT_ID_MAX:
        # PostgreSQL refuses an over-long id where SQLite silently stores it; keep the
        # two databases alike by shortening it the same way (a digest keeps it unique).
        digest = hashlib.sha256(object_id.encode("utf-8")).hexdigest()[:12]
        object_id = object_id[: OBJECT_ID_MAX - 13] + "…" + digest
    key = audit_key()
    assert key is not None  # created on first use
    _hold_the_tail(session)
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=datetime.now(UTC).replace(tzinfo=None),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        prev_hash=last or GENESIS,
        scheme=KEYED,
        key_id=key.key_id,
    )
    event.hash = keyed_hash(_content(event), key)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class Anchor:
    """The log's head at a moment: how many entries it had and the newest one's hash."""

    entries: int
    head: str
    source_zh: str = "给出的锚点"
    source_en: str = "the anchor given"

    def __str__(self) -> str:
        return f"{self.entries}:{self.head}"


def parse_anchor(given: str) -> Anchor:
    """`COUNT:HASH` as printed on a publication, e.g. `120:9f2c…` (64 hex digits)."""
    count, _, head = given.strip().partition(":")
    head = head.strip().lower()
    if not count.isdigit() or int(count) < 1 or len(head) != 64:
        raise JianguanError(
            f"锚点“{given}”格式不对：应为 条数:哈希，例如 120:后接 64 位十六进制哈希（见公示页）。",
            f"anchor '{given}' is not COUNT:HASH, e.g. 120: followed by the 64-hex-digit hash "
            "shown on the publication.",
        )
    try:
        bytes.fromhex(head)
    except ValueError:
        raise JianguanError(
            f"锚点“{given}”的哈希不是十六进制。", f"the hash of anchor '{given}' is not hex."
        ) from None
    return Anchor(int(count), head, "--anchor 给出的锚点", "the anchor given with --anchor")


def head_of(session: Session) -> Anchor:
    """The head as this transaction sees it (after its own `record`, that record)."""
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return Anchor(count, last or GENESIS)


def stored_anchors(session: Session) -> list[Anchor]:
    """The anchors recorded with each publication (plans.audit_entries / audit_head)."""
    rows = session.execute(
        select(PlanRow.id, PlanRow.audit_entries, PlanRow.audit_head).where(
            PlanRow.audit_entries.is_not(None)
        )
    )
    return [
        Anchor(n, h, f"计划 #{pid} 公示时记录的锚点", f"the anchor of plan #{pid}")
        for pid, n, h in rows
        if n is not None and h is not None
    ]


@dataclass(frozen=True, slots=True)
class ChainCheck:
    events: int  # entries read (up to the broken one)
    first_broken_id: int | None = None
    problem_zh: str | None = None
    problem_en: str | None = None
    head: str = GENESIS
    legacy: int = 0  # unkeyed entries from before migration 0003
    anchors: int = 0  # anchors the chain was checked against

    @property
    def intact(self) -> bool:
        return self.problem_zh is None

    def problem(self, lang: str = "zh") -> str:
        return (self.problem_en if lang == "en" else self.problem_zh) or ""


class _Broken(Exception):
    def __init__(self, event: _Entry | None, zh: str, en: str) -> None:
        super().__init__(en)
        self.event, self.zh, self.en = event, zh, en


def _no_key_message(event: _Entry) -> _Broken:
    return _Broken(
        event,
        f"第 {event.id} 号记录由密钥 {event.key_id} 签名，但找不到审计日志密钥：请设置 {ENV}，"
        f"或恢复实例目录中的 {key_file()}。",
        f"entry {event.id} is signed with key {event.key_id} but no audit key was found: set "
        f"{ENV} or restore {key_file()}.",
    )


def _check_keyed(event: _Entry, key: AuditKey | None) -> None:
    if key is None:
        raise _no_key_message(event)
    if event.key_id != key.key_id:
        raise _Broken(
            event,
            f"第 {event.id} 号记录由密钥 {event.key_id} 签名，而当前密钥（{key.where}）的编号为 "
            f"{key.key_id}：请使用签名时的密钥校验（密钥丢失后，其签名的记录无法再校验）。",
            f"entry {event.id} is signed with key {event.key_id}, but the key in use "
            f"({key.where}) has id {key.key_id}: verify with the key that signed it (entries "
            "signed with a lost key cannot be verified).",
        )
    if not hmac.compare_digest(keyed_hash(_content(event), key), event.hash):
        raise _Broken(
            event,
            f"第 {event.id} 号记录的内容与其 HMAC 不符：该记录被改动（或被不含密钥的哈希重算过）。",
            f"entry {event.id} does not match its HMAC: it was changed (or rehashed without "
            "the key).",
        )


def _check_legacy(event: _Entry, keyed_seen: bool) -> None:
    if keyed_seen:
        raise _Broken(
            event,
            f"第 {event.id} 号记录标为升级前的未签名记录，却排在签名记录之后：记录被改写。",
            f"entry {event.id} is marked as an unkeyed entry from before the upgrade but "
            "follows keyed entries: it was rewritten.",
        )
    if hashlib.sha256(_content(event)).hexdigest() != event.hash:
        raise _Broken(
            event,
            f"第 {event.id} 号记录（升级前的 SHA-256 记录）的内容与其哈希不符：该记录被改动。",
            f"entry {event.id} (an unkeyed entry from before the upgrade) does not match its "
            "hash: it was changed.",
        )


def _check_seal(event: _Entry, legacy: int) -> None:
    """The first keyed entry after unkeyed ones must be the upgrade's seal naming them all."""
    after = event.after or {}
    if event.action != SEAL_ACTION or after.get("legacy_entries") != legacy:
        raise _Broken(
            event,
            f"第 {event.id} 号记录是第一条签名记录，但不是升级时封存前 {legacy} 条未签名记录的"
            f"“{SEAL_ACTION}”记录：升级前的记录被增删或改写。",
            f"entry {event.id} is the first keyed entry but not the upgrade's '{SEAL_ACTION}' "
            f"entry sealing the {legacy} unkeyed entries before it: those were added to, "
            "removed or rewritten.",
        )


def verify_chain(
    session: Session,
    key: AuditKey | None = None,
    anchors: Sequence[Anchor] | None = None,
) -> ChainCheck:
    """Check every entry, in order, and the chain against `anchors` (by default those stored
    with publications). `key` defaults to the configured one (never created here)."""
    key = key or audit_key(create=False)
    wanted = stored_anchors(session) if anchors is None else list(anchors)
    at_position: dict[int, list[Anchor]] = {}
    for anchor in wanted:
        at_position.setdefault(anchor.entries, []).append(anchor)
    previous, count, legacy, keyed_seen = GENESIS, 0, 0, False
    first_id: int | None = None
    columns = [c for c in AuditEvent.__table__.columns]
    rows: Any = session.execute(
        select(*columns).order_by(AuditEvent.id).execution_options(yield_per=5000)
    )
    try:
        for event in rows:
            count += 1
            first_id = event.id if first_id is None else first_id
            if event.prev_hash != previous:
                raise _Broken(
                    event,
                    f"第 {event.id} 号记录的“前一哈希”与上一条记录不符：其前的记录被删除、插入或调换了顺序。",
                    f"entry {event.id}: its prev_hash is not the previous entry's hash — an "
                    "entry before it was deleted, inserted or moved.",
                )
            if event.scheme == LEGACY:
                _check_legacy(event, keyed_seen)
                legacy += 1
            elif event.scheme == KEYED:
                if not keyed_seen and legacy:
                    _check_seal(event, legacy)
                _check_keyed(event, key)
                keyed_seen = True
            else:
                raise _Broken(
                    event,
                    f"第 {event.id} 号记录的签名方式“{event.scheme}”未知：记录被改动。",
                    f"entry {event.id} has an unknown scheme '{event.scheme}': it was changed.",
                )
            for anchor in at_position.get(count, []):
                if anchor.head != event.hash:
                    raise _Broken(
                        event,
                        f"第 {count} 条记录（第 {event.id} 号）的哈希与{anchor.source_zh}不符："
                        "此前的记录被改写。",
                        f"entry {event.id}, number {count} in the log, does not have the hash "
                        f"of {anchor.source_en}: the entries up to it were rewritten.",
                    )
            previous = event.hash
        if legacy and not keyed_seen:
            raise _Broken(
                None,
                f"全部 {legacy} 条记录都没有密钥签名，也没有升级时的封存记录：日志被整体改写"
                "（升级到签名日志时会写入封存记录）。",
                f"none of the {legacy} entries is keyed and there is no upgrade seal: the log "
                "was rewritten (the upgrade to keyed entries writes a seal).",
            )
        longest = max(wanted, key=lambda a: a.entries, default=None)
        if longest is not None and longest.entries > count:
            raise _Broken(
                None,
                f"日志只有 {count} 条记录，而{longest.source_zh}表明当时已有 {longest.entries} "
                "条：末尾的记录被删除。",
                f"the log has {count} entries but {longest.source_en} shows it had "
                f"{longest.entries}: the newest entries were deleted.",
            )
    except _Broken as broken:
        broken_id = broken.event.id if broken.event is not None else None
        if broken_id is None and legacy and not keyed_seen:
            broken_id = first_id
        return ChainCheck(count, broken_id, broken.zh, broken.en, previous, legacy, len(wanted))
    return ChainCheck(count, None, None, None, previous, legacy, len(wanted))
