"""How much one registry file may ask of the machine (issue 18): problems listed, rows, cell
lengths, and the unpacked size of an .xlsx. The command line and the web upload share the
reader, so they share these limits.

Without them, 1,000,000 bad rows built a million messages (9 GB in the web process) and an
8.9 MB workbook unpacked to 2 GiB. Each limit sits far above what a bureau's export needs —
Excel's own sheet and cell limits where there is one — so a real file never meets it, and
each refusal says how to get under it.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import String

from jianguan.models import EnterpriseRow, OfficerRow

# Problems listed for one file; later ones are only counted. A thousand lines is more than
# anyone reads before fixing the cause, which is usually one column written wrong throughout.
MAX_PROBLEMS = 1_000

# Records after the header row, blank ones included: Excel's sheet holds 1,048,576 rows, so an
# .xlsx cannot pass it and a CSV gets the same. Rows are matched by id and an import deletes
# nothing, so a larger registry imports in parts with the same result.
MAX_ROWS = 1_048_576

# Excel's limit for one cell. A longer cell is no registry value; refusing it before parsing
# also keeps a message from echoing megabytes back.
CELL_CHARS = 32_767

# .xlsx parts, unpacked. A sheet of 1,048,576 registry rows as Excel writes it is 0.5–0.7 GB;
# the parts together (sheet, shared strings, styles) stay under the total. Checked from the
# zip's directory before reading, and again on the bytes as they are inflated, since the
# directory is the sender's word.
XLSX_PART_BYTES = 1 << 30
XLSX_TOTAL_BYTES = 3 << 29
# One row or one shared string, as XML. Excel's largest cell is 32,767 characters (about
# 100 KB in UTF-8); anything longer between two rows is a crafted file, and stopping there
# keeps the parser from holding it.
XLSX_ELEMENT_BYTES = 4 << 20
# The zip's central directory: zipfile reads all of it on opening and builds an object per
# entry. A workbook's is a few KB (a dozen parts); 1 MiB is some 20,000 entries at most.
XLSX_DIRECTORY_BYTES = 1 << 20


def mebibytes(size: int) -> str:
    return f"{size / (1 << 30):g} GiB" if size >= 1 << 30 else f"{size / (1 << 20):g} MiB"


@cache
def column_chars() -> dict[str, dict[str, int]]:
    """Each registry table's text columns and their length in the store (String(n)), by
    table: what validation enforces, so no row reaches the database too long for it."""
    lengths: dict[str, dict[str, int]] = {}
    for model in (EnterpriseRow, OfficerRow):
        lengths[model.__tablename__] = {
            column.name: column.type.length
            for column in model.__table__.columns
            if isinstance(column.type, String) and column.type.length
        }
    return lengths


class PartTooLarge(ValueError):
    """A workbook part unpacks (or claims to) past a limit; `part` names it."""

    def __init__(self, part: str, limit: int, what: str = "part") -> None:
        super().__init__(f"{part}: {what} over {mebibytes(limit)}")
        self.part = part
        self.limit = limit
        self.what = what  # "part", "total", "element" or "directory"


def too_large_messages(error: PartTooLarge) -> tuple[str, str]:
    """The refusal in Chinese and English, saying how to get under the limit."""
    fix_zh = "请只导出名录所在的一个工作表并删除多余的空行，或拆分为多个文件分批导入"
    fix_en = (
        "export only the registry's sheet without trailing blank rows, or split it into "
        "several files and import them one after another"
    )
    if error.what == "directory":
        return (
            f"该 .xlsx 文件的压缩目录超过 {mebibytes(error.limit)}（数以万计的条目），"
            "不是正常的 Excel 工作簿；请重新导出",
            f"the zip directory of this .xlsx is over {mebibytes(error.limit)} (tens of "
            "thousands of entries), which no Excel workbook has; export it again",
        )
    if error.what == "element":
        return (
            f"该 .xlsx 文件的“{error.part}”中有一行或一个单元格超过 {mebibytes(error.limit)}，"
            f"远超 Excel 单元格上限（{CELL_CHARS:,} 个字符）；请核对后重新导出",
            f"a row or cell in '{error.part}' of this .xlsx is over {mebibytes(error.limit)}, "
            f"far past Excel's cell limit ({CELL_CHARS:,} characters); check it and export again",
        )
    size = mebibytes(error.limit)
    if error.what == "total":
        return (
            f"该 .xlsx 文件解压后超过 {size}（上限），可能是压缩炸弹或表格过大；{fix_zh}",
            f"this .xlsx unpacks to more than {size} (the limit): a zip bomb or an oversized "
            f"sheet; {fix_en}",
        )
    return (
        f"该 .xlsx 文件中的“{error.part}”解压后超过 {size}（上限），可能是压缩炸弹或表格过大；{fix_zh}",
        f"the part '{error.part}' of this .xlsx unpacks to more than {size} (the limit): a zip "
        f"bomb or an oversized sheet; {fix_en}",
    )


def too_many_rows_messages() -> tuple[str, str]:
    return (
        f"数据超过 {MAX_ROWS:,} 行（上限，与 Excel 工作表相同）；请拆分为多个文件分批导入："
        "按编号匹配、导入不删除数据，分批导入的结果与一次导入相同",
        f"the file has more than {MAX_ROWS:,} rows after the header (the limit, as in an Excel "
        "sheet); split it into several files and import them one after another: rows are "
        "matched by id and an import deletes nothing, so the result is the same",
    )
