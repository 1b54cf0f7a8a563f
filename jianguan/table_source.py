"""Reading a registry table from CSV or .xlsx as (line number, {column: text}) rows.

Both formats give the same thing: the header's column names and every data row as stripped
strings, with the line a regulator would see in Excel or a text editor (header = line 1).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jianguan.errors import DataFileError, FileIssue


@dataclass(frozen=True, slots=True)
class Table:
    path: Path
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]


def _issue(path: Path, line: int, zh: str, en: str) -> DataFileError:
    return DataFileError([FileIssue(str(path), line, "", zh, en)])


def read_table(path: Path) -> Table:
    """Read a .csv (UTF-8, BOM allowed) or .xlsx (first sheet) file."""
    if not path.exists():
        raise _issue(path, 0, "文件不存在，请检查路径", "file not found; check the path")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        columns, rows = _read_xlsx(path)
    elif suffix in (".csv", ".txt"):
        columns, rows = _read_csv(path)
    else:
        raise _issue(
            path,
            0,
            f"不支持的文件类型“{suffix}”，请使用 .csv（UTF-8）或 .xlsx",
            f"unsupported file type '{suffix}'; use .csv (UTF-8) or .xlsx",
        )
    return Table(path, columns, rows)


def _read_csv(path: Path) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise _issue(
            path,
            line,
            "文件不是 UTF-8 编码（可能是 GBK），请在 Excel 中另存为“CSV UTF-8”后重试",
            "the file is not UTF-8 (perhaps GBK); save it as 'CSV UTF-8' and try again",
        ) from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        return _csv_rows(path, reader)
    except csv.Error as err:
        # An unclosed quote or a cell past csv's field limit (128 KiB): say where, not crash.
        raise _issue(
            path,
            max(1, reader.line_num),
            f"该行无法按 CSV 读取（{err}）；请检查引号是否成对、单元格是否过长",
            f"this line cannot be read as CSV ({err}); check that quotes pair up and no cell "
            "is overly long",
        ) from None


def _csv_rows(path: Path, reader: Any) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise _issue(path, 1, "文件为空或缺少表头行", "the file is empty or has no header row")
    columns = tuple(h.strip() for h in header)
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in _numbered(reader):
        line, values = cells
        if not any(v.strip() for v in values):
            continue  # blank lines are common at the end of exported sheets
        if len(values) > len(columns):
            raise _issue(
                path,
                line,
                f"该行有 {len(values)} 个单元格，多于表头的 {len(columns)} 列；"
                "含逗号的内容请用英文双引号括起",
                f"the row has {len(values)} cells but the header has {len(columns)} columns; "
                "quote cells that contain commas",
            )
        padded = [*values, *[""] * (len(columns) - len(values))]
        rows.append((line, {c: v.strip() for c, v in zip(columns, padded, strict=True)}))
    return columns, rows


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:  # csv's reader type is private
    start = 2
    for values in reader:
        yield start, values
        start = reader.line_num + 1


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(path: Path) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    from openpyxl import load_workbook  # only .xlsx imports pay for openpyxl

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged file
        raise _issue(
            path,
            0,
            "无法读取该 .xlsx 文件，可能已损坏或不是 Excel 工作簿，请重新导出",
            "cannot read this .xlsx file: damaged or not an Excel workbook; export it again",
        ) from None
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    header = next(it, None)
    if not header or not any(h is not None and str(h).strip() for h in header):
        raise _issue(path, 1, "工作表为空或缺少表头行", "the sheet is empty or has no header row")
    columns = tuple(_xlsx_text(h) for h in header)
    rows: list[tuple[int, dict[str, str]]] = []
    for line, values in enumerate(it, start=2):
        texts = [_xlsx_text(v) for v in values]
        if not any(texts):
            continue
        texts = (texts + [""] * len(columns))[: len(columns)]
        rows.append((line, dict(zip(columns, texts, strict=True))))
    book.close()
    return columns, rows
