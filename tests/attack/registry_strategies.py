"""Hypothesis strategies for registry tables as bureaus' systems export them (formats.md §1,
§1a) and as they arrive damaged: English or Chinese headers (full-width brackets, spaces),
title rows above the header, extra and missing columns, any column order, every accepted
spelling of dates, booleans and lists beside wrong ones, UTF-8 (BOM or not), GB18030, UTF-16,
Latin-1, broken quoting, NUL bytes, flipped bytes.

A table is drawn as rows of cells (`Sheet`); `csv_bytes` writes one as a CSV file,
tests/attack/xlsx_craft.py as an .xlsx workbook.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hypothesis import strategies as st

from tests.jianguan.samples import E1, E2, E3, credit_code

ENTERPRISE_COLUMNS = {
    "id": ["id", "统一社会信用代码", "社会信用代码"],
    "name": ["name", "企业名称", "主体名称", "名称"],
    "district": ["district", "行政区划代码", "区划代码", "所属区划代码"],
    "industry": ["industry", "国民经济行业代码", "行业代码"],
    "established_on": ["established_on", "成立日期"],
    "annual_report_filed": ["annual_report_filed", "年报是否按时报送"],
    "abnormal_list": ["abnormal_list", "是否列入经营异常名录"],
    "serious_dishonest_list": ["serious_dishonest_list", "是否列入严重违法失信名单"],
    "penalties_3y": ["penalties_3y", "近三年行政处罚次数"],
    "complaints_12m": ["complaints_12m", "近12个月有效投诉次数"],
    "high_risk_licence": ["high_risk_licence", "是否持有重点领域许可"],
    "credit_tier": ["credit_tier", "信用风险分类"],
    "key_supervision": ["key_supervision", "是否重点监管"],
    "status": ["status", "登记状态"],
}
OFFICER_COLUMNS = {
    "id": ["id", "执法人员编号"],
    "name": ["name", "姓名"],
    "department": ["department", "部门代码"],
    "district": ["district", "所在区划代码"],
    "certificate": ["certificate", "执法证号"],
    "fields": ["fields", "执法领域"],
    "max_per_day": ["max_per_day", "每日检查上限"],
    "unavailable": ["unavailable", "不可安排日期"],
    "recusals": ["recusals", "回避企业"],
}
EXTRA_COLUMNS = ["序号", "法定代表人", "住所", "备注", "", "id"]  # "id" twice: a duplicate header

DISTRICTS = ["360102", "360103", "360121", "360111", "3601", "999999", "36010", "３６０１０２"]
JUNK = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "\x00", "N/A", "-", "NULL", "#REF!", "=1+1", "@SUM(A1)", "中" * 300]),
)


def _date_text(day: date) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            day.isoformat(),
            f"{day.year}/{day.month}/{day.day}",
            f"{day.year}年{day.month}月{day.day}日",
        ]
    )


def _odd_date_text(day: date) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            f"{day.year}-{day.month}-{day.day}",
            f"{day.day}/{day.month}/{day.year}",
            f"{day.year}{day.month:02d}{day.day:02d}",
        ]
    )


PAST = st.dates(min_value=date(1950, 1, 1), max_value=date(2026, 1, 1))
ANY_DAY = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
BAD_DATES = st.one_of(
    ANY_DAY.flatmap(_odd_date_text),
    ANY_DAY.flatmap(_date_text),
    st.sampled_from(["2019-02-30", "2019-13-01", "2019年2月30日", "0000-00-00", "45000"]),
)
BOOLS = st.sampled_from(["true", "false", "1", "0", "是", "否", ""])
BAD_BOOLS = st.sampled_from(["TRUE", "yes", "Y", "2", "真", "none"])
INTS = st.one_of(st.integers(min_value=0, max_value=50).map(str), st.just(""))
BAD_INTS = st.sampled_from(
    ["-1", "1.0", "1.5", "1e3", "99999999999999999999999", "３", "-0", " 7 "]
)


def _list_of(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.lists(items, max_size=4), st.sampled_from([";", "；", "、"])).map(
        lambda pair: pair[1].join(pair[0])
    )


CODES = st.builds(
    credit_code, st.integers(min_value=0, max_value=9_999_999), st.sampled_from(DISTRICTS[:4])
)
BAD_CODES = st.one_of(
    CODES.map(lambda c: c[:-1] + ("0" if c[-1] != "0" else "1")),  # wrong check character
    CODES.map(str.lower),
    CODES.map(lambda c: c[:17]),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18),
)
# Per column: (what a good export holds, what a bad one holds).
ENTERPRISE_CELLS: dict[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str]]] = {
    "id": (CODES, BAD_CODES),
    "name": (st.sampled_from(["南昌赣江食品有限公司", "洪城百货商店", "A&B, Ltd."]), st.just("")),
    "district": (st.sampled_from(DISTRICTS[:4]), st.sampled_from(DISTRICTS[4:])),
    "industry": (
        st.sampled_from(["C14", "F52", "H62", "F5"]),
        st.sampled_from(["Z99", "c14", "C1", "14"]),
    ),
    "established_on": (PAST.flatmap(_date_text), BAD_DATES),
    "annual_report_filed": (BOOLS, BAD_BOOLS),
    "abnormal_list": (BOOLS, BAD_BOOLS),
    "serious_dishonest_list": (BOOLS, BAD_BOOLS),
    "penalties_3y": (INTS, BAD_INTS),
    "complaints_12m": (INTS, BAD_INTS),
    "high_risk_licence": (BOOLS, BAD_BOOLS),
    "credit_tier": (
        st.sampled_from(["A", "B", "C", "D", ""]),
        st.sampled_from(["E", "a", "Ａ", "AB"]),
    ),
    "key_supervision": (BOOLS, BAD_BOOLS),
    "status": (
        st.sampled_from(["存续", "在业", "开业", "", "注销", "吊销", "撤销", "迁出"]),
        st.sampled_from(["停业", "x"]),
    ),
}
OFFICER_CELLS: dict[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str]]] = {
    "id": (st.sampled_from(["I0001", "I0002", "T0001", "I0003"]), st.just("")),
    "name": (st.sampled_from(["张伟", "李娜"]), st.just("")),
    "department": (
        st.sampled_from(["SCJG", "SW", "YJ"]),
        st.sampled_from(["scjg", "S C", "市场监管"]),
    ),
    "district": (st.sampled_from(DISTRICTS[:4]), st.sampled_from(DISTRICTS[4:])),
    "certificate": (st.sampled_from(["赣执36010001", ""]), st.just("\x00")),
    "fields": (
        _list_of(st.sampled_from(["food", "quality", "price", "tax"])),
        st.sampled_from(["", "食品", ";;"]),
    ),
    "max_per_day": (INTS, BAD_INTS),
    "unavailable": (
        _list_of(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)).map(str)),
        _list_of(BAD_DATES),
    ),
    "recusals": (
        st.sampled_from(["", E1, f"{E1};{E2}", f"{E2}、{E3}"]),
        _list_of(st.one_of(CODES, BAD_CODES)),
    ),
}


@dataclass(frozen=True)
class Sheet:
    """A table as drawn: rows of cells (strings, or typed values for an .xlsx)."""

    rows: list[list[Any]]


@st.composite
def sheets(draw: st.DrawFn, kind: str, typed: bool = False) -> Sheet:
    """A registry table of `kind` ("enterprises" or "inspectors"): header, 0-6 data rows."""
    columns_of = ENTERPRISE_COLUMNS if kind == "enterprises" else OFFICER_COLUMNS
    cells_of = ENTERPRISE_CELLS if kind == "enterprises" else OFFICER_CELLS
    names = list(columns_of)
    clean = draw(st.booleans())  # half the tables hold only good values: they reach the end
    kept = draw(st.lists(st.sampled_from(names), unique=True, min_size=0, max_size=len(names)))
    if clean or draw(st.integers(0, 3)):
        kept = names  # all columns, mostly: more rows get past the header check
    kept = draw(st.permutations(kept))
    spelling_style = draw(st.sampled_from(["english", "english", "chinese", "mixed"]))
    decorated = draw(st.integers(min_value=0, max_value=3)) == 0
    header = []
    for column in kept:
        spellings = columns_of[column]
        if spelling_style == "english":
            spelling = spellings[0]
        elif spelling_style == "chinese" and len(spellings) > 1:
            spelling = draw(st.sampled_from(spellings[1:]))
        else:
            spelling = draw(st.sampled_from(spellings))
        decoration = (
            draw(st.sampled_from(["", " {} ", "（{}）", "{}\u3000", "*{}"])) if decorated else ""
        )
        header.append(decoration.replace("{}", spelling) if decoration else spelling)
    extras = draw(st.lists(st.sampled_from(EXTRA_COLUMNS), max_size=2)) if not clean else []
    header.extend(extras)
    data = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        row: list[Any] = [
            draw(
                cells_of[c][0]
                if clean or draw(st.integers(0, 3))
                else st.one_of(cells_of[c][1], JUNK)
            )
            for c in kept
        ] + [draw(JUNK) for _ in extras]
        if typed:
            row = [draw(_typed(cell)) for cell in row]
        if not clean and draw(st.integers(min_value=0, max_value=5)) == 0:
            row = row[: draw(st.integers(min_value=0, max_value=len(row)))]  # ragged
        if not clean and draw(st.integers(min_value=0, max_value=9)) == 0:
            row.extend(draw(st.lists(JUNK, min_size=1, max_size=3)))  # more cells than header
        data.append(row)
    above = draw(
        st.sampled_from(
            [[], [], [], [["南昌市市场主体名录（导出）"]], [[""], ["导出时间", "2027-01-01"]]]
        )
    )
    return Sheet([*above, header, *data])


def _typed(cell: str) -> st.SearchStrategy[Any]:
    """What an .xlsx cell may hold for that text: the text, a number, a date, a bool, empty."""
    return st.one_of(
        st.just(cell),
        st.just(cell),
        st.just(None),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
        st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    )


# UTF-8 mostly (with a BOM a sixth of the time), GB18030 as Excel on a Chinese Windows saves,
# now and then one a reader must refuse.
ENCODINGS = [
    *["utf-8"] * 10,
    "utf-8-sig",
    "utf-8-sig",
    "gb18030",
    "gb18030",
    "gb18030",
    "utf-16",
    "big5",
]


@st.composite
def csv_bytes(draw: st.DrawFn, kind: str) -> bytes:
    """A registry CSV file of `kind`: a drawn table, written with a drawn dialect and
    encoding, sometimes damaged at the byte level."""
    sheet = draw(sheets(kind))
    out = io.StringIO()
    style = draw(st.sampled_from(["minimal", "minimal", "all", "raw", "semicolon", "tab"]))
    terminator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if style == "raw":  # no quoting at all: a comma or quote inside a cell breaks the row
        out.write(terminator.join(",".join(str(c) for c in row) for row in sheet.rows))
    else:
        writer = csv.writer(
            out,
            delimiter={"semicolon": ";", "tab": "\t"}.get(style, ","),
            quoting=csv.QUOTE_ALL if style == "all" else csv.QUOTE_MINIMAL,
            lineterminator=terminator,
        )
        writer.writerows(sheet.rows)
    encoding = ENCODINGS[draw(st.integers(min_value=0, max_value=len(ENCODINGS) - 1))]
    data = out.getvalue().encode(encoding, errors="replace")
    damage = draw(st.integers(min_value=0, max_value=15))  # 0-3 damage it, a quarter of the time
    if damage == 0 and data:
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:cut]
    elif damage == 1 and data:
        flipped = bytearray(data)
        for _ in range(draw(st.integers(min_value=1, max_value=6))):
            flipped[draw(st.integers(min_value=0, max_value=len(flipped) - 1))] = draw(
                st.integers(min_value=0, max_value=255)
            )
        data = bytes(flipped)
    elif damage == 2:
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = (
            data[:at]
            + draw(st.sampled_from([b"\x00", b'"', b"\r", b"\xff\xfe", b"\x1a"]))
            + data[at:]
        )
    elif damage == 3:
        data = draw(st.binary(max_size=300))
    return data
