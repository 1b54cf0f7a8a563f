"""Cells of a hand-written sheet as jianguan/xlsx_expat.py reads them: the spellings Excel
does not write but other exporters do."""

from __future__ import annotations

import io
import zipfile

import pytest

from jianguan.xlsx_rows import UnreadableSheet, sheet_rows
from tests.attack.registry_strategies import Sheet
from tests.attack.xlsx_craft import SHEET_HEAD, SHEET_TAIL, members_of, workbook_bytes


def _rows(body: str, head: str = SHEET_HEAD.format(dimension="")) -> list[tuple[int, list[str]]]:
    members = members_of(Sheet([["x"]]), ["inline"])
    members["xl/worksheets/sheet1.xml"] = head + body + SHEET_TAIL
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(members))) as book:
        return list(sheet_rows(book))


def test_a_typeless_cell_that_is_no_number_is_read_as_written() -> None:
    assert _rows(
        '<row r="1"><c r="A1"><v> 91360121564376716M </v></c><c r="B1"><v>7</v></c></row>'
    ) == [(1, ["91360121564376716M", "7"])]


def test_cells_without_a_reference_follow_the_previous_cell_even_an_empty_one() -> None:
    body = '<row><c t="inlineStr"><is><t>a</t></is></c><c/><c t="b"><v>1</v></c></row><row/>'
    assert _rows(body) == [(1, ["a", "", "true"]), (2, [])]


def test_runs_are_joined_and_phonetic_guides_left_out() -> None:
    body = (
        '<row r="3"><c r="C3" t="inlineStr"><is><r><t>南昌</t></r><r><t xml:space="preserve">'
        ' 某&amp;店</t></r><rPh sb="0" eb="1"><t>nan</t></rPh></is></c></row>'
    )
    assert _rows(body) == [(3, ["", "", "南昌 某&店"])]


def test_a_prefixed_namespace_reads_the_same() -> None:
    head = (
        '<?xml version="1.0"?><x:worksheet '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
    )
    body = '<x:row r="1"><x:c r="B1" t="str"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
    members = members_of(Sheet([["x"]]), ["inline"])
    members["xl/worksheets/sheet1.xml"] = head + body + "</x:sheetData></x:worksheet>"
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(members))) as book:
        assert list(sheet_rows(book)) == [(1, ["", "2"])]


def test_a_doctype_is_refused_even_where_the_byte_scan_cannot_see_it() -> None:
    # A UTF-16 sheet: "<!DOCTYPE" is not those bytes, the parser's own callback refuses it.
    members = members_of(Sheet([["x"]]), ["inline"])
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY a "b">]><w/>'
    members["xl/worksheets/sheet1.xml"] = xml.encode("utf-16")
    with (
        zipfile.ZipFile(io.BytesIO(workbook_bytes(members))) as book,
        pytest.raises(UnreadableSheet, match="DTD"),
    ):
        list(sheet_rows(book))


def test_a_date_cell_without_a_date_is_read_not_called_damaged() -> None:
    # Style 1 shows a date (tests/attack/xlsx_craft.py STYLES). Under one day is a time of
    # day (openpyxl gives a time, which has no date); past year 9999 there is no date at all.
    body = (
        '<row r="1"><c r="A1" s="1"><v>0.5</v></c><c r="B1" s="1"><v>1e10</v></c>'
        '<c r="C1" s="1"><v>45000</v></c></row>'
    )
    assert _rows(body) == [(1, ["12:00:00", "1e10", "2023-03-15"])]
