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
import operator
import re
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from jianguan import import_limits as limits
from jianguan.import_limits import PartTooLarge
from jianguan.xlsx_fast import ATTRIBUTE, SPACE, TEXT, FastStream, attribute, attributes_usable
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


@functools.cache
def _in_order() -> tuple[str, ...]:
    """Every column's letters in order, A to ZZZ."""
    return tuple(_columns())


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


class _Text:
    """The text being captured: what the callbacks of both readers collect between an
    element that starts it (<t>, <v>) and that element's end."""

    __slots__ = ("on", "text")

    def __init__(self) -> None:
        self.on = False
        self.text = ""

    def chars(self, data: str) -> None:
        if self.on:
            self.text += data


def _reader(start: Callable[..., None], end: Callable[[str], None], text: _Text) -> Any:
    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.chars
    return parser


def _uncaptured(pattern: str) -> str:
    """`pattern` with its groups made non-capturing (to embed it in a bigger one)."""
    return re.sub(r"\((?!\?)", "(?:", pattern)


# The string items and rows the fast path reads (jianguan/xlsx_fast.py): the shapes Excel,
# WPS and openpyxl write, with exactly what the callbacks below take from them.
_SI_START = re.compile(r"<si[ \t\r\n/>]")
_SI_ITEM = re.compile(
    rf'<si>{SPACE}*+<t(?: xml:space="preserve")?>({TEXT})</t>{SPACE}*+'
    rf'(?:<phoneticPr fontId="[0-9]++"(?: type="[A-Za-z]++")?(?: alignment="[A-Za-z]++")?'
    rf"{SPACE}*+/>{SPACE}*+)?</si>"
)
_ROW_START = re.compile(r"<row[ \t\r\n/>]")
# A row's start tag: (r, the other attributes, "/" if the row is empty).
_ROW_HEAD = re.compile(rf'<row(?: r="([0-9]++)")?((?:{_uncaptured(ATTRIBUTE)})*+){SPACE}*+(/?)>')
# Each cell of a row's content: (column letters, style, type, <v> text, inline <t> text), ""
# for what it has not; or, in the last group, a character that is not part of a regular
# cell, and so makes the row irregular. One `findall` both reads and checks the row.
_CELLS = re.compile(
    rf'{SPACE}*+<c(?: r="([A-Z]{{1,3}})[0-9]++")?(?: s="([0-9]++)")?(?: t="([A-Za-z]++)")?'
    rf"{SPACE}*+(?:/>|>(?:<f>{TEXT}</f>)?(?:<v>({TEXT})</v>"
    rf'|<is><t(?: xml:space="preserve")?>({TEXT})</t></is>)?</c>)'
    r"|([\s\S])"
)


def shared_strings(source: CountedPart, fast: bool = True) -> list[str]:
    """Each string item's text, without phonetic guides (<rPh>) and stripped (as cells
    use them). `fast=False`: every item by the expat callbacks."""
    strings: list[str] = []
    text = _Text()
    depth = 0  # of open <si>
    phonetic = False

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal depth, phonetic
        if name == _T:
            text.on = not phonetic
        elif name == _SI:
            text.text = ""
            depth += 1
        elif name == _RPH:
            phonetic = True

    def end(name: str) -> None:
        nonlocal depth, phonetic
        if name == _T:
            text.on = False
        elif name == _SI:
            strings.append(text.text.strip())
            depth -= 1
        elif name == _RPH:
            phonetic = False

    def take(text: str, at: int) -> int:
        item = _SI_ITEM.match(text, at)
        if item is None:
            return -1 if text.find("</si>", at) < 0 else 0
        strings.append(item.group(1).strip())
        return item.end()

    def neutral() -> bool:
        return not (depth or phonetic or text.on)

    parser = _reader(start, end, text)
    stream = FastStream(parser, _SI_START, take, neutral, fast)
    finished = Finished()
    for chunk in checked_chunks(source, finished):
        before = len(strings)
        stream.feed(chunk)
        finished.items += len(strings) - before
    stream.close()
    return strings


def sheet_rows(
    source: CountedPart,
    strings: list[str],
    number: Callable[[str, str | None], str],
    fast: bool = True,
) -> Iterator[tuple[int, list[str]]]:
    """Every row of the sheet part as (1-based sheet row, [cell text, ...]): cells placed by
    their reference (or after the previous cell when it has none), empty cells as "".
    `strings` are the shared strings; `number(text, style)` turns a number cell's text into
    the text the CSV reader would see. `fast=False`: every row by the expat callbacks."""
    rows: list[tuple[int, list[str]]] = []
    columns = _columns()
    row_number = 0
    values: list[str] = []
    col = -1  # the previous cell's column
    at = 0  # the current cell's column
    kind: str = "n"
    style: str | None = None
    text = _Text()
    depth = 0  # of open rows
    in_is = phonetic = False

    def value_of(kind: str, text: str, style: str | None) -> str:
        """A non-empty cell's text as the CSV reader would see it, by the cell's type."""
        if kind == "s":
            return strings[int(text)]
        if kind == "inlineStr" or kind == "str" or kind == "e":
            return text.strip()
        if kind == "n":
            return number(text, style)
        if kind == "b":
            return "true" if text.strip() in ("1", "true") else "false"
        if kind == "d":
            return text[:10]  # an ISO 8601 date (and time): the date
        return text.strip()

    def start(name: str, attrs: list[str]) -> None:
        nonlocal row_number, values, col, at, kind, style, depth, in_is, phonetic
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
            text.text = ""
        elif name == _T:
            text.on = in_is and not phonetic
        elif name == _V:
            text.text = ""
            text.on = True
        elif name == _IS:
            text.text = ""
            in_is = True
        elif name == _ROW:
            named = dict(zip(attrs[::2], attrs[1::2], strict=True))
            row_number = int(named.get("r") or row_number + 1)
            values = []
            col = -1
            depth += 1
        elif name == _RPH:
            phonetic = True

    def end(name: str) -> None:
        nonlocal values, depth, in_is, phonetic
        if name in (_T, _V):
            text.on = False
        elif name == _C:
            if not text.text:
                return
            value = value_of(kind, text.text, style)
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
            depth -= 1
        elif name == _RPH:
            phonetic = False

    def take(text: str, at: int) -> int:
        """A regular row, read as the callbacks above would read it."""
        nonlocal row_number
        head = _ROW_HEAD.match(text, at)
        if head is None:
            return -1 if text.find(">", at) < 0 else 0
        ref, others, empty = head.group(1, 2, 3)
        end = head.end()
        body = ""
        if not empty:
            close = text.find("</row>", end)
            if close < 0:
                return -1
            body, end = text[end:close].rstrip(" \t\r\n"), close + 6
        if others:
            if not attributes_usable(others, stream.bound, "" if ref is None else "r"):
                return 0
            if ref is None:
                ref = attribute(others, "r")
        found = _CELLS.findall(body)
        if not found:
            row_number = int(ref or row_number + 1)
            rows.append((row_number, []))
            return end
        letters, styles, kinds, vs, ts, junk = zip(*found, strict=True)
        if any(junk):
            return 0
        row_number = int(ref or row_number + 1)
        raw = list(map(operator.add, vs, ts))  # a cell has one of the two, or neither
        n = len(raw)
        if letters == _in_order()[:n]:
            # A, B, C, ... as Excel writes them: a cell's place is its index. Inline strings
            # are the cells stripped; the other kinds are put right one kind at a time.
            cells = list(map(str.strip, raw))
            if kinds.count("inlineStr") != n:
                for kind in set(kinds) - {"inlineStr"}:
                    i = -1
                    for _ in range(kinds.count(kind)):
                        i = kinds.index(kind, i + 1)
                        if raw[i]:
                            cells[i] = value_of(kind or "n", raw[i], styles[i] or None)
            while cells and not raw[len(cells) - 1]:
                cells.pop()  # the callbacks make no place for empty cells at the end
        else:
            cells = []
            col = -1
            for i in range(n):
                col = columns[letters[i]] if letters[i] else col + 1
                if not raw[i]:
                    continue
                value = value_of(kinds[i] or "n", raw[i], styles[i] or None)
                if col == len(cells):
                    cells.append(value)
                elif col > len(cells):
                    cells.extend([""] * (col - len(cells)))
                    cells.append(value)
                else:
                    cells[col] = value
        rows.append((row_number, cells))
        return end

    def neutral() -> bool:
        return not (depth or in_is or phonetic or text.on)

    parser = _reader(start, end, text)
    parser.ordered_attributes = True
    stream = FastStream(parser, _ROW_START, take, neutral, fast)
    finished = Finished()
    for chunk in checked_chunks(source, finished):
        stream.feed(chunk)
        finished.items += len(rows)
        yield from rows
        rows.clear()
    stream.close()
    yield from rows
