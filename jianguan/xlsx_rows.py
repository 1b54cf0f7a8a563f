"""The first sheet of an .xlsx as (sheet row, [cell text, ...]), read straight from its XML.

openpyxl's read-only mode builds an object per cell and, for a sheet without a <dimension>,
parses the whole sheet twice: about seven times slower than reading the same rows as CSV
(measured on 20,000 rows, issue 11). Here one pass of the C expat parser reads the sheet as a
stream (jianguan/xlsx_expat.py: callbacks, no element objects), keeps the shared strings
(one list) and the styles' date formats, and turns each cell into the text the CSV reader
would see: strings as written, numbers without a
spurious ".0" (a number cell that is no number, as some exporters write codes, as written),
booleans true/false, date-formatted numbers as ISO dates. openpyxl still
decides which formats are dates and converts Excel serial days, so we agree with it.

No DTD is accepted: a workbook never needs one, and refusing it is simpler than trusting
expat's amplification limits with an entity bomb. Every part is read through the unpack
budget of jianguan/zip_budget.py, and no row or shared string may run past
XLSX_ELEMENT_BYTES of XML (jianguan/import_limits.py), so a crafted part is refused before
the parser holds it.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import cast
from xml.etree.ElementTree import Element, XMLPullParser

from jianguan import xlsx_expat
from jianguan.xlsx_expat import UnreadableSheet
from jianguan.zip_budget import Budget, CountedPart

__all__ = ["UnreadableSheet", "sheet_rows"]

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _ends(
    source: CountedPart, marks: frozenset[str], wanted: frozenset[str] | None = None
) -> Iterator[Element]:
    """Each finished element of the part (only those tagged `wanted`, if given). At most
    XLSX_ELEMENT_BYTES of XML may pass between two elements tagged `marks` (rows, string
    items): a crafted part is refused there, not held by the parser. (Only end events: asking
    for start events too, to drop used rows from their parent, doubles the parser's Python
    work; an emptied row is a few dozen bytes. The filter is here, not in a generator above:
    a sheet has some 40 elements per row, and each generator layer costs about a second per
    100,000 rows.)"""
    parser: XMLPullParser[Element] = XMLPullParser(events=("end",))
    # Only end events were asked for: each event's object is the finished element.
    finished = cast(Callable[[], Iterator[tuple[str, Element]]], parser.read_events)
    marked = xlsx_expat.Finished()
    for chunk in xlsx_expat.checked_chunks(source, marked):
        parser.feed(chunk)
        for _event, element in finished():
            if element.tag in marks:
                marked.items += 1
            if wanted is None or element.tag in wanted:
                yield element
    parser.close()
    for _event, element in finished():
        if wanted is None or element.tag in wanted:
            yield element


def _elements(source: CountedPart, tag: str) -> Iterator[Element]:
    """Each finished `tag` element, emptied once used."""
    tags = frozenset((tag,))
    for element in _ends(source, tags, tags):
        yield element
        element.clear()


def _first_sheet(book: Budget) -> str:
    with book.open("xl/workbook.xml") as source:
        sheet = next(_elements(source, f"{MAIN}sheet"), None)
        if sheet is None:
            raise UnreadableSheet("the workbook lists no sheet")
        rel_id = sheet.get(_REL)
    with book.open("xl/_rels/workbook.xml.rels") as source:
        for rel in _elements(source, _PKG_REL):
            if rel.get("Id") == rel_id:
                target = rel.get("Target", "")
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join("xl", target))
    raise UnreadableSheet("the workbook's first sheet has no part")


def _shared_strings(book: Budget, fast: bool) -> list[str]:
    if "xl/sharedStrings.xml" not in book.book.namelist():
        return []
    with book.open("xl/sharedStrings.xml") as source:
        return xlsx_expat.shared_strings(source, fast)


def _date_styles(book: Budget) -> tuple[frozenset[int], bool]:
    """Indexes of cell styles whose number format shows a date; the workbook's 1904 flag."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    with book.open("xl/workbook.xml") as source:
        pr = next(_elements(source, f"{MAIN}workbookPr"), None)
        date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    if "xl/styles.xml" not in book.book.namelist():
        return frozenset(), date1904
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    dated: set[int] = set()
    with book.open("xl/styles.xml") as source:
        for element in _ends(source, frozenset((f"{MAIN}numFmt", f"{MAIN}xf"))):
            if element.tag == f"{MAIN}numFmt":
                formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif element.tag == f"{MAIN}cellXfs":
                for index, xf in enumerate(element.iterfind(f"{MAIN}xf")):
                    fmt_id = int(xf.get("numFmtId", "0"))
                    # Chinese-locale built-in date formats (27–36, 50–58) have no code here.
                    if (
                        27 <= fmt_id <= 36
                        or 50 <= fmt_id <= 58
                        or is_date_format(formats.get(fmt_id, ""))
                    ):
                        dated.add(index)
    return frozenset(dated), date1904


def _numbers(dated: frozenset[int], epoch: datetime) -> Callable[[str, str | None], str]:
    """A number cell's text as the CSV reader would see it, given the cell's style."""
    styles: dict[str | None, bool] = {}
    # A registry's dates repeat (some thousands of days in 100,000 rows), and openpyxl's
    # conversion is the dearest part of a cell: each serial is converted once.
    dates: dict[str, str] = {}

    def number(text: str, style: str | None) -> str:
        is_date = styles.get(style)
        if is_date is None:
            is_date = int(style or "0") in dated
            if len(styles) < 10_000:  # a style is a few dozen ids; a crafted sheet, more
                styles[style] = is_date
        try:
            value = float(text)
        except ValueError:
            # No t="s" and no number: some exporters write text (a credit code such as
            # 91360121564376716M) this way. Excel shows it as written; so do we.
            return text.strip()
        if is_date:
            known = dates.get(text)
            if known is None:
                known = _date(value, epoch, text)
                if len(dates) < 100_000:
                    dates[text] = known
            return known
        if value.is_integer() and "e" not in text and "E" not in text:
            return str(int(value))
        return text

    return number


def _date(value: float, epoch: datetime, text: str) -> str:
    """A date-styled number cell's text: its date; a time under one day; as written past
    year 9999 (for the date check to name)."""
    from openpyxl.utils.datetime import from_excel

    try:
        moment = from_excel(value, epoch)
    except (ValueError, OverflowError):
        return text.strip()
    if isinstance(moment, datetime):
        return moment.date().isoformat()
    return str(moment.isoformat())  # under one day is a time of day: no date to give


def sheet_rows(zipped: zipfile.ZipFile, fast: bool = True) -> Iterator[tuple[int, list[str]]]:
    """Every row of the first sheet, with its 1-based sheet row number. The zip's directory
    is checked first (zip_budget.open_checked); raises PartTooLarge past a limit.
    `fast=False` reads every row and string item by expat callbacks (jianguan/xlsx_fast.py
    must give the same; the differential tests compare)."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    book = Budget(zipped)
    strings = _shared_strings(book, fast)
    dated, date1904 = _date_styles(book)
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    with book.open(_first_sheet(book)) as source:
        yield from xlsx_expat.sheet_rows(source, strings, _numbers(dated, epoch), fast)
