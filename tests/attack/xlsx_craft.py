""".xlsx workbooks written part by part (a zip of XML), so every part can be wrong in the
ways Excel, WPS, bureaus' exporters and attackers make it: shared or inline strings, formulas
with cached values, error cells, date cells by style, cell references out of order, missing
or absurd (XFD1048576), a shared-string index beyond the table, external links, a sheet that
is not the first part, damaged zip bytes — and the big ones: a zip bomb (a few MB that
unpack to gigabytes), one huge shared string, a dimension that claims a million rows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import strategies as st

from jianguan.xlsx_expat import column_letters
from tests.attack.registry_strategies import Sheet, sheets

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{extra}</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>{external}</workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "{extra}</Relationships>"
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "{dimension}<sheetData>"
)
SHEET_TAIL = "</sheetData></worksheet>"
EXTERNAL_LINK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1">'
    '<sheetNames><sheetName val="名录"/></sheetNames></externalBook></externalLink>'
)
EXTERNAL_LINK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
    'Target="{target}" TargetMode="External"/></Relationships>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">'
    '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)


def _excel_serial(value: date | datetime) -> float:
    start = datetime(1899, 12, 30)
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return (moment - start).total_seconds() / 86400


class _Strings:
    def __init__(self) -> None:
        self.items: list[str] = []

    def index(self, text: str) -> int:
        self.items.append(text)
        return len(self.items) - 1

    def xml(self) -> str:
        body = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in self.items)
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(self.items)}" uniqueCount="{len(self.items)}">{body}</sst>'
        )


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; a real exporter drops them (Excel writes _x0000_).
    return "".join(ch if ch in "\t\n\r" or ch >= " " else f"_x{ord(ch):04X}_" for ch in text)


def _cell(ref: str, value: Any, strings: _Strings, how: str) -> str:
    """One <c> element for `value`; `how` picks shared / inline / formula spellings."""
    r = f' r="{ref}"' if ref else ""
    if value is None:
        return f"<c{r}/>" if how == "shared" else ""
    if isinstance(value, bool):
        return f'<c{r} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c{r}><v>{value!r}</v></c>"
    if isinstance(value, date | datetime):
        return f'<c{r} s="1"><v>{_excel_serial(value)}</v></c>'
    text = _clean(str(value))
    if how == "inline":
        return f'<c{r} t="inlineStr"><is><t>{escape(text)}</t></is></c>'
    if how == "formula":
        return f'<c{r} t="str"><f>CONCATENATE("{escape(text[:20])}")</f><v>{escape(text)}</v></c>'
    if how == "error":
        return f'<c{r} t="e"><v>#REF!</v></c>'
    if how == "bad-index":
        return f'<c{r} t="s"><v>{10**6}</v></c>'
    return f'<c{r} t="s"><v>{strings.index(text)}</v></c>'


REF_STYLES = ["normal", "normal", "normal", "none", "shuffled", "far", "duplicate"]


def sheet_xml(sheet: Sheet, strings: _Strings, hows: list[str], refs: str, dimension: str) -> str:
    parts = [SHEET_HEAD.format(dimension=dimension)]
    how_at = iter(hows * (1 + sum(len(r) for r in sheet.rows)))
    for number, row in enumerate(sheet.rows, start=1):
        row_ref = {"none": "", "far": str(number + 1_000_000)}.get(refs, str(number))
        cells = []
        for col, value in enumerate(row):
            ref = "" if refs == "none" else f"{column_letters(col)}{row_ref or number}"
            if refs == "far" and col == len(row) - 1:
                ref = f"XFD{row_ref}"
            cells.append(_cell(ref, value, strings, next(how_at)))
        if refs == "shuffled":
            cells.reverse()
        if refs == "duplicate" and cells:
            cells.append(cells[0])
        attr = f' r="{row_ref}"' if row_ref else ""
        parts.append(f"<row{attr}>{''.join(cells)}</row>")
    parts.append(SHEET_TAIL)
    return "".join(parts)


def workbook_bytes(members: dict[str, bytes | str], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def members_of(
    sheet: Sheet,
    hows: list[str],
    refs: str = "normal",
    dimension: str = "",
    external: str | None = None,
    sheet_name: str = "Sheet1",
) -> dict[str, bytes | str]:
    strings = _Strings()
    body = sheet_xml(sheet, strings, hows, refs, dimension)
    extra_types = extra_rels = workbook_external = ""
    members: dict[str, bytes | str] = {}
    if external is not None:
        extra_types = (
            '<Override PartName="/xl/externalLinks/externalLink1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        )
        extra_rels = (
            '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
        )
        workbook_external = (
            '<externalReferences><externalReference r:id="rId4"/></externalReferences>'
        )
        members["xl/externalLinks/externalLink1.xml"] = EXTERNAL_LINK
        members["xl/externalLinks/_rels/externalLink1.xml.rels"] = EXTERNAL_LINK_RELS.format(
            target=escape(external)
        )
    return {
        "[Content_Types].xml": CONTENT_TYPES.format(extra=extra_types),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK.format(name=escape(sheet_name), external=workbook_external),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.format(extra=extra_rels),
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": strings.xml(),
        "xl/worksheets/sheet1.xml": body,
        **members,
    }


HOWS = ["shared", "shared", "shared", "inline", "formula", "error", "bad-index"]
DIMENSIONS = [
    *[""] * 6,
    '<dimension ref="A1:M7"/>',
    '<dimension ref="A1:XFD1048576"/>',
    '<dimension ref="ZZZZ0"/>',
]


@st.composite
def xlsx_bytes(draw: st.DrawFn, kind: str) -> bytes:
    """An .xlsx registry table of `kind`, written in drawn spellings, sometimes damaged."""
    sheet = draw(sheets(kind, typed=True))
    hows = draw(st.lists(st.sampled_from(HOWS), min_size=1, max_size=5))
    if draw(st.booleans()):
        hows = ["shared"]  # as Excel writes it, half the time
    refs = draw(st.sampled_from(REF_STYLES))
    external = draw(
        st.sampled_from(
            [
                None,
                None,
                None,
                "file:///C:/名录/上报.xlsx",
                "\\\\server\\share\\x.xlsx",
                "http://127.0.0.1:1/x.xlsx",
            ]
        )
    )
    members = members_of(
        sheet,
        hows,
        refs,
        draw(st.sampled_from(DIMENSIONS)),
        external,
        draw(st.sampled_from(["Sheet1", "名录", "x" * 40, ""])),
    )
    damage = draw(st.integers(min_value=0, max_value=20))  # 0-5 damage it, a quarter of the time
    if damage == 0:
        members.pop(draw(st.sampled_from(sorted(members))))
    elif damage == 1:
        name = draw(st.sampled_from(sorted(members)))
        members[name] = draw(
            st.sampled_from([b"", b"<", b"not xml", XXE.encode() + b"<x>&d;&e;</x>"])
        )
    elif damage == 2:
        name = "xl/worksheets/sheet1.xml"
        text = members[name]
        assert isinstance(text, str)
        members[name] = XXE + text.split("?>", 1)[1]
    data = workbook_bytes(
        members, draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    )
    if damage == 3:
        flipped = bytearray(data)
        for _ in range(draw(st.integers(min_value=1, max_value=6))):
            flipped[draw(st.integers(min_value=0, max_value=len(flipped) - 1))] ^= 0xFF
        data = bytes(flipped)
    elif damage == 4:
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    elif damage == 5:
        data = draw(
            st.sampled_from(
                [b"", b"PK\x03\x04", b"id,name\n1,2\n", b"\xd0\xcf\x11\xe0" + b"\x00" * 600]
            )
        )
    return data


# The big ones: each is a few MB or less on disk and asks for far more when read.
def _with_streamed(members: dict[str, bytes | str], name: str, pieces: Iterator[bytes]) -> bytes:
    """A zip of `members` with member `name` written from `pieces` as they come (zip64), so
    gigabytes of XML never sit in memory here."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            if member != name:
                archive.writestr(member, data)
        with archive.open(name, "w", force_zip64=True) as handle:
            for piece in pieces:
                handle.write(piece)
    return out.getvalue()


HEADER_ROW = ["id", "name", "district", "industry", "established_on"]


def _base_members() -> dict[str, bytes | str]:
    return members_of(Sheet([HEADER_ROW]), ["shared"])


def zip_bomb(unpacked: int) -> bytes:
    """A sheet of `unpacked` bytes of blank rows (`<row/>`) deflated to about 1/1000."""

    def pieces() -> Iterator[bytes]:
        yield SHEET_HEAD.format(dimension="").encode()
        yield b'<row r="1"><c t="inlineStr"><is><t>id</t></is></c><c t="inlineStr"><is><t>name</t></is></c></row>'
        chunk = b"<row/>" * (1 << 17)
        sent = 0
        while sent < unpacked:
            yield chunk
            sent += len(chunk)
        yield SHEET_TAIL.encode()

    return _with_streamed(_base_members(), "xl/worksheets/sheet1.xml", pieces())


def huge_shared_string(length: int) -> bytes:
    """A header, one row whose name is a shared string of `length` characters."""
    members = _base_members()

    def pieces() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">'
        )
        for name in HEADER_ROW:
            yield f"<si><t>{name}</t></si>".encode()
        yield b"<si><t>"
        chunk = "名".encode() * (1 << 16)
        sent = 0
        while sent < length:
            yield chunk
            sent += 1 << 16
        yield b"</t></si></sst>"

    row = "".join(f'<c t="s"><v>{i}</v></c>' for i in range(5))
    members["xl/worksheets/sheet1.xml"] = (
        SHEET_HEAD.format(dimension="")
        + f'<row r="1">{row}</row><row r="2"><c t="s"><v>5</v></c></row>'
        + SHEET_TAIL
    )
    return _with_streamed(members, "xl/sharedStrings.xml", pieces())


def many_columns(columns: int) -> bytes:
    """A header and one row that reaches column `columns` (XFD is 16,384), one cell each."""
    members = _base_members()
    cells = "".join(
        f'<c r="{column_letters(i)}2" t="inlineStr"><is><t>x</t></is></c>' for i in range(columns)
    )
    header = "".join(
        f'<c r="{column_letters(i)}1" t="inlineStr"><is><t>{n}</t></is></c>'
        for i, n in enumerate(HEADER_ROW)
    )
    members["xl/worksheets/sheet1.xml"] = (
        SHEET_HEAD.format(dimension='<dimension ref="A1:XFD1048576"/>')
        + f'<row r="1">{header}</row><row r="2">{cells}</row>'
        + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        + SHEET_TAIL
    )
    return workbook_bytes(members)


def billion_laughs() -> bytes:
    """Entity expansion in the shared strings (the XML 'billion laughs')."""
    members = _base_members()
    members["xl/sharedStrings.xml"] = (
        XXE.replace(
            "]>",
            '<!ENTITY f "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>',
        )
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&g;&e;</t></si></sst>'
    )
    return workbook_bytes(members)


def big_inputs() -> dict[str, bytes]:
    """Each crafted big workbook by name (sizes on disk from a few KB to a few MB)."""
    return {
        "zip bomb (2 GiB of rows, ~2 MB)": zip_bomb(2 << 30),
        "zip bomb (200 MiB of rows)": zip_bomb(200 << 20),
        "huge shared string (300 M characters)": huge_shared_string(300_000_000),
        "huge shared string (5 M characters)": huge_shared_string(5_000_000),
        "cell at XFD1048576, dimension A1:XFD1048576": many_columns(200),
        "billion laughs in sharedStrings.xml": billion_laughs(),
    }
