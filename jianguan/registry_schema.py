"""The registry's records (一单两库): enterprises and officers, as formats.md §1 defines them.

These are the in-memory shapes every part passes around; `registry_read` builds them from
CSV/.xlsx, `models` stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CREDIT_TIERS = ("A", "B", "C", "D")

ENTERPRISE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "district",
    "industry",
    "established_on",
    "annual_report_filed",
    "abnormal_list",
    "serious_dishonest_list",
    "penalties_3y",
    "complaints_12m",
    "high_risk_licence",
    "credit_tier",
    "key_supervision",
)
ENTERPRISE_REQUIRED: tuple[str, ...] = ("id", "name", "district", "industry", "established_on")

OFFICER_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "department",
    "district",
    "certificate",
    "fields",
    "max_per_day",
    "unavailable",
    "recusals",
)
# `certificate` must be present as a column but its cells may be empty (no certificate).
OFFICER_REQUIRED: tuple[str, ...] = ("id", "name", "department", "district", "fields")
OFFICER_REQUIRED_COLUMNS: tuple[str, ...] = (*OFFICER_REQUIRED, "certificate")


@dataclass(frozen=True, slots=True)
class Enterprise:
    """A market entity of the object library (检查对象名录库)."""

    id: str
    name: str
    district: str
    industry: str
    established_on: date
    annual_report_filed: bool | None = None
    abnormal_list: bool | None = None
    serious_dishonest_list: bool | None = None
    penalties_3y: int | None = None
    complaints_12m: int | None = None
    high_risk_licence: bool | None = None
    credit_tier: str | None = None
    key_supervision: bool | None = None


@dataclass(frozen=True, slots=True)
class Officer:
    """A law-enforcement officer of the officer library (执法检查人员名录库)."""

    id: str
    name: str
    department: str
    district: str
    certificate: str
    fields: tuple[str, ...]
    max_per_day: int | None = None
    unavailable: tuple[date, ...] = ()
    recusals: tuple[str, ...] = ()

    @property
    def certified(self) -> bool:
        """Only an officer with a 执法证 may inspect (行政处罚法 Art. 42)."""
        return bool(self.certificate)
