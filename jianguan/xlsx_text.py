"""Cells that stay text in the .xlsx files we write.

openpyxl stores any string starting with "=" as a formula, so an enterprise named
`=HYPERLINK("http://…")` in the registry would run in Excel on an official's desk when they
open an export. Such strings are written as text cells instead: the file shows exactly what
the registry holds, and nothing in it runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def text_safe_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """`values` ready for `sheet.append` (normal or write-only sheet): strings that openpyxl
    would take for formulas become text cells."""
    from openpyxl.cell import WriteOnlyCell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # a string cell: Excel shows it and never evaluates it
            row.append(cell)
        else:
            row.append(value)
    return row
