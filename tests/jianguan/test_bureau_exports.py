"""Registry files as bureaus' systems export them (formats.md §1a) import exactly like the
English-header file with the same content; each refusal says what is wrong and where."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jianguan.cli import main
from jianguan.db import Store
from jianguan.errors import DataFileError
from jianguan.models import AuditEvent, EnterpriseRow
from jianguan.registry_read import read_enterprise_file, read_enterprises, read_inspectors
from jianguan.registry_store import import_registry, load_enterprises
from tests.jianguan import bureau_samples as bureau
from tests.jianguan import samples


def _bureau_file(folder: Path, kind: str) -> Path:
    if kind == "xlsx":
        return bureau.enterprises_xlsx(folder)
    return bureau.enterprises_csv(folder, encoding=kind)


@pytest.mark.parametrize("kind", ["gb18030", "gbk", "utf-8-sig", "utf-8", "xlsx"])
def test_bureau_export_reads_as_the_english_file(tmp_path: Path, kind: str) -> None:
    english = read_enterprises(samples.enterprises_csv(tmp_path))
    read = read_enterprise_file(_bureau_file(tmp_path, kind))
    assert read.enterprises == english
    assert [(s.line, s.id, s.status) for s in read.skipped] == [
        (5, bureau.GONE_1, "注销"),
        (8, bureau.GONE_2, "吊销"),
    ]


@pytest.mark.parametrize("kind", ["gb18030", "xlsx"])
def test_bureau_import_stores_exactly_the_live_enterprises(
    store: Store, tmp_path: Path, kind: str
) -> None:
    report = import_registry(
        store,
        enterprises=_bureau_file(tmp_path, kind),
        inspectors=bureau.officers_csv(tmp_path),
    )
    assert report.enterprises.inserted == 3
    assert report.skipped.by_status == (("注销", 1), ("吊销", 1))
    assert report.skipped.left_pool == 0
    assert "非存续跳过 2（注销 1，吊销 1）" in report.describe("zh")
    assert "skipped: 2 (注销 1, 吊销 1)" in report.describe("en")
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(EnterpriseRow)) == 3
    # The same rows, byte for byte, as importing the English-header files.
    en = tmp_path / "en"
    en.mkdir()
    again = import_registry(
        store, enterprises=samples.enterprises_csv(en), inspectors=samples.officers_csv(en)
    )
    assert (again.enterprises.unchanged, again.officers.unchanged) == (3, 4)
    assert again.enterprises.inserted + again.enterprises.updated == 0
    assert again.officers.inserted + again.officers.updated == 0


def test_chinese_officer_file_reads_as_the_english_one(tmp_path: Path) -> None:
    ids = {samples.E1, samples.E2, samples.E3}
    assert read_inspectors(bureau.officers_csv(tmp_path), ids) == read_inspectors(
        samples.officers_csv(tmp_path), ids
    )


def test_a_stored_enterprise_now_deregistered_leaves_the_pool(store: Store, tmp_path: Path) -> None:
    english = samples.enterprises_csv(tmp_path)
    import_registry(store, enterprises=english)
    path = tmp_path / "now.csv"
    rows = bureau.enterprise_rows()
    rows[3][4] = "注销"  # the second live row, E2, has since been deregistered
    path.write_bytes(
        ("\n".join(",".join(str(c) for c in row) for row in rows) + "\n").encode("gb18030")
    )
    report = import_registry(store, enterprises=path)
    assert report.skipped.left_pool == 1
    assert report.skipped.by_status == (("注销", 2), ("吊销", 1))
    assert [e.id for e in load_enterprises(store)] == sorted([samples.E1, samples.E3])
    with store.session() as session:
        assert session.get(EnterpriseRow, samples.E2).status == "注销"  # kept, not deleted
        assert session.get(EnterpriseRow, bureau.GONE_1) is None  # never stored
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and last.after["skipped"]["left_pool"] == 1
    # Importing it again leaves nothing more; a file that lists E2 live puts it back.
    assert import_registry(store, enterprises=path).skipped.left_pool == 0
    back = import_registry(store, enterprises=english)
    assert back.enterprises.updated == 1
    assert samples.E2 in {e.id for e in load_enterprises(store)}


@pytest.mark.parametrize("kind", ["gb18030", "xlsx"])
def test_messages_name_the_physical_line_and_the_chinese_column(tmp_path: Path, kind: str) -> None:
    if kind == "xlsx":
        from openpyxl import load_workbook

        path = bureau.enterprises_xlsx(tmp_path)
        book = load_workbook(path)
        sheet = book.active
        assert sheet is not None
        sheet.cell(bureau.LIVE_LINES[1], 7).value = "36010"
        sheet.cell(bureau.LIVE_LINES[2], 6).value = "2021年2月30日"
        book.save(path)
    else:
        rows = bureau.enterprise_rows()
        rows[3][6] = "36010"
        rows[4][5] = "2021年2月30日"
        path = tmp_path / "bad.csv"
        body = "\r\n".join(",".join(str(c) for c in row) for row in rows)
        path.write_bytes(f"{bureau.TITLE}\r\n\r\n{body}\r\n".encode("gb18030"))
    with pytest.raises(DataFileError) as caught:
        read_enterprises(path)
    assert [(i.line, i.column) for i in caught.value.issues] == [
        (6, "所属区划代码"),
        (7, "成立日期（必填）"),
    ]
    assert f"{path}:6:所属区划代码: 行政区划代码“36010”应为 6 位数字" in caught.value.message("zh")


def test_missing_column_is_named_in_the_headers_language(tmp_path: Path) -> None:
    rows = bureau.enterprise_rows()
    for row in rows:
        del row[7]  # 国民经济行业代码
    path = tmp_path / "e.csv"
    path.write_text("\n".join(",".join(str(c) for c in r) for r in rows) + "\n", "utf-8")
    with pytest.raises(DataFileError) as caught:
        read_enterprises(path)
    [issue] = caught.value.issues
    assert (issue.line, issue.column) == (1, "国民经济行业代码")
    assert "industry" in issue.message_en


# --- refusals ---


@pytest.mark.parametrize(
    "content",
    [
        ("\n".join([samples.ENTERPRISE_HEADER, *samples.ENTERPRISE_ROWS]) + "\n").encode("utf-16"),
        ("\n".join([samples.ENTERPRISE_HEADER, *samples.ENTERPRISE_ROWS])).encode("utf-16-le"),
        b"id,name\n" + os.urandom(4096),
    ],
    ids=["utf-16 with BOM", "utf-16 without BOM", "random bytes"],
)
def test_a_file_in_neither_encoding_is_refused_naming_both(
    sqlite_store: Store, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError) as caught:
        import_registry(sqlite_store, enterprises=path)
    for lang in ("zh", "en"):
        message = caught.value.message(lang)
        assert "UTF-8" in message and "GB18030" in message
    assert load_enterprises(sqlite_store) == []


def test_random_bytes_are_refused_at_the_line_they_start(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(
        ("\n".join([samples.ENTERPRISE_HEADER, *samples.ENTERPRISE_ROWS]) + "\n").encode("gb18030")
        + b"\xff\xfe"
    )
    with pytest.raises(DataFileError) as caught:
        read_enterprises(path)
    assert caught.value.issues[0].line == 5


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_no_header_row_in_the_first_ten_rows_is_refused(tmp_path: Path, kind: str) -> None:
    rows = [
        [bureau.TITLE],
        *([["说明", "本表由系统导出"]] * 8),
        ["企业名称", "备注"],
    ]  # one known name is not a header
    rows.insert(10, ["统一社会信用代码", "企业名称"])  # row 11: too late to be the header
    if kind == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        path = tmp_path / "e.xlsx"
        book.save(path)
    else:
        path = tmp_path / "e.csv"
        path.write_text("\n".join(",".join(r) for r in rows) + "\n", "utf-8")
    with pytest.raises(DataFileError) as caught:
        read_enterprises(path)
    assert "前 10 行中没有表头行" in caught.value.message("zh")
    assert "统一社会信用代码" in caught.value.message("zh")
    assert "no header row in the first 10 rows" in caught.value.message("en")


def test_an_unknown_registration_status_is_an_error_at_its_line(
    sqlite_store: Store, tmp_path: Path
) -> None:
    rows = bureau.enterprise_rows()
    rows[4][4] = "待核实"
    path = tmp_path / "e.csv"
    body = "\n".join(",".join(str(c) for c in r) for r in rows)
    path.write_bytes(f"{bureau.TITLE}\n\n{body}\n".encode("gb18030"))
    with pytest.raises(DataFileError) as caught:
        import_registry(sqlite_store, enterprises=path)
    [issue] = caught.value.issues
    assert (issue.line, issue.column) == (7, "登记状态")
    assert "待核实" in issue.message_zh and "注销" in issue.message_zh
    assert "registration status" in issue.message_en
    assert load_enterprises(sqlite_store) == []


def test_two_columns_meaning_the_same_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("统一社会信用代码,企业名称,名称\n", "utf-8")
    with pytest.raises(DataFileError) as caught:
        read_enterprises(path)
    assert "“名称”与列“企业名称”是同一项" in caught.value.message("zh")


# --- round trip ---


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_chinese_export_reimports_changing_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    files = ["--enterprises", str(bureau.enterprises_csv(tmp_path))]
    files += ["--inspectors", str(bureau.officers_csv(tmp_path))]
    assert main(["registry", "import", *files, "--db", db]) == 0
    out = tmp_path / "out"
    export = ["registry", "export", "--out", str(out), "--format", fmt, "--headers", "zh"]
    assert main([*export, "--db", db]) == 0
    e_path, i_path = out / f"enterprises.{fmt}", out / f"inspectors.{fmt}"
    if fmt == "xlsx":
        from openpyxl import load_workbook

        header = next(
            load_workbook(e_path, read_only=True).worksheets[0].iter_rows(values_only=True)
        )
        assert header[:2] == ("统一社会信用代码", "企业名称")
    else:
        assert e_path.read_text("utf-8-sig").startswith("统一社会信用代码,企业名称,")
    capsys.readouterr()
    again = ["registry", "import", "--enterprises", str(e_path), "--inspectors", str(i_path)]
    assert main([*again, "--db", db]) == 0
    assert (
        "企业：新增 0，更新 0，未变 3；执法人员：新增 0，更新 0，未变 4" in capsys.readouterr().out
    )


def test_english_export_is_unchanged_by_the_chinese_option(
    sqlite_store: Store, tmp_path: Path
) -> None:
    import_registry(sqlite_store, enterprises=samples.enterprises_csv(tmp_path))
    out = tmp_path / "out"
    assert main(["registry", "export", "--out", str(out), "--db", sqlite_store.url]) == 0
    assert (out / "enterprises.csv").read_text("utf-8").startswith("id,name,district,")
