"""Writing registry records back out as CSV or .xlsx, in the same spellings we read.

A file written here reads back to the same records (`registry_read`), so a regulator can export,
edit in Excel and re-import. With `headers="zh"` the file looks like a bureau's own export
(formats.md §1a): Chinese column names, 是/否, and a CSV with a BOM so Excel opens it as UTF-8.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from jianguan.registry_columns import ENTERPRISE_COLUMN_NAMES, OFFICER_COLUMN_NAMES, ColumnNames
from jianguan.registry_schema import ENTERPRISE_COLUMNS, OFFICER_COLUMNS, Enterprise, Officer

Headers = Literal["en", "zh"]
_BOOLEANS = {"en": ("true", "false"), "zh": ("是", "否")}


def _cell(value: object, headers: Headers = "en") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = _BOOLEANS[headers]
        return yes if value else no
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ";".join(_cell(v) for v in value)
    return str(value)


def enterprise_cells(enterprise: Enterprise, headers: Headers = "en") -> list[str]:
    return [_cell(getattr(enterprise, c), headers) for c in ENTERPRISE_COLUMNS]


def officer_cells(officer: Officer, headers: Headers = "en") -> list[str]:
    return [_cell(getattr(officer, c), headers) for c in OFFICER_COLUMNS]


def _header(columns: Sequence[str], names: ColumnNames, headers: Headers) -> list[str]:
    return [names.chinese[c] for c in columns] if headers == "zh" else list(columns)


def _write(
    path: Path, header: Sequence[str], rows: Iterable[list[str]], headers: Headers = "en"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        from jianguan.xlsx_text import text_safe_row

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(list(header))
        for row in rows:
            # Text cells keep leading zeros and stop Excel from turning codes into numbers.
            sheet.append(text_safe_row(sheet, row))  # a leading "=" stays text
        book.save(path)
        return path
    encoding = "utf-8-sig" if headers == "zh" else "utf-8"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_enterprises(
    path: Path, enterprises: Iterable[Enterprise], headers: Headers = "en"
) -> Path:
    header = _header(ENTERPRISE_COLUMNS, ENTERPRISE_COLUMN_NAMES, headers)
    return _write(path, header, (enterprise_cells(e, headers) for e in enterprises), headers)


def write_officers(path: Path, officers: Iterable[Officer], headers: Headers = "en") -> Path:
    header = _header(OFFICER_COLUMNS, OFFICER_COLUMN_NAMES, headers)
    return _write(path, header, (officer_cells(o, headers) for o in officers), headers)
