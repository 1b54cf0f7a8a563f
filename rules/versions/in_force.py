"""Rule package versions as the web sees them: the shipped files plus versions in the store.

The shipped files (rules/packages/) are the base versions. Legal staff add versions in the
store (`RulePackageVersion`); only an *approved* one takes part in decisions, and only from
its own `effective_from` — `rules.registry.version_at` picks the version in force on the
as-of date from the combined list, exactly as it does for files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan.models import RulePackageVersion
from rules import api as rules_api
from rules.issues import RuleFileError
from rules.loader import load_text
from rules.package import Package
from rules.registry import load_packages, version_at

SHIPPED = "shipped"
STATUS_NAMES = {
    SHIPPED: "随系统发布（基础版本）",
    "draft": "草稿",
    "submitted": "待审核",
    "approved": "已审核通过",
    "rejected": "已退回",
    "retired": "已撤销（未生效即撤回）",
}

_PARSED: dict[str, Package] = {}  # content sha256 -> package (stored text never changes)


@dataclass(frozen=True)
class Version:
    """One version of a package, from a shipped file or a store row."""

    package_id: str
    version: str
    effective_from: date
    effective_to: date | None
    status: str  # shipped / draft / submitted / approved / rejected / retired
    source: str
    sha256: str
    row_id: int | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_reason: str | None = None

    @property
    def decides(self) -> bool:
        """Whether this version takes part in decisions (from its effective_from on)."""
        return self.status in (SHIPPED, "approved")


def stored_name(package_id: str, version: str) -> str:
    """How a store version is named in `file:line` messages."""
    return f"{package_id}@{version}.yaml"


def package_from_source(package_id: str, version: str, source: str) -> Package:
    """The validated package of a stored version's text (it was validated when saved)."""
    sha = hashlib.sha256(source.encode("utf-8")).hexdigest()
    package = _PARSED.get(sha)
    if package is None:
        loaded, issues = load_text(source, stored_name(package_id, version), sha)
        if loaded is None:
            raise RuleFileError(issues)
        if len(_PARSED) > 128:
            _PARSED.clear()
        _PARSED[sha] = package = loaded
    return package


def shipped_packages() -> dict[str, list[Package]]:
    return load_packages()


_SHIPPED_SOURCES: dict[str, str] = {}  # content sha256 -> the shipped file's text


def _from_package(package: Package) -> Version:
    # Read once per file content: every version list (each editor check as the user types)
    # includes the shipped versions.
    source = _SHIPPED_SOURCES.get(package.sha256)
    if source is None:
        with open(package.path, encoding="utf-8") as handle:
            source = _SHIPPED_SOURCES[package.sha256] = handle.read()
    return Version(
        package.id,
        package.version,
        package.effective_from,
        package.model.package.effective_to,
        SHIPPED,
        source,
        package.sha256,
    )


def _from_row(row: RulePackageVersion) -> Version:
    return Version(
        row.package_id,
        row.version,
        row.effective_from,
        row.effective_to,
        row.status,
        row.source,
        row.content_sha256,
        row.id,
        row.created_by,
        row.created_at,
        row.reviewed_by,
        row.reviewed_at,
        row.review_reason,
    )


def all_versions(session: Session, package_id: str) -> list[Version]:
    """Every version of a package, shipped and stored, by effective date then age."""
    shipped = [_from_package(p) for p in shipped_packages().get(package_id, [])]
    query = select(RulePackageVersion).where(RulePackageVersion.package_id == package_id)
    stored = [_from_row(r) for r in session.scalars(query)]
    return sorted(
        shipped + stored,
        key=lambda v: (v.effective_from, v.created_at or datetime.min, v.row_id or 0),
    )


def find_version(session: Session, package_id: str, version: str) -> Version | None:
    for v in all_versions(session, package_id):
        if v.version == version:
            return v
    return None


def package_of(v: Version) -> Package:
    if v.status == SHIPPED:
        for p in shipped_packages().get(v.package_id, []):
            if p.version == v.version:
                return p
    return package_from_source(v.package_id, v.version, v.source)


def deciding_versions(session: Session, package_id: str) -> list[Package]:
    """The versions decisions choose from: shipped files plus approved store versions."""
    shipped = list(shipped_packages().get(package_id, []))
    query = select(RulePackageVersion).where(
        RulePackageVersion.package_id == package_id, RulePackageVersion.status == "approved"
    )
    approved = [
        package_from_source(r.package_id, r.version, r.source) for r in session.scalars(query)
    ]
    return sorted(shipped + approved, key=lambda p: p.effective_from)


def in_force(session: Session, package_id: str, day: date) -> Package | None:
    return version_at(deciding_versions(session, package_id), day)


def decide_in_force(
    session: Session,
    package_id: str,
    records: Sequence[Mapping[str, Any]],
    *,
    as_of: date | None = None,
    engine: str = "durable",
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """Decide with the version in force on `as_of` (today by default), counting approved store
    versions; Art. 37 compares with the version in force at the conduct, as for files."""
    versions = deciding_versions(session, package_id) if package_id in shipped_packages() else None
    return rules_api.decide(
        package_id, records, as_of=as_of, engine=engine, lang=lang, versions=versions
    )


def versions_by_package(session: Session) -> dict[str, list[Package]]:
    """Every package's deciding versions, for `rules.api.classify_enterprises(versions=...)`
    (the draw's tiers then follow signed-off versions as the other web decisions do)."""
    return {pid: deciding_versions(session, pid) for pid in shipped_packages()}
