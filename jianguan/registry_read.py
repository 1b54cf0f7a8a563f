"""Validated reading of enterprises.csv and inspectors.csv (formats.md §1, §1a), CSV or .xlsx,
with our English headers or the Chinese ones bureaus' systems export.

All rows are checked before anything is returned: a file with any problem raises one
`DataFileError` listing every problem as `file:line:column: message`, so an import can be
all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jianguan.cell_values import (
    CellError,
    parse_bool,
    parse_count,
    parse_date,
    parse_date_list,
    parse_list,
)
from jianguan.credit_code import check_credit_code
from jianguan.errors import DataFileError, FileIssue
from jianguan.registry_columns import ENTERPRISE_COLUMN_NAMES, OFFICER_COLUMN_NAMES, ColumnNames
from jianguan.registry_schema import (
    CREDIT_TIERS,
    ENTERPRISE_REQUIRED,
    OFFICER_REQUIRED,
    OFFICER_REQUIRED_COLUMNS,
    Enterprise,
    Officer,
)
from jianguan.registry_status import parse_status
from jianguan.table_source import Table, read_table

_DISTRICT = re.compile(r"^\d{6}$")
# GB/T 4754-2017: a section letter A–T, optionally its 2-digit division, group or class.
_INDUSTRY = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")
_DEPARTMENT = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")


def _district(text: str) -> str:
    if not _DISTRICT.match(text):
        raise CellError(
            f"行政区划代码“{text}”应为 6 位数字（GB/T 2260），例如 360102",
            f"district '{text}' must be a 6-digit GB/T 2260 code, e.g. 360102",
        )
    return text


def _industry(text: str) -> str:
    code = text.upper()
    if not _INDUSTRY.match(code):
        raise CellError(
            f"行业代码“{text}”不符合 GB/T 4754-2017，应为门类字母加 2–4 位数字，例如 F52",
            f"industry '{text}' is not a GB/T 4754-2017 code: a letter and 2–4 digits, e.g. F52",
        )
    return code


def _tier(text: str) -> str:
    tier = text.upper()
    if tier not in CREDIT_TIERS:
        raise CellError(
            f"信用风险分类“{text}”应为 A、B、C 或 D，留空则由规则判定",
            f"credit tier '{text}' must be A, B, C or D; leave it empty to let the rules decide",
        )
    return tier


def _department(text: str) -> str:
    if not _DEPARTMENT.match(text):
        raise CellError(
            f"部门代码“{text}”应为大写字母代码，例如 SCJG、SW、YJ",
            f"department '{text}' must be an upper-case code such as SCJG, SW, YJ",
        )
    return text


def _positive(text: str) -> int:
    value = parse_count(text)
    if value == 0:
        raise CellError(
            "每日上限必须大于 0；不能检查的人员请用 unavailable 填写日期",
            "the daily cap must be above 0; list dates an officer cannot work in 'unavailable'",
        )
    return value


def _fields(text: str) -> tuple[str, ...]:
    fields = parse_list(text)
    if not fields:
        raise CellError(
            "执法领域不能为空，请用分号分隔填写，例如 food;quality",
            "fields must not be empty; write them ;-separated, e.g. food;quality",
        )
    return fields


Parser = Callable[[str], Any]

_ENTERPRISE_PARSERS: dict[str, Parser] = {
    "id": check_credit_code,
    "name": str,
    "district": _district,
    "industry": _industry,
    "established_on": parse_date,
    "annual_report_filed": parse_bool,
    "abnormal_list": parse_bool,
    "serious_dishonest_list": parse_bool,
    "penalties_3y": parse_count,
    "complaints_12m": parse_count,
    "high_risk_licence": parse_bool,
    "credit_tier": _tier,
    "key_supervision": parse_bool,
}

_OFFICER_PARSERS: dict[str, Parser] = {
    "id": str,
    "name": str,
    "department": _department,
    "district": _district,
    "certificate": str,
    "fields": _fields,
    "max_per_day": _positive,
    "unavailable": parse_date_list,
    "recusals": parse_list,
}


class _Collector:
    """Gathers issues for one file so every problem is reported, not just the first.

    Issues name a column as the file's header wrote it (企业名称, not name), so the user
    finds it in their own sheet.
    """

    def __init__(self, table: Table, names: ColumnNames) -> None:
        self.file = str(table.path)
        self.table = table
        self.names = names
        self.issues: list[FileIssue] = []

    def shown(self, column: str) -> str:
        if column in self.table.written:
            return self.table.written[column]
        chinese = any(not name.isascii() for name in self.table.written.values())
        return self.names.chinese[column] if chinese else column

    def add(self, line: int, column: str, zh: str, en: str) -> None:
        self.issues.append(FileIssue(self.file, line, self.shown(column), zh, en))

    def raise_if_any(self) -> None:
        if self.issues:
            raise DataFileError(self.issues)


def _check_header(table: Table, required: Iterable[str], issues: _Collector) -> None:
    for column in required:
        if column not in table.columns:
            shown = issues.shown(column)
            also = issues.names.chinese[column] if shown == column else column
            issues.add(
                table.header_line,
                column,
                f"缺少必需的列“{shown}”（也可写作“{also}”），请在表头中加入该列",
                f"required column '{shown}' (or '{also}') is missing; add it to the header row",
            )


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row whose 登记状态 says it is no longer an inspection object."""

    line: int
    id: str
    status: str


def _parse_rows(
    table: Table,
    parsers: dict[str, Parser],
    required: tuple[str, ...],
    issues: _Collector,
    skipped: list[Skipped] | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    parsed_rows: list[tuple[int, dict[str, Any]]] = []
    first_line_of: dict[str, int] = {}
    present = [c for c in parsers if c in table.columns]
    with_status = skipped is not None and "status" in table.columns
    for line, raw in table.rows:
        values: dict[str, Any] = {}
        ok = True
        row_id = raw.get("id", "")
        if row_id:
            if row_id in first_line_of:
                issues.add(
                    line,
                    "id",
                    f"编号“{row_id}”与第 {first_line_of[row_id]} 行重复，每个编号只能出现一次",
                    f"id '{row_id}' repeats line {first_line_of[row_id]}; each id may appear once",
                )
                ok = False
            else:
                first_line_of[row_id] = line
        if with_status and skipped is not None:
            try:
                status = parse_status(raw["status"])
            except CellError as err:
                issues.add(line, "status", err.message_zh, err.message_en)
                continue
            if status is not None:
                # Not an inspection object: its other cells (often incomplete for an old,
                # deregistered entity) are not checked.
                skipped.append(Skipped(line, row_id, status))
                continue
        for column in present:
            text = raw[column]
            if not text:
                if column in required:
                    shown = issues.shown(column)
                    issues.add(
                        line,
                        column,
                        f"“{shown}”为必填项，不能为空",
                        f"'{shown}' is required and must not be empty",
                    )
                    ok = False
                continue
            try:
                values[column] = parsers[column](text)
            except CellError as err:
                issues.add(line, column, err.message_zh, err.message_en)
                ok = False
        if ok:
            parsed_rows.append((line, values))
    return parsed_rows


@dataclass(frozen=True, slots=True)
class EnterpriseFile:
    """The live enterprises of a file, and the rows skipped for their 登记状态."""

    enterprises: list[Enterprise]
    skipped: list[Skipped]


def read_enterprise_file(path: Path | str) -> EnterpriseFile:
    """Read and validate an object library; raise `DataFileError` listing every problem."""
    table = read_table(Path(path), ENTERPRISE_COLUMN_NAMES)
    issues = _Collector(table, ENTERPRISE_COLUMN_NAMES)
    _check_header(table, ENTERPRISE_REQUIRED, issues)
    issues.raise_if_any()
    skipped: list[Skipped] = []
    rows = _parse_rows(table, _ENTERPRISE_PARSERS, ENTERPRISE_REQUIRED, issues, skipped)
    today = date.today()
    for line, values in rows:
        established: date = values["established_on"]
        if established > today:
            issues.add(
                line,
                "established_on",
                f"成立日期 {established} 晚于今天，请核对",
                f"established_on {established} is in the future; check it",
            )
    issues.raise_if_any()
    return EnterpriseFile([Enterprise(**values) for _, values in rows], skipped)


def read_enterprises(path: Path | str) -> list[Enterprise]:
    """The live enterprises of an object library (rows 注销, 吊销, ... left out)."""
    return read_enterprise_file(path).enterprises


def read_inspectors(
    path: Path | str, enterprise_ids: set[str] | frozenset[str] | None = None
) -> list[Officer]:
    """Read and validate an officer library.

    With `enterprise_ids`, every recusal must name a known enterprise: a recusal that names
    nobody is almost always a typo, and a typo would let the officer be drawn after all.
    """
    table = read_table(Path(path), OFFICER_COLUMN_NAMES)
    issues = _Collector(table, OFFICER_COLUMN_NAMES)
    _check_header(table, OFFICER_REQUIRED_COLUMNS, issues)
    issues.raise_if_any()
    rows = _parse_rows(table, _OFFICER_PARSERS, OFFICER_REQUIRED, issues)
    if enterprise_ids is not None:
        for line, values in rows:
            for code in values.get("recusals", ()):
                if code not in enterprise_ids:
                    issues.add(
                        line,
                        "recusals",
                        f"回避名单中的企业“{code}”不在检查对象名录库中，请核对统一社会信用代码",
                        f"recusal names enterprise '{code}', which is not in the object "
                        "library; check the credit code",
                    )
    issues.raise_if_any()
    officers = []
    for _, values in rows:
        values.setdefault("certificate", "")
        officers.append(Officer(**values))
    return officers
