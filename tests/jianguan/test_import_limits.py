"""The import limits (issue 18 item 3, jianguan/import_limits.py): bounded problems, rows,
cell lengths and .xlsx unpacking, the same through the reader, the command line and the web
upload (which share the reader)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from jianguan import import_limits
from jianguan.cli import main
from jianguan.errors import DataFileError
from jianguan.import_limits import PartTooLarge, column_chars
from jianguan.registry_read import read_enterprises, read_inspectors
from jianguan.zip_budget import Budget
from tests.attack.registry_strategies import Sheet
from tests.attack.xlsx_craft import huge_shared_string, members_of, workbook_bytes, zip_bomb
from tests.jianguan.samples import (
    E1,
    ENTERPRISE_HEADER,
    ENTERPRISE_ROWS,
    OFFICER_HEADER,
    OFFICER_ROWS,
    enterprises_csv,
    officers_csv,
)

BAD_ROW = "91360102MA0000001X,某公司,36010,C14,2019-01-01,,,,,,,,"  # bad check char, district


def _refusal(read: object, path: Path) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        read(path)  # type: ignore[operator]
    return caught.value


def test_the_first_1000_problems_are_listed_and_the_rest_counted(tmp_path: Path) -> None:
    path = enterprises_csv(tmp_path, [BAD_ROW] * 800)  # two problems a row, one id repeated
    err = _refusal(read_enterprises, path)
    assert len(err.issues) == 1_000
    assert err.total == 800 * 3 - 1  # check character, district, and id repeats (799)
    assert err.more == err.total - 1_000
    assert err.issues[0].line == 2 and err.issues[-1].file == str(path)
    assert f"and {err.more:,} more problems (only the first 1,000 listed)" in err.message("en")
    assert f"另有 {err.more:,} 处问题未列出" in err.message("zh")
    assert "2,399 problem(s) found (the first 1,000 are listed)" in err.summary("en")


def test_a_name_longer_than_its_column_is_refused_without_echoing_it(tmp_path: Path) -> None:
    name = "名" * 70_000
    path = enterprises_csv(tmp_path, [f"{E1},{name},360102,C14,2019-01-01,,,,,,,,"])
    err = _refusal(read_enterprises, path)
    [issue] = err.issues
    assert (issue.line, issue.column) == (2, "name")
    assert "at most 200 characters but this cell has 70,000" in issue.message_en
    assert "最多 200 个字符" in issue.message_zh and len(issue.message_zh) < 200
    ok = enterprises_csv(tmp_path, [f"{E1},{'名' * 200},360102,C14,2019-01-01,,,,,,,,"])
    assert read_enterprises(ok)[0].name == "名" * 200


@pytest.mark.parametrize("table", ["enterprises", "officers"])
def test_no_text_longer_than_its_store_column_is_accepted(tmp_path: Path, table: str) -> None:
    """Every String(n) column of the table: a cell of n+1 characters is refused, whatever
    its parser (free text by length, codes by their format)."""
    if table == "enterprises":
        header, rows, write, read = (
            ENTERPRISE_HEADER,
            ENTERPRISE_ROWS,
            enterprises_csv,
            read_enterprises,
        )
    else:
        header, rows, write, read = OFFICER_HEADER, OFFICER_ROWS, officers_csv, read_inspectors
    columns = header.split(",")
    lengths = column_chars()[table]
    checked = 0
    for column, limit in lengths.items():
        if column not in columns:
            continue  # status: read through 登记状态's own list
        cells = rows[0].split(",")
        cells[columns.index(column)] = "A" * (limit + 1)
        path = write(tmp_path, [",".join(cells)], name=f"{column}.csv")
        err = _refusal(read, path)
        assert any(i.column == column for i in err.issues), (column, err.message("en"))
        checked += 1
    assert checked == len(lengths) - (table == "enterprises")  # all but status


def test_the_row_cap_refuses_past_it_and_says_how_to_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_limits, "MAX_ROWS", 3)
    assert len(read_enterprises(enterprises_csv(tmp_path))) == 3
    err = _refusal(read_enterprises, enterprises_csv(tmp_path, [*ENTERPRISE_ROWS, ""]))
    [issue] = err.issues
    assert issue.line == 5 and "more than 3 rows after the header" in issue.message_en
    assert "分批导入" in issue.message_zh


@pytest.fixture
def bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A 64 MiB sheet in ~100 KB against a 32 MiB limit: the 2 GiB bomb against the real one
    is tests/attack/test_reader_fuzz.py's (it takes 15 s to write)."""
    monkeypatch.setattr(import_limits, "XLSX_PART_BYTES", 32 << 20)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb(64 << 20))
    return path


def test_a_zip_bomb_is_refused_quickly_from_the_directory(bomb: Path) -> None:
    path = bomb
    started = time.perf_counter()
    err = _refusal(read_enterprises, path)
    assert time.perf_counter() - started < 1.0
    [issue] = err.issues
    assert issue.file == str(path)
    assert "'xl/worksheets/sheet1.xml' of this .xlsx unpacks to more than 32 MiB" in (
        issue.message_en
    )
    assert "解压后超过 32 MiB" in issue.message_zh and "压缩炸弹" in issue.message_zh


def test_the_command_line_refuses_the_bomb_in_both_languages(
    tmp_path: Path, bomb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = bomb
    db = f"sqlite:///{tmp_path / 'store.db'}"
    for lang, words in (("en", "zip bomb"), ("zh", "压缩炸弹")):
        code = main(["registry", "import", "--enterprises", str(path), "--db", db, "--lang", lang])
        err = capsys.readouterr().err
        assert code == 1 and str(path) in err and words in err and "Traceback" not in err


def test_all_parts_together_are_held_to_the_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = members_of(Sheet([["id", "name"], [E1, "x" * 5_000]]), ["shared"])
    path = tmp_path / "big.xlsx"
    path.write_bytes(workbook_bytes(members))
    monkeypatch.setattr(import_limits, "XLSX_TOTAL_BYTES", 4_000)
    err = _refusal(read_enterprises, path)
    assert "this .xlsx unpacks to more than" in err.issues[0].message_en


def test_bytes_are_counted_as_inflated_not_only_as_declared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """zipfile stops a member at its declared size; the count holds whatever the reader."""
    monkeypatch.setattr(import_limits, "XLSX_PART_BYTES", 1_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("part.xml", b"x" * 5_000)
    with zipfile.ZipFile(out) as book, Budget(book).open("part.xml") as part:
        assert len(part.read(1_000)) == 1_000
        with pytest.raises(PartTooLarge) as caught:
            part.read(1)
    assert caught.value.part == "part.xml"


def test_an_oversized_zip_directory_is_refused_before_zipfile_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.xlsx"
    path.write_bytes(workbook_bytes({f"junk/{i}.bin": b"" for i in range(200)}))
    monkeypatch.setattr(import_limits, "XLSX_DIRECTORY_BYTES", 4_000)
    err = _refusal(read_enterprises, path)
    assert "zip directory of this .xlsx is over" in err.issues[0].message_en


def test_one_huge_shared_string_is_refused_before_the_parser_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "string.xlsx"
    path.write_bytes(huge_shared_string(5_000_000))  # 15 MB of XML in one string item
    err = _refusal(read_enterprises, path)
    assert "'xl/sharedStrings.xml' of this .xlsx is over 4 MiB" in err.issues[0].message_en
