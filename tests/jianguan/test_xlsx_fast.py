"""The fast path of the .xlsx reader (jianguan/xlsx_fast.py: regular rows and string items by
regular expression) gives what the expat callbacks alone give: the same rows for every
workbook, the same kind of error for every broken one. Drawn sheets mix the regular shapes
with every awkward one we know (no references, cells out of order or twice, inline and rich
text, phonetic runs, entities and character references, CDATA, comments, formulas,
booleans, errors, dates, whitespace, CR LF, prefixes, other namespaces and encodings), read
in chunks small enough that every seam falls somewhere new."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jianguan import xlsx_expat, xlsx_fast
from jianguan.xlsx_expat import column_letters
from jianguan.xlsx_rows import sheet_rows
from tests.attack.registry_strategies import Sheet
from tests.attack.xlsx_craft import members_of, workbook_bytes
from tests.random_budget import examples

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"

_RAW = st.text(alphabet="ab 名称中\t\n]>&<\"'x&#;\r", max_size=8)


def _escaped(draw: st.DrawFn, raw: str) -> str:
    """`raw` as some writer would put it in XML text: always & and <, maybe > and quotes,
    maybe character references, maybe CR LF as written."""
    how = draw(st.sampled_from(["min", "full", "refs"]))
    out = []
    for ch in raw:
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">" and how != "min":
            out.append("&gt;")
        elif ch == '"' and how == "full":
            out.append("&quot;")
        elif how == "refs" and ord(ch) > 127:
            out.append(f"&#x{ord(ch):X};" if ord(ch) % 2 else f"&#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


@st.composite
def _text(draw: st.DrawFn) -> str:
    return _escaped(draw, draw(_RAW))


@st.composite
def _cell(draw: st.DrawFn, ref: str, strings: int) -> str:
    r = f' r="{ref}"' if ref else ""
    s = draw(st.sampled_from(["", "", ' s="0"', ' s="1"']))  # style 1 shows a date
    text = draw(_text())
    space = draw(st.sampled_from(["", "", ' xml:space="preserve"']))
    index = draw(st.integers(0, strings)) if draw(st.integers(0, 19)) == 0 else 0
    if strings and index == 0:
        index = draw(st.integers(0, strings - 1))  # else the index is past the last string
    shapes = [
        f'<c{r}{s} t="s"><v>{index}</v></c>',
        f'<c{r} t="inlineStr"><is><t{space}>{text}</t></is></c>',
        f"<c{r}{s}><v>{draw(st.sampled_from(['1', '2.5', '1e3', ' 7 ', '45000', 'x', '']))}</v></c>",
        f'<c{r}{s} t="n"><v>{draw(st.sampled_from(["0", "-1.25", "44927"]))}</v></c>',
        f'<c{r} t="b"><v>{draw(st.sampled_from(["0", "1", "true", " 1 "]))}</v></c>',
        f'<c{r} t="e"><v>#REF!</v></c>',
        f'<c{r} t="str"><f>SUM(A1)</f><v>{text}</v></c>',
        f'<c{r} t="str"><f>A1&amp;"x"</f><v>{text}</v></c>',
        f'<c{r} t="d"><v>2024-02-29T10:00:00</v></c>',
        f"<c{r}{s}/>",
        f'<c{r} t="inlineStr" />',
        f"<c{r}{s}><v/></c>",
        f'<c t="s"{r}><v>0</v></c>',  # attributes in another order
        f"<c r='{ref or 'A1'}' t='inlineStr'><is><t>{text}</t></is></c>",
        f'<c{r} t="inlineStr"><is><r><rPr><b/></rPr><t>{text}</t></r><r><t xml:space="preserve"> '
        f'{draw(_text())}</t></r><rPh sb="0" eb="1"><t>拼音</t></rPh></is></c>',
        f'<c{r} t="inlineStr"><is><t><![CDATA[{draw(_RAW).replace("]]>", "")}]]></t></is></c>',
        f"<c{r}><!-- a comment --><v>3</v></c>",
        f'<c{r} t="inlineStr">\n  <is><t>{text}</t></is>\n</c>',
        f"<c{r}><t>{text}</t></c>",  # a <t> outside <is>: taken only inside one
        f'<c{r} t="inlineStr"> <is><t>{text}</t></is></c>',
    ]
    return draw(st.sampled_from(shapes[1:3] * 6 + shapes))


def _refs(draw: st.DrawFn, number: int, count: int) -> list[str]:
    style = draw(st.sampled_from(["order"] * 4 + ["none", "shuffled", "twice", "odd", "gaps"]))
    refs = [f"{column_letters(i)}{number}" for i in range(count)]
    if style == "none":
        return [""] * count
    if style == "shuffled":
        return draw(st.permutations(refs))
    if style == "twice" and refs:
        return [*refs[:-1], refs[0]]
    if style == "odd":
        odd = ["a1", "AAAA1", "XFD1", "XFE1", "ZZZ9", "A", "1", "A1B", ""]
        return [draw(st.sampled_from([*odd, ref])) for ref in refs]
    if style == "gaps":
        return [f"{column_letters(i * 3)}{number}" for i in range(count)]
    return refs


@st.composite
def _row(draw: st.DrawFn, number: int, strings: int, prefix: str, x14ac: bool) -> str:
    count = draw(st.integers(0, 5))
    cells = "".join(draw(_cell(ref, strings)) for ref in _refs(draw, number, count))
    between = draw(st.sampled_from(["", "", "", "\n  ", "\r\n"]))
    if between:
        cells = cells.replace("<c", between + "<c") + between
    good = [
        f' r="{number}"',
        f' r="{number}"',
        "",
        f' r="{number}" spans="1:5"',
        f' spans="1:5" r="{number}"',
        f" r='{number}'",
        f' r="{number}" ht="15"  customHeight="1" ',
        f' r="{number + 7}"',
        f' r="{number}" xml:lang="zh"',
    ]
    if x14ac:
        good.append(f' r="{number}" x14ac:dyDescent="0.25"')
    bad = [
        f' r="{number}" x14ac:dyDescent="0.25"',  # unbound without the declaration
        f' r="{number}" r="{number}"',
        ' r="x"',
        f' r="{number}" xmlns="{MAIN}"',
        f' r="{number}" xmlns="urn:other"',
        f' r="{number}" x14ac:r="1" xmlns:x14ac="{X14AC}"',
    ]
    attrs = draw(st.sampled_from(bad if draw(st.integers(0, 14)) == 0 else good))
    row = f"{prefix}row"
    if not cells and draw(st.booleans()):
        return f"<{row}{attrs}/>"
    return f"<{row}{attrs}>{cells.replace('<c', f'<{prefix}c').replace('</c>', f'</{prefix}c>')}</{row}>"


@st.composite
def sheet_xml(draw: st.DrawFn, strings: int) -> bytes:
    declaration = draw(
        st.sampled_from(
            [
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
                "",
                '<?xml version="1.0"?>',
                '<?xml version="1.0" encoding="utf-8"?>',
                '<?xml version="1.0" encoding="ISO-8859-1"?>',
            ]
        )
    )
    root = draw(
        st.sampled_from(
            ["plain"] * 3 + ["x14ac"] * 2 + ["prefixed", "foreign", "in-is", "in-rph", "in-row"]
        )
    )
    prefix = "x:" if root == "prefixed" else ""
    rows = []
    between = draw(st.sampled_from(["", "", "\n", "<!-- rows -->", "<?pi x?>", "]", "\r"]))
    for number in range(1, draw(st.integers(0, 6)) + 1):
        rows.append(draw(_row(number, strings, prefix, root == "x14ac")))
    if rows and draw(st.integers(0, 4)) == 0:
        # A row where expat reads none: in a comment, a CDATA section, a PI.
        at = draw(st.integers(0, len(rows) - 1))
        hide = draw(st.sampled_from(["<!-- {} -->", "<x><![CDATA[{}]]></x>", "<?pi {} ?>"]))
        rows[at] = hide.format(rows[at])
    body = between.join(rows)
    if root == "prefixed":
        head = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
        tail = "</x:sheetData></x:worksheet>"
    elif root == "foreign":
        head = f'<worksheet xmlns="{MAIN}"><sheetData xmlns="urn:other">'
        tail = "</sheetData></worksheet>"
    elif root in ("in-is", "in-rph", "in-row"):
        # Rows inside what the callbacks track (an open inline string, phonetic run, row).
        opened, closed = {
            "in-is": ("<is><t>", "</t></is>"),
            "in-rph": ("<rPh><t>", "</t></rPh>"),
            "in-row": ('<row r="99"><c r="A99"><v>1</v></c>', "</row>"),
        }[root]
        head = f'<worksheet xmlns="{MAIN}"><sheetData>{opened}'
        tail = f"{closed}</sheetData></worksheet>"
    else:
        x14ac = f' xmlns:x14ac="{X14AC}"' if root == "x14ac" else ""
        head = f'<worksheet xmlns="{MAIN}"{x14ac}><sheetPr/><sheetData>'
        tail = '</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
        tail += '<rowBreaks count="1"><brk id="2"/></rowBreaks></worksheet>'
    xml = declaration + head + body + tail
    data = xml.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    damage = draw(st.integers(0, 19))
    if damage == 0 and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == 1:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"<", b"&", b"\x01", b"\xff", b"&x;"])) + data[at:]
    return data


@st.composite
def strings_xml(draw: st.DrawFn) -> tuple[bytes, int]:
    items = []
    for _ in range(draw(st.integers(0, 5))):
        text = draw(_text())
        items.append(
            draw(
                st.sampled_from(
                    [
                        f"<si><t>{text}</t></si>",
                        f'<si><t xml:space="preserve">{text}</t></si>',
                        f'<si><t>{text}</t><phoneticPr fontId="1" type="noConversion"/></si>',
                        f'<si><r><t>{text}</t></r><r><rPr><sz val="11"/></rPr><t>{draw(_text())}'
                        '</t></r><rPh sb="0" eb="1"><t>py</t></rPh></si>',
                        f"<si>\n  <t>{text}</t>\n</si>",
                        "<si><t/></si>",
                        "<si/>",
                        f'<si><t>{text}</t><phoneticPr fontId="1" fontId="2"/></si>',
                        f"<si><t>{text}</t><si><t>{draw(_text())}</t></si></si>",
                        f"<rPh><si><t>{text}</t></si></rPh>",
                        f"<!-- <si><t>{text}</t></si> -->",
                    ]
                )
            )
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="{MAIN}" count="{len(items)}">{"".join(items)}</sst>'
    )
    return xml.encode("utf-8"), len(items)


def _read(data: bytes, fast: bool) -> Any:
    """The rows read, or the kind of error."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        try:
            return list(sheet_rows(book, fast))
        except Exception as err:
            return type(err).__name__


def _both(members: dict[str, bytes | str], chunk: int) -> tuple[Any, Any]:
    data = workbook_bytes(members)
    with mock.patch.object(xlsx_expat, "_CHUNK", chunk):
        return _read(data, fast=True), _read(data, fast=False)


@st.composite
def workbooks(draw: st.DrawFn) -> dict[str, bytes | str]:
    members = members_of(Sheet([["x"]]), ["inline"])
    strings, count = draw(strings_xml())
    members[STRINGS] = strings
    members[SHEET] = draw(sheet_xml(count))
    return members


CHUNKS = st.sampled_from([1, 3, 7, 64, 1 << 16])


@settings(max_examples=examples(600))
@given(workbooks(), CHUNKS)
@example(
    {
        **members_of(Sheet([["x"]]), ["inline"]),
        SHEET: f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="B1" t="inlineStr"><is>'
        "<t>&#x4E2D;&amp;</t></is></c></row></sheetData></worksheet>",
    },
    5,
)
def test_the_fast_path_reads_what_the_callbacks_read(
    members: dict[str, bytes | str], chunk: int
) -> None:
    fast, slow = _both(members, chunk)
    assert fast == slow


@settings(max_examples=examples(100))
@given(workbooks())
def test_regular_rows_are_read_the_same_at_any_chunk_size(members: dict[str, bytes | str]) -> None:
    """The chunks' seams change nothing: not where a row is held, nor which rows expat gets."""
    data = workbook_bytes(members)
    results = {}
    for chunk in (1, 5, 1 << 16):
        with mock.patch.object(xlsx_expat, "_CHUNK", chunk):
            results[chunk] = _read(data, fast=True)
    if all(isinstance(r, list) for r in results.values()):
        assert results[1] == results[5] == results[1 << 16]


def _openpyxl_book(write_only: bool) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    awkward = [
        "A&B 有限公司",
        "<tag>",
        "  padded  ",
        "line\nbreak",
        "中&#x4E2D;",
        "",
        "]]>",
        "x\ty",
    ]
    for i in range(600):
        sheet.append(
            [
                awkward[i % len(awkward)] + str(i),
                i,
                i / 8,
                datetime(2020, 1, 1 + i % 28),
                i % 3 == 0,
                None if i % 5 else "tail",
                f"91360121MA{i:08d}",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("write_only", [True, False])
def test_an_openpyxl_workbook_reads_the_same_both_ways(write_only: bool) -> None:
    """openpyxl's inline strings (write-only) and shared strings (normal mode), more than one
    chunk of them, with text that needs escaping in every row."""
    data = _openpyxl_book(write_only)
    fast, slow = _read(data, fast=True), _read(data, fast=False)
    assert isinstance(fast, list) and len(fast) == 600
    assert fast == slow
    assert fast[1][1][:3] == ["<tag>1", "1", "0.125"]


@pytest.mark.parametrize("write_only", [True, False])
def test_an_openpyxl_workbook_goes_through_the_fast_path(
    write_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The differential tests would pass with the fast path never taken: count what it read."""
    taken: list[int] = []
    real_init = xlsx_fast.FastStream.__init__

    def counting(self: Any, parser: Any, start: Any, take: Any, *rest: Any) -> None:
        def counted(text: str, at: int) -> int:
            end: int = take(text, at)
            if end > 0:
                taken.append(end)
            return end

        real_init(self, parser, start, counted, *rest)

    monkeypatch.setattr(xlsx_fast.FastStream, "__init__", counting)
    assert len(_read(_openpyxl_book(write_only), fast=True)) == 600
    # Half the awkward texts need an entity (&amp; &lt; &gt;), which expat reads: in
    # write-only mode their rows (inline strings), in normal mode their shared strings. The
    # other half, and in normal mode every row, are the fast path's.
    assert len(taken) >= 300


def test_a_utf16_sheet_is_left_to_expat() -> None:
    members = members_of(Sheet([["x"]]), ["inline"])
    xml = (
        f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>名</t></is></c></row></sheetData></worksheet>'
    )
    members[SHEET] = xml.encode("utf-16")
    assert _both(members, 1 << 16) == ([(1, ["名"])], [(1, ["名"])])


def _row_of(attributes: str = "", text: str = "名") -> str:
    return (
        f'<row r="1"{attributes}><c r="A1" t="inlineStr"><is><t>{text}</t></is></c>'
        '<c r="B1"><v>2</v></c></row>'
    )


_ROW = _row_of()
_OPEN = f'<worksheet xmlns="{MAIN}"><sheetData>'
_CLOSE = "</sheetData></worksheet>"
_PQ = f'<worksheet xmlns="{MAIN}" xmlns:p="urn:p" xmlns:q="urn:p"><sheetData>'
# Each one is a way the fast path could read what expat does not (or the other way round).
AWKWARD = {
    "another encoding declared": (
        f'<?xml version="1.0" encoding="ISO-8859-1"?>{_OPEN}{_ROW}{_CLOSE}'
    ),
    "a BOM": f"\ufeff{_OPEN}{_ROW}{_CLOSE}",
    "rows inside a phonetic run": f"{_OPEN}<rPh><t>{_ROW}</t></rPh>{_CLOSE}",
    "rows inside an inline string": (
        f'{_OPEN}<is><t><row r="1"><c r="A1"><t>x</t></c></row>{_ROW}</t></is>{_CLOSE}'
    ),
    "a regular row inside an inline string, then another": (
        f'{_OPEN}<is>{_ROW}<row r="2"><c r="A2"><t>y</t></c></row></is>{_CLOSE}'
    ),
    "a regular row inside a value, then another": (
        f'{_OPEN}<x><v>{_ROW}<row r="2"><c r="A2"> z </c></row></v></x>{_CLOSE}'
    ),
    "rows inside a row": f'{_OPEN}<row r="9"><c r="A9"><v>1</v></c>{_ROW}</row>{_CLOSE}',
    "rows inside a text": f'{_OPEN}<row r="9"><c r="A9"><v>1{_ROW}</v></c></row>{_CLOSE}',
    "a row in a comment": f"{_OPEN}<!-- {_ROW} -->{_ROW}{_CLOSE}",
    "a row in CDATA": f"{_OPEN}<x><![CDATA[{_ROW}]]></x>{_ROW}{_CLOSE}",
    "a row in a processing instruction": f"{_OPEN}<?pi {_ROW} ?>{_ROW}{_CLOSE}",
    "a row in an attribute": f'{_OPEN}<x a="{_ROW}"/>{_CLOSE}',
    "a row inside a tag left open": f'{_OPEN}<x a="1" {_ROW}></x>{_CLOSE}',
    "a row inside a reference": f"{_OPEN}<x>&am{_ROW}p;</x>{_CLOSE}",
    '"]]" before a row, ">" after it': f"{_OPEN}<x>]]{_ROW}></x>{_CLOSE}",
    "CR before a row, LF after it": f"{_OPEN}<x>\r{_ROW}\n</x>{_CLOSE}",
    "rows after the root": f"{_OPEN}{_CLOSE}{_ROW}",
    "a row as the root": _ROW,
    "rows of another namespace": f'{_OPEN}<x xmlns="urn:other">{_ROW}</x>{_CLOSE}',
    "a row that declares a namespace": _OPEN + _row_of(' xmlns="urn:o"') + _CLOSE,
    "a row with an unbound prefix": _OPEN + _row_of(' p:x="1"') + _CLOSE,
    "a row with a prefix bound on a parent": (
        _OPEN + '<x xmlns:p="urn:p">' + _row_of(' p:x="1"') + "</x>" + _CLOSE
    ),
    "a row with a prefix bound, then unbound": (
        _OPEN + '<x xmlns:p="urn:p"/>' + _row_of(' p:x="1"') + _CLOSE
    ),
    "a row with one name twice by prefix": _PQ + _row_of(' p:x="1" q:x="2"') + _CLOSE,
    "a row with r by prefix too": _PQ + _row_of(' p:r="7" spans="1:2"') + _CLOSE,
    "an entity in a row": f"{_OPEN}{_row_of(text='&amp;&#x4E2D;&lt;')}{_CLOSE}",
    "an undefined entity in a row": f"{_OPEN}{_row_of(text='&nbsp;')}{_CLOSE}",
    "U+FFFE in a row": f"{_OPEN}{_row_of(text=chr(0xFFFE))}{_CLOSE}",
    "a control character in a row": f"{_OPEN}{_row_of(text=chr(1))}{_CLOSE}",
    "a row never closed": f'{_OPEN}{_ROW}<row r="2"><c r="A2"><v>1</v></c>',
    "a self-closed row, then more": f'{_OPEN}<row r="4"/><row spans="1:2"/>{_ROW}{_CLOSE}',
}


@pytest.mark.parametrize("chunk", [1, 7, 1 << 16])
@pytest.mark.parametrize("name", list(AWKWARD))
def test_an_awkward_sheet_reads_the_same_both_ways(name: str, chunk: int) -> None:
    members = members_of(Sheet([["x"]]), ["inline"])
    members[SHEET] = AWKWARD[name].encode("utf-8")
    fast, slow = _both(members, chunk)
    assert fast == slow


def test_an_invalid_utf8_byte_is_expats_to_refuse() -> None:
    members = members_of(Sheet([["x"]]), ["inline"])
    members[SHEET] = f"{_OPEN}{_ROW}{_CLOSE}".encode().replace("名".encode(), b"\xe5\x90")
    assert _both(members, 1 << 16) == ("ExpatError", "ExpatError")


_SI = "<si><t>名</t></si>"
AWKWARD_STRINGS = {
    "nested items": f"<si><t>a</t>{_SI}</si>",
    "an item in a phonetic run": f"<rPh><t>{_SI}</t></rPh>",
    "an item in a comment": f"<!-- {_SI} -->",
    "an item in a text": f"<si><t>a{_SI}</t></si>",
    "phonetic properties twice": '<si><t>a</t><phoneticPr fontId="1" fontId="2"/></si>',
    "an entity": "<si><t>&amp;&#20013;</t></si>",
    "rich text and a phonetic run": (
        '<si><r><t>a</t></r><r><t xml:space="preserve"> b</t></r><rPh sb="0" eb="1"><t>p</t>'
        '</rPh><phoneticPr fontId="1" type="noConversion"/></si>'
    ),
}


@pytest.mark.parametrize("chunk", [1, 7, 1 << 16])
@pytest.mark.parametrize("name", list(AWKWARD_STRINGS))
def test_awkward_shared_strings_read_the_same_both_ways(name: str, chunk: int) -> None:
    members = members_of(Sheet([["x"]]), ["inline"])
    items = f"{_SI}{AWKWARD_STRINGS[name]}{_SI}"
    members[STRINGS] = f'<sst xmlns="{MAIN}">{items}</sst>'.encode()
    cells = "".join(f'<c r="{column_letters(i)}1" t="s"><v>{i}</v></c>' for i in range(4))
    members[SHEET] = f'{_OPEN}<row r="1">{cells}</row>{_CLOSE}'.encode()
    fast, slow = _both(members, chunk)
    assert fast == slow
