"""Reading a registry table from CSV or .xlsx as (line number, (text, ...)) rows.

Both formats give the same thing, as a bureau's system exports them (formats.md §1a): the
header row is the first of the first 10 rows that holds two known column names (a title
above it is skipped), columns we do not read are dropped, and each data row comes as the
stripped texts of `Table.columns`, in that order (a tuple, not a dict per row: a million-row
file paid seconds for the dicts), with the physical line (or sheet row) a regulator sees in
a text editor or Excel. Rows are read as they are consumed, so a large file is never held
whole in memory as text; past MAX_ROWS records, or an .xlsx past its unpack limits
(jianguan/import_limits.py), the file is refused with a message that says how to split it.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from jianguan import import_limits as limits
from jianguan.errors import DataFileError, FileIssue
from jianguan.import_limits import PartTooLarge, too_large_messages, too_many_rows_messages
from jianguan.registry_columns import ColumnNames
from jianguan.text_encoding import detect_encoding
from jianguan.xlsx_rows import sheet_rows
from jianguan.zip_budget import open_checked

HEADER_SEARCH_ROWS = 10

# The line, and the stripped text of each of Table.columns (empty where a row is short).
Row = tuple[int, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Table:
    path: Path
    header_line: int
    written: dict[str, str]  # our column name -> the header cell as the file wrote it
    rows: Iterator[Row]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.written)

    def position(self, column: str) -> int | None:
        """Where `column`'s text sits in each row, None if the file has no such column."""
        return self.columns.index(column) if column in self.written else None


def _issue(path: Path, line: int, zh: str, en: str, column: str = "") -> DataFileError:
    return DataFileError([FileIssue(str(path), line, column, zh, en)])


def read_table(path: Path, names: ColumnNames) -> Table:
    """Read a .csv (UTF-8, UTF-8 with BOM, GB18030) or .xlsx (first sheet) file."""
    if not path.exists():
        raise _issue(path, 0, "文件不存在，请检查路径", "file not found; check the path")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        records = _xlsx_records(path)
    elif suffix in (".csv", ".txt"):
        records = _csv_records(path)
    else:
        raise _issue(
            path,
            0,
            f"不支持的文件类型“{suffix}”，请使用 .csv（UTF-8 或 GB18030）或 .xlsx",
            f"unsupported file type '{suffix}'; use .csv (UTF-8 or GB18030) or .xlsx",
        )
    return _table(path, records, names)


def _table(path: Path, records: Iterator[tuple[int, list[str]]], names: ColumnNames) -> Table:
    seen_any = False
    for line, cells in records:
        if line > HEADER_SEARCH_ROWS:
            break
        seen_any = seen_any or any(c.strip() for c in cells)
        positions = [(i, names(c)) for i, c in enumerate(cells) if c.strip()]
        known = [(i, column) for i, column in positions if column is not None]
        if len(known) >= 2:
            written = _header(path, line, cells, known)
            picked = [i for i, _column in known]  # in the order of `written`
            return Table(path, line, written, _rows(path, records, picked, len(cells)))
    if not seen_any:
        raise _issue(path, 1, "文件为空或缺少表头行", "the file is empty or has no header row")
    first, second = names.chinese["id"], names.chinese["name"]
    raise _issue(
        path,
        1,
        f"前 {HEADER_SEARCH_ROWS} 行中没有表头行：表头行应至少含两个可识别的列名，"
        f"例如“{first}”“{second}”（或 id、name）；请检查列名的写法",
        f"no header row in the first {HEADER_SEARCH_ROWS} rows: it must hold at least two known "
        f"column names such as {first}, {second} (or id, name); check how the columns are named",
    )


def _header(
    path: Path, line: int, cells: Sequence[str], known: list[tuple[int, str]]
) -> dict[str, str]:
    written: dict[str, str] = {}
    for i, column in known:
        cell = cells[i].strip()
        if column in written:
            raise _issue(
                path,
                line,
                f"列“{cell}”与列“{written[column]}”是同一项（{column}），请删除其中一列",
                f"columns '{cell}' and '{written[column]}' both mean '{column}'; delete one",
                cell,
            )
        written[column] = cell
    return written


def _rows(
    path: Path, records: Iterable[tuple[int, list[str]]], positions: list[int], width: int
) -> Iterator[Row]:
    # One C call picks a row's known cells; positions were found once, at the header.
    pick = itemgetter(*positions)  # at least two positions, so it always gives a tuple
    padding = [""] * width
    count = 0
    for line, cells in records:
        count += 1  # blank records too: a million empty lines cost time as well
        if count > limits.MAX_ROWS:
            raise _issue(path, line, *too_many_rows_messages())
        if len(cells) < width:
            cells = cells + padding[len(cells) :]
        values: tuple[str, ...] = tuple(map(str.strip, pick(cells)))
        if not any(values):
            continue  # blank rows, and numbered empty rows, end many exported sheets
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise _too_wide(path, line, len(cells), width)
        yield line, values


def _too_wide(path: Path, line: int, cells: int, width: int) -> DataFileError:
    # The cure differs: in a CSV an unquoted comma split a cell; in a workbook something
    # was typed right of the header's last column.
    xlsx = path.suffix.lower() == ".xlsx"
    return _issue(
        path,
        line,
        f"该行有 {cells} 个单元格，多于表头的 {width} 列；"
        + ("请删除表头最后一列右侧的内容" if xlsx else "含逗号的内容请用英文双引号括起"),
        f"the row has {cells} cells but the header has {width} columns; "
        + (
            "delete what is right of the header's last column"
            if xlsx
            else "quote cells that contain commas"
        ),
    )


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    encoding = detect_encoding(path)
    if not isinstance(encoding, str):
        raise _issue(
            path,
            encoding.line,
            "无法识别文件编码：既不是 UTF-8 也不是 GB18030（GBK）。请在 Excel 中另存为"
            "“CSV UTF-8”或“CSV（逗号分隔）”后重试",
            "cannot tell the file's encoding: it is neither UTF-8 nor GB18030 (GBK); save it "
            "from Excel as 'CSV UTF-8' or 'CSV (comma delimited)' and try again",
        )
    return _csv_lines(path, encoding)


def _csv_lines(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader: Any = csv.reader(handle)  # csv's reader type is private
        start = 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as err:
            # An unclosed quote or a cell past csv's field limit (128 KiB): say where, not crash.
            raise _issue(
                path,
                max(1, reader.line_num),
                f"该行无法按 CSV 读取（{err}）；请检查引号是否成对、单元格是否过长",
                f"this line cannot be read as CSV ({err}); check that quotes pair up and no "
                "cell is overly long",
            ) from None


def _unreadable(path: Path, row: int) -> DataFileError:
    return _issue(
        path,
        row,
        "无法读取该 .xlsx 文件，可能已损坏或不是 Excel 工作簿，请重新导出",
        "cannot read this .xlsx file: damaged or not an Excel workbook; export it again",
    )


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        book = open_checked(path)
    except PartTooLarge as err:
        raise _issue(path, 0, *too_large_messages(err)) from None
    except (zipfile.BadZipFile, OSError):
        raise _unreadable(path, 0) from None
    return _sheet_rows(path, book)


def _sheet_rows(path: Path, book: zipfile.ZipFile) -> Iterator[tuple[int, list[str]]]:
    row = 0
    try:
        for row, cells in sheet_rows(book):
            yield row, cells
    except DataFileError:
        raise
    except PartTooLarge as err:
        raise _issue(path, row, *too_large_messages(err)) from None
    except Exception:  # a damaged part fails in many ways: zip, XML, a bad index or number
        raise _unreadable(path, row) from None
    finally:
        book.close()
