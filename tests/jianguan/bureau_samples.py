"""The sample registry (`samples`) as a county bureau's registration system exports it.

Same content as the English-header files, in the shape of formats.md §1a: a title row and a
blank row above the header, Chinese column names in another order with columns we do not
read (序号, 法定代表人, 住所), mixed date spellings, 是/否, 、/；-lists, a 登记状态 column, and
rows of entities that are no longer inspection objects.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from jianguan.cell_values import parse_bool
from jianguan.registry_fields import ENTERPRISE_PARSERS
from tests.jianguan import samples

TITLE = "南昌市东湖区市场监督管理局企业名录（截至2027年1月）"
ENTERPRISE_HEADER = [
    "序号",
    "企业名称",
    " 统一社会信用代码 ",
    "法定代表人",
    "登记状态",
    "成立日期（必填）",
    "所属区划代码",
    "国民经济行业代码",
    "住所",
    "年报是否按时报送",
    "是否列入经营异常名录",
    "是否列入严重违法失信名单",
    "近三年行政处罚次数",
    "近１２个月有效投诉次数",  # full-width digits, as some systems write them
    "是否持有重点领域许可",
    "信用风险分类",
    "是否重点监管",
]
_ORDER = [
    "name",
    "id",
    None,
    "status",
    "established_on",
    "district",
    "industry",
    None,
    "annual_report_filed",
    "abnormal_list",
    "serious_dishonest_list",
    "penalties_3y",
    "complaints_12m",
    "high_risk_licence",
    "credit_tier",
    "key_supervision",
]
# One date per live row, each in another spelling (the values of samples.ENTERPRISE_ROWS).
DATES = ["2012/5/20", "2019年11月2日", "2021-01-15"]
EXCEL_DATES = [datetime(2012, 5, 20), "2019年11月2日", date(2021, 1, 15)]
STATUSES = ["存续", "存续（在营、开业、在册）", ""]
_YES_NO = {"true": "是", "1": "是", "false": "否", "0": "否"}
_BOOLEANS = {column for column, parse in ENTERPRISE_PARSERS.items() if parse is parse_bool}

GONE_1 = samples.credit_code(901)
GONE_2 = samples.credit_code(902)
# Deregistered entities often have incomplete records: these cells are not checked.
GONE_ROWS = [
    ["4", "东湖区已注销商行", GONE_1, "赵六", "注销"] + [""] * 12,
    ["5", "东湖区吊销餐馆", GONE_2, "钱七", "吊销，未注销", "2001/2/3", "360102", "H62"] + [""] * 9,
]


def english_values() -> list[dict[str, str]]:
    reader = csv.DictReader(
        io.StringIO("\n".join([samples.ENTERPRISE_HEADER, *samples.ENTERPRISE_ROWS]))
    )
    return list(reader)


def enterprise_rows(dates: list[object] | None = None) -> list[list[object]]:
    """Header and data rows (title and blank row not included)."""
    rows: list[list[object]] = [list(ENTERPRISE_HEADER)]
    for n, values in enumerate(english_values()):
        cells: list[object] = [str(n + 1)]
        for column in _ORDER:
            if column is None:
                cells.append("张三" if len(cells) == 3 else "南昌市东湖区八一大道1号")
            elif column == "status":
                cells.append(STATUSES[n])
            elif column == "established_on":
                cells.append((dates or DATES)[n])
            elif column in _BOOLEANS:
                cells.append(_YES_NO.get(values[column], values[column]))
            else:
                cells.append(values[column])
        rows.append(cells)
    # The gone rows sit between live ones, as a registry sorted by 序号 would have them.
    rows.insert(2, list(GONE_ROWS[0]))
    rows.append(list(GONE_ROWS[1]))
    return rows


def enterprises_csv(folder: Path, encoding: str = "gb18030", name: str = "名录.csv") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # Excel on Windows writes CRLF
    writer.writerow([TITLE] + [""] * (len(ENTERPRISE_HEADER) - 1))
    writer.writerow([])
    writer.writerows(enterprise_rows())
    path = folder / name
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def enterprises_xlsx(folder: Path, name: str = "名录.xlsx") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ENTERPRISE_HEADER))
    sheet.append([])
    for row in enterprise_rows(EXCEL_DATES):
        sheet.append(row)
    path = folder / name
    book.save(path)
    return path


# Physical line of the n-th live row (0-based) in both files: title, blank, header, then rows
# with a gone row after the first live one.
LIVE_LINES = [4, 6, 7]

OFFICER_HEADER = "序号,姓名,执法人员编号,部门代码,所在区划代码,执法证号,执法领域,每日检查上限,不可安排日期,回避企业"
OFFICER_ROWS = [
    f"1,张伟,I0001,SCJG,360102,赣执36010001,food、quality,4,2027年3月2日；2027/3/3,{samples.E2}",
    "2,李娜,I0002,SCJG,360102,赣执36010002,food；price,,,",
    "3,王芳,T0001,SW,360102,赣税36010001,tax,,,",
    "4,刘洋,I0003,SCJG,360103,,food,,,",
]


def officers_csv(folder: Path, encoding: str = "gb18030") -> Path:
    path = folder / "执法人员.csv"
    text = "\r\n".join(["执法检查人员名录库", OFFICER_HEADER, *OFFICER_ROWS]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path
