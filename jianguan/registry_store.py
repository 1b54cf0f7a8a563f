"""Loading the registry into the store, all or nothing, and reading it back.

An import validates every row of every file first (`registry_read`); only a clean set is
written, in one transaction with its audit event. Rows are matched by id: re-importing the
same file changes nothing, an edited row is updated, and nothing is deleted by an import.
Rows whose 登记状态 is 注销, 吊销, 撤销 or 迁出 are skipped and counted; one the store already
holds keeps its row, marked with that status, and leaves the random pool (`load_enterprises`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from jianguan import audit
from jianguan.db import Store
from jianguan.models import Department, EnterpriseRow, OfficerRow
from jianguan.registry_read import Skipped, read_enterprise_file, read_inspectors
from jianguan.registry_schema import Enterprise, Officer
from jianguan.registry_status import NOT_LIVE

KNOWN_DEPARTMENTS = {
    "SCJG": "市场监督管理局",
    "SW": "税务局",
    "YJ": "应急管理局",
    "SJ": "生态环境局",
    "WJ": "卫生健康委员会",
    "GA": "公安局",
}


@dataclass(frozen=True, slots=True)
class ImportCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class SkippedCounts:
    """Rows not imported for their 登记状态, per status; `left_pool`: of those, how many the
    store held as live and now holds out of the random pool."""

    by_status: tuple[tuple[str, int], ...] = ()
    left_pool: int = 0

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_status)

    def describe(self, lang: str) -> str:
        if not self.total:
            return ""
        if lang == "en":
            parts = ", ".join(f"{status} {n}" for status, n in self.by_status)
            return (
                f"; not inspection objects, skipped: {self.total} ({parts}), "
                f"of which {self.left_pool} left the random pool"
            )
        parts = "，".join(f"{status} {n}" for status, n in self.by_status)
        return f"；非存续跳过 {self.total}（{parts}），其中 {self.left_pool} 家移出随机抽查名录"


@dataclass(frozen=True, slots=True)
class ImportReport:
    enterprises: ImportCounts
    officers: ImportCounts
    skipped: SkippedCounts = SkippedCounts()

    def describe(self, lang: str = "zh") -> str:
        e, o, s = self.enterprises, self.officers, self.skipped.describe(lang)
        if lang == "en":
            return (
                f"enterprises: {e.inserted} new, {e.updated} updated, {e.unchanged} unchanged{s}; "
                f"officers: {o.inserted} new, {o.updated} updated, {o.unchanged} unchanged"
            )
        return (
            f"企业：新增 {e.inserted}，更新 {e.updated}，未变 {e.unchanged}{s}；"
            f"执法人员：新增 {o.inserted}，更新 {o.updated}，未变 {o.unchanged}"
        )


def _enterprise_values(e: Enterprise) -> dict[str, Any]:
    return {**asdict(e), "status": None}  # a live row in the file puts it (back) in the pool


def _officer_values(o: Officer) -> dict[str, Any]:
    values = asdict(o)
    values["fields"] = list(o.fields)
    values["unavailable"] = [d.isoformat() for d in o.unavailable]
    values["recusals"] = list(o.recusals)
    return values


def _upsert(
    session: Session, model: type[EnterpriseRow] | type[OfficerRow], rows: list[dict[str, Any]]
) -> ImportCounts:
    columns = [c.name for c in model.__table__.columns]
    existing: dict[str, tuple[Any, ...]] = {}
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 10_000):  # keep IN lists within every backend's limits
        chunk = ids[start : start + 10_000]
        for row in session.execute(select(*model.__table__.columns).where(model.id.in_(chunk))):
            existing[row.id] = tuple(row)
    new, changed, same = [], [], 0
    for values in rows:
        before = existing.get(values["id"])
        if before is None:
            new.append(values)
        elif before != tuple(values[c] for c in columns):
            changed.append(values)
        else:
            same += 1
    if new:
        session.execute(insert(model), new)
    if changed:
        session.execute(update(model), changed)
    return ImportCounts(len(new), len(changed), same)


def _known_enterprise_ids(session: Session) -> set[str]:
    return set(session.scalars(select(EnterpriseRow.id)))


def _leave_pool(session: Session, skipped: list[Skipped]) -> SkippedCounts:
    """Mark stored live enterprises the file now says are 注销, 吊销, ...; count the rest."""
    by_status = Counter(s.status for s in skipped)
    status_of = {s.id: s.status for s in skipped if s.id}
    live: list[str] = []
    ids = list(status_of)
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        live += session.scalars(
            select(EnterpriseRow.id).where(
                EnterpriseRow.id.in_(chunk), EnterpriseRow.status.is_(None)
            )
        )
    if live:
        session.execute(update(EnterpriseRow), [{"id": i, "status": status_of[i]} for i in live])
    ordered = tuple((status, by_status[status]) for status in NOT_LIVE if by_status[status])
    return SkippedCounts(ordered, len(live))


def import_registry(
    store: Store,
    *,
    enterprises: Path | None = None,
    inspectors: Path | None = None,
    actor: str = "cli",
) -> ImportReport:
    """Validate the given files, then write them in one transaction, or raise and write nothing."""
    enterprise_file = read_enterprise_file(enterprises) if enterprises else None
    parsed_enterprises = enterprise_file.enterprises if enterprise_file else []
    with store.session() as session:
        parsed_officers: list[Officer] = []
        if inspectors:
            known = {e.id for e in parsed_enterprises} | _known_enterprise_ids(session)
            parsed_officers = read_inspectors(inspectors, known)
        e_counts = _upsert(
            session, EnterpriseRow, [_enterprise_values(e) for e in parsed_enterprises]
        )
        o_counts = _upsert(session, OfficerRow, [_officer_values(o) for o in parsed_officers])
        skipped = _leave_pool(session, enterprise_file.skipped if enterprise_file else [])
        present = set(session.scalars(select(Department.code)))
        for code in sorted({o.department for o in parsed_officers} - present):
            session.add(Department(code=code, name=KNOWN_DEPARTMENTS.get(code, code)))
        report = ImportReport(e_counts, o_counts, skipped)
        audit.record(
            session,
            actor,
            "registry.import",
            "registry",
            # File names only: the id column is short, and full paths say more about the
            # uploader's machine than about the import; the full paths sit in ``after``.
            ",".join(Path(p).name for p in (enterprises, inspectors) if p),
            None,
            {
                "files": [str(p) for p in (enterprises, inspectors) if p],
                "enterprises": asdict(e_counts),
                "officers": asdict(o_counts),
                "skipped": {"by_status": dict(skipped.by_status), "left_pool": skipped.left_pool},
            },
        )
    return report


_ENTERPRISE_FIELDS = [f.name for f in fields(Enterprise)]


def load_enterprises(store: Store) -> list[Enterprise]:
    """The random pool: every live enterprise (not 注销, 吊销, ...), in id order."""
    with store.session() as session:
        rows = session.execute(
            select(*(getattr(EnterpriseRow, n) for n in _ENTERPRISE_FIELDS))
            .where(EnterpriseRow.status.is_(None))
            .order_by(EnterpriseRow.id)
        )
        return [Enterprise(*row) for row in rows]


def load_officers(store: Store) -> list[Officer]:
    with store.session() as session:
        return [
            Officer(
                id=r.id,
                name=r.name,
                department=r.department,
                district=r.district,
                certificate=r.certificate,
                fields=tuple(r.fields),
                max_per_day=r.max_per_day,
                unavailable=tuple(date.fromisoformat(d) for d in r.unavailable),
                recusals=tuple(r.recusals),
            )
            for r in session.scalars(select(OfficerRow).order_by(OfficerRow.id))
        ]
