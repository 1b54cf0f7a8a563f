"""Validated reading of enterprises.csv and inspectors.csv (formats.md §1, §1a), CSV or .xlsx,
with our English headers or the Chinese ones bureaus' systems export.

All rows are checked before anything is returned: a file with any problem raises one
`DataFileError` listing its problems as `file:line:column: message`, so an import can be
all or nothing. The limits of jianguan/import_limits.py keep a hostile or broken file
cheap: the first MAX_PROBLEMS problems are listed and the rest counted, rows are checked as
they stream past (none is kept once the file has failed), and no text longer than its
column in the store gets through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jianguan import import_limits as limits
from jianguan.cell_values import CellError
from jianguan.errors import DataFileError, FileIssue
from jianguan.import_limits import CELL_CHARS, column_chars
from jianguan.registry_columns import ENTERPRISE_COLUMN_NAMES, OFFICER_COLUMN_NAMES, ColumnNames
from jianguan.registry_fields import ENTERPRISE_PARSERS, OFFICER_PARSERS, Parser
from jianguan.registry_schema import (
    ENTERPRISE_REQUIRED,
    OFFICER_REQUIRED,
    OFFICER_REQUIRED_COLUMNS,
    Enterprise,
    Officer,
)
from jianguan.registry_status import parse_status
from jianguan.table_source import Table, read_table


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
        self.more = 0  # problems past MAX_PROBLEMS: counted, not kept
        # Asked once per problem: a file of a million bad rows asks it millions of times.
        self._shown: dict[str, str] = {}
        self._chinese = any(not name.isascii() for name in table.written.values())

    def shown(self, column: str) -> str:
        name = self._shown.get(column)
        if name is None:
            if column in self.table.written:
                name = self.table.written[column]
            else:
                name = self.names.chinese[column] if self._chinese else column
            self._shown[column] = name
        return name

    def add(self, line: int, column: str, zh: str, en: str) -> None:
        if len(self.issues) < limits.MAX_PROBLEMS:
            self.issues.append(FileIssue(self.file, line, self.shown(column), zh, en))
        else:
            self.more += 1

    def add_error(self, line: int, column: str, error: CellError) -> None:
        """Like `add`; the error's messages are built only if it is listed."""
        if len(self.issues) < limits.MAX_PROBLEMS:
            self.issues.append(
                FileIssue(self.file, line, self.shown(column), error.message_zh, error.message_en)
            )
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.issues:
            raise DataFileError(self.issues, self.more)


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


RowCheck = Callable[[int, dict[str, Any], _Collector], None]


def _too_long(text: str, limit: int, shown: str) -> tuple[str, str]:
    return (
        f"“{shown}”最多 {limit:,} 个字符，该单元格有 {len(text):,} 个；请核对内容",
        f"'{shown}' takes at most {limit:,} characters but this cell has {len(text):,}; check it",
    )


def _parse_rows(
    table: Table,
    parsers: dict[str, Parser],
    required: tuple[str, ...],
    issues: _Collector,
    lengths: dict[str, int],
    check: RowCheck | None = None,
    skipped: list[Skipped] | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """The parsed rows, each passed through `check` as it comes. Once the file has a problem
    no row is kept (it will not be imported): a file of a million bad rows costs its
    messages, not its rows."""
    parsed_rows: list[tuple[int, dict[str, Any]]] = []
    first_line_of: dict[str, int] = {}
    # Each parsed column's place in a row, parser, length limit and need, settled once per
    # file rather than looked up for each of a million rows. Free text goes to the store as
    # written: its limit is the column's. A parsed cell's format is narrower than its column;
    # the cell limit only keeps parsing and messages cheap.
    plan = [
        (
            table.columns.index(c),
            c,
            parsers[c],
            lengths.get(c, CELL_CHARS) if parsers[c] is str else CELL_CHARS,
            c in required,
        )
        for c in parsers
        if c in table.columns
    ]
    id_at = table.position("id")
    status_at = table.position("status") if skipped is not None else None
    for line, raw in table.rows:
        values: dict[str, Any] = {}
        ok = True
        row_id = raw[id_at] if id_at is not None else ""
        if row_id and len(row_id) <= CELL_CHARS:
            first = first_line_of.setdefault(row_id, line)
            if first != line:
                issues.add(
                    line,
                    "id",
                    f"编号“{row_id}”与第 {first} 行重复，每个编号只能出现一次",
                    f"id '{row_id}' repeats line {first}; each id may appear once",
                )
                ok = False
        if status_at is not None and skipped is not None:
            try:
                status = parse_status(raw[status_at][:CELL_CHARS])
            except CellError as err:
                issues.add_error(line, "status", err)
                continue
            if status is not None:
                # Not an inspection object: its other cells (often incomplete for an old,
                # deregistered entity) are not checked.
                skipped.append(Skipped(line, row_id, status))
                continue
        for at, column, parse, limit, needed in plan:
            text = raw[at]
            if not text:
                if needed:
                    shown = issues.shown(column)
                    issues.add(
                        line,
                        column,
                        f"“{shown}”为必填项，不能为空",
                        f"'{shown}' is required and must not be empty",
                    )
                    ok = False
                continue
            if len(text) > limit:
                issues.add(line, column, *_too_long(text, limit, issues.shown(column)))
                ok = False
                continue
            try:
                values[column] = parse(text)
            except CellError as err:
                issues.add_error(line, column, err)
                ok = False
        if ok and check is not None:
            check(line, values, issues)
        if issues.issues:
            parsed_rows.clear()
        elif ok:
            parsed_rows.append((line, values))
    return parsed_rows


@dataclass(frozen=True, slots=True)
class EnterpriseFile:
    """The live enterprises of a file, and the rows skipped for their 登记状态."""

    enterprises: list[Enterprise]
    skipped: list[Skipped]


def _not_in_future(line: int, values: dict[str, Any], issues: _Collector) -> None:
    established: date = values["established_on"]
    if established > date.today():
        issues.add(
            line,
            "established_on",
            f"成立日期 {established} 晚于今天，请核对",
            f"established_on {established} is in the future; check it",
        )


def read_enterprise_file(path: Path | str) -> EnterpriseFile:
    """Read and validate an object library; raise `DataFileError` listing its problems."""
    table = read_table(Path(path), ENTERPRISE_COLUMN_NAMES)
    issues = _Collector(table, ENTERPRISE_COLUMN_NAMES)
    _check_header(table, ENTERPRISE_REQUIRED, issues)
    issues.raise_if_any()
    skipped: list[Skipped] = []
    lengths = column_chars()["enterprises"]
    rows = _parse_rows(
        table, ENTERPRISE_PARSERS, ENTERPRISE_REQUIRED, issues, lengths, _not_in_future, skipped
    )
    issues.raise_if_any()
    return EnterpriseFile([Enterprise(**values) for _, values in rows], skipped)


def read_enterprises(path: Path | str) -> list[Enterprise]:
    """The live enterprises of an object library (rows 注销, 吊销, ... left out)."""
    return read_enterprise_file(path).enterprises


def _known_recusals(enterprise_ids: set[str] | frozenset[str]) -> RowCheck:
    def check(line: int, values: dict[str, Any], issues: _Collector) -> None:
        for code in values.get("recusals", ()):
            if code not in enterprise_ids:
                issues.add(
                    line,
                    "recusals",
                    f"回避名单中的企业“{code}”不在检查对象名录库中，请核对统一社会信用代码",
                    f"recusal names enterprise '{code}', which is not in the object "
                    "library; check the credit code",
                )

    return check


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
    check = _known_recusals(enterprise_ids) if enterprise_ids is not None else None
    lengths = column_chars()["officers"]
    rows = _parse_rows(table, OFFICER_PARSERS, OFFICER_REQUIRED, issues, lengths, check)
    issues.raise_if_any()
    officers = []
    for _, values in rows:
        values.setdefault("certificate", "")
        officers.append(Officer(**values))
    return officers
