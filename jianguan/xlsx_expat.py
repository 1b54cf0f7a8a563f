"""The sheet's rows and the shared strings of an .xlsx, read by expat callbacks.

A 100,000-row sheet is some four million XML events. Building an element per event
(ElementTree's pull parser) and walking it again in Python took 11 s where the C parser
alone takes about 1 s, so here each event is one small Python callback that updates the
row being built: no element objects, no per-cell function calls on the common paths
(issue 11: the .xlsx import within 2x of the CSV one).

The guards are those of the rest of the .xlsx reader: a document type declaration is
refused (by the parser's own doctype callback and by a byte scan of every chunk, so no
entity is ever declared, let alone expanded); every part is read through the unpack budget
of jianguan/zip_budget.py; and no more than XLSX_ELEMENT_BYTES of XML may pass between
two rows (or two shared strings), so a crafted part is refused before we hold it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from jianguan import import_limits as limits
from jianguan.import_limits import PartTooLarge
from jianguan.zip_budget import CountedPart

# Element names as expat reports them with namespace processing: "<uri>}<local name>", so
# any prefix (x:c, or none) bound to the spreadsheet namespace reads the same.
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C, _V, _IS, _T, _ROW, _RPH, _SI = (
    _NS + local for local in ("c", "v", "is", "t", "row", "rPh", "si")
)
_DOCTYPE = b"<!DOCTYPE"
_CHUNK = 1 << 16
_DIGITS = "0123456789"


class UnreadableSheet(ValueError):
    """The workbook's parts are missing or malformed; `row` is where, if a row was reached."""

    def __init__(self, reason: str, row: int = 0) -> None:
        super().__init__(reason)
        self.row = row


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@functools.cache
def _columns() -> dict[str, int]:
    """Column letters to 0-based index for every reference of one to three letters (A to
    ZZZ, past Excel's XFD as the reader always took them): one dict lookup a cell. Built at
    the first workbook, not at import: 18,278 entries take some 10 ms, which every command
    line start would pay."""
    return {column_letters(i): i for i in range(26 + 26**2 + 26**3)}


def _refuse_doctype(*_args: object) -> None:
    raise UnreadableSheet("a document type declaration (DTD) is not allowed")


def _parser() -> Any:
    """An expat parser with namespace processing that refuses any DTD."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK  # a long text arrives in few pieces (each one is a copy)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    return parser


class Finished:
    """How many items (rows, string items) of a part the caller's parser has finished."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items = 0


def checked_chunks(source: CountedPart, finished: Finished) -> Iterator[bytes]:
    """The part a chunk at a time, for the caller to parse. Refuses a DTD (a byte scan of
    every chunk, across their seams), and more than XLSX_ELEMENT_BYTES of XML during which
    `finished.items` did not grow: a crafted part is refused there, not held by the
    parser."""
    since = 0
    tail = b""
    seen = finished.items
    while chunk := source.read(_CHUNK):
        # "<" is escaped in text and Excel writes no CDATA, so this is a declaration.
        if _DOCTYPE in tail + chunk[: len(_DOCTYPE)] or _DOCTYPE in chunk:
            raise UnreadableSheet("a document type declaration (DTD) is not allowed")
        tail = chunk[-len(_DOCTYPE) :]
        yield chunk
        now = finished.items
        since = 0 if now != seen else since + len(chunk)
        seen = now
        if since > limits.XLSX_ELEMENT_BYTES:
            raise PartTooLarge(source.name, limits.XLSX_ELEMENT_BYTES, "element")


def _feed(parser: Any, source: CountedPart, ended: list[Any]) -> Iterator[None]:
    """Feeds the part to `parser` a chunk at a time, pausing after each chunk (the caller
    takes what the callbacks appended to `ended`, and may empty it)."""
    finished = Finished()
    for chunk in checked_chunks(source, finished):
        before = len(ended)
        parser.Parse(chunk, False)
        finished.items += len(ended) - before
        yield
    parser.Parse(b"", True)
    yield


def shared_strings(source: CountedPart) -> list[str]:
    """Each string item's text, without phonetic guides (<rPh>) and stripped (as cells
    use them)."""
    strings: list[str] = []
    parser = _parser()
    text = ""
    capture = phonetic = False

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal text, capture, phonetic
        if name == _T:
            capture = not phonetic
        elif name == _SI:
            text = ""
        elif name == _RPH:
            phonetic = True

    def end(name: str) -> None:
        nonlocal capture, phonetic
        if name == _T:
            capture = False
        elif name == _SI:
            strings.append(text.strip())
        elif name == _RPH:
            phonetic = False

    def chars(data: str) -> None:
        nonlocal text
        if capture:
            text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    for _ in _feed(parser, source, strings):
        pass
    return strings


def sheet_rows(
    source: CountedPart, strings: list[str], number: Callable[[str, str | None], str]
) -> Iterator[tuple[int, list[str]]]:
    """Every row of the sheet part as (1-based sheet row, [cell text, ...]): cells placed by
    their reference (or after the previous cell when it has none), empty cells as "".
    `strings` are the shared strings; `number(text, style)` turns a number cell's text into
    the text the CSV reader would see."""
    rows: list[tuple[int, list[str]]] = []
    columns = _columns()
    parser = _parser()
    parser.ordered_attributes = True
    row_number = 0
    values: list[str] = []
    col = -1  # the previous cell's column
    at = 0  # the current cell's column
    kind: str = "n"
    style: str | None = None
    text = ""
    capture = in_is = phonetic = False

    def start(name: str, attrs: list[str]) -> None:
        nonlocal row_number, values, col, at, kind, style, text, capture, in_is, phonetic
        if name == _C:
            # Attributes come as [name, value, ...] (no dict per element); the spellings
            # Excel and openpyxl write are matched as they stand.
            ref: str | None
            n = len(attrs)
            if n == 4 and attrs[0] == "r" and attrs[2] == "t":
                ref, kind, style = attrs[1], attrs[3], None
            elif n == 6 and attrs[0] == "r" and attrs[2] == "s" and attrs[4] == "t":
                ref, style, kind = attrs[1], attrs[3], attrs[5]
            elif n == 2 and attrs[0] == "r":
                ref, kind, style = attrs[1], "n", None
            else:
                named = dict(zip(attrs[::2], attrs[1::2], strict=True))
                ref, kind, style = named.get("r"), named.get("t", "n"), named.get("s")
            if ref is None:
                col += 1
            else:
                index = columns.get(ref.rstrip(_DIGITS))
                col = col + 1 if index is None else index
            at = col
            text = ""
        elif name == _T:
            capture = in_is and not phonetic
        elif name == _V:
            text = ""
            capture = True
        elif name == _IS:
            text = ""
            in_is = True
        elif name == _ROW:
            named = dict(zip(attrs[::2], attrs[1::2], strict=True))
            row_number = int(named.get("r") or row_number + 1)
            values = []
            col = -1
        elif name == _RPH:
            phonetic = True

    def end(name: str) -> None:
        nonlocal values, capture, in_is, phonetic
        if name in (_T, _V):
            capture = False
        elif name == _C:
            if not text:
                return
            if kind == "s":
                value = strings[int(text)]
            elif kind == "inlineStr" or kind == "str" or kind == "e":
                value = text.strip()
            elif kind == "n":
                value = number(text, style)
            elif kind == "b":
                value = "true" if text.strip() in ("1", "true") else "false"
            elif kind == "d":
                value = text[:10]  # an ISO 8601 date (and time): the date
            else:
                value = text.strip()
            if at == len(values):
                values.append(value)
            elif at > len(values):
                values.extend([""] * (at - len(values)))
                values.append(value)
            else:
                values[at] = value  # out of order, or the same cell twice: the last one
        elif name == _IS:
            in_is = False
        elif name == _ROW:
            rows.append((row_number, values))
            values = []  # a stray cell after the row must not change what was handed on
        elif name == _RPH:
            phonetic = False

    def chars(data: str) -> None:
        nonlocal text
        if capture:
            text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    for _ in _feed(parser, source, rows):
        yield from rows
        rows.clear()
