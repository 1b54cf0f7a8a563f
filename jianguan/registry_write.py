"""Writing registry records back out as CSV or .xlsx, in the same spellings we read.

A file written here reads back to the same records (`registry_read`), so a regulator can export,
edit in Excel and re-import.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from jianguan.registry_schema import ENTERPRISE_COLUMNS, OFFICER_COLUMNS, Enterprise, Officer


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ";".join(_cell(v) for v in value)
    return str(value)


def enterprise_cells(enterprise: Enterprise) -> list[str]:
    return [_cell(getattr(enterprise, c)) for c in ENTERPRISE_COLUMNS]


def officer_cells(officer: Officer) -> list[str]:
    return [_cell(getattr(officer, c)) for c in OFFICER_COLUMNS]


def _write(path: Path, header: Sequence[str], rows: Iterable[list[str]]) -> Path:
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
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_enterprises(path: Path, enterprises: Iterable[Enterprise]) -> Path:
    return _write(path, ENTERPRISE_COLUMNS, (enterprise_cells(e) for e in enterprises))


def write_officers(path: Path, officers: Iterable[Officer]) -> Path:
    return _write(path, OFFICER_COLUMNS, (officer_cells(o) for o in officers))
