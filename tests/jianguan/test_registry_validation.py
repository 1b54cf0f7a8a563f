"""Every class of bad registry input is refused with file, line, column and a fix-it message,
and nothing at all is written to the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from jianguan.db import Store
from jianguan.errors import DataFileError
from jianguan.models import AuditEvent, EnterpriseRow, OfficerRow
from jianguan.registry_store import import_registry
from tests.jianguan import samples
from tests.jianguan.samples import E1, E2, ENTERPRISE_ROWS, OFFICER_ROWS

BAD_CHECK = E1[:17] + ("0" if E1[17] != "0" else "1")

# (case, which file, replacement rows, line, column, Chinese fragment, English fragment)
ENTERPRISE_CASES = [
    ("check character", [BAD_CHECK + ENTERPRISE_ROWS[0][18:]], 2, "id", "校验码错误", "check char"),
    ("code length", ["91360102MA1" + ENTERPRISE_ROWS[0][18:]], 2, "id", "应为 18 位", "18 char"),
    (
        "code alphabet",
        [E1[:10] + "IO" + E1[12:] + ENTERPRISE_ROWS[0][18:]],
        2,
        "id",
        "格式错误",
        "malformed",
    ),
    (
        "district",
        [ENTERPRISE_ROWS[0].replace(",360102,", ",3601,")],
        2,
        "district",
        "6 位数字",
        "6-digit",
    ),
    (
        "industry",
        [ENTERPRISE_ROWS[0].replace(",C14,", ",14C,")],
        2,
        "industry",
        "GB/T 4754",
        "GB/T 4754",
    ),
    (
        "date format",
        [ENTERPRISE_ROWS[0].replace("2012-05-20", "20.05.2012")],
        2,
        "established_on",
        "YYYY-MM-DD",
        "YYYY-MM-DD",
    ),
    (
        "impossible date",
        [ENTERPRISE_ROWS[0].replace("2012-05-20", "2023-02-29")],
        2,
        "established_on",
        "不是真实存在的日期",
        "not a real calendar date",
    ),
    (
        "boolean",
        [ENTERPRISE_ROWS[0].replace(",true,false,false,", ",yes,false,false,")],
        2,
        "annual_report_filed",
        "不是布尔值",
        "not a boolean",
    ),
    (
        "count",
        [ENTERPRISE_ROWS[0].replace(",0,1,true,", ",0,many,true,")],
        2,
        "complaints_12m",
        "非负整数",
        "non-negative whole number",
    ),
    (
        "tier",
        [ENTERPRISE_ROWS[1].replace(",B,", ",E,")],
        2,
        "credit_tier",
        "A、B、C 或 D",
        "A, B, C or D",
    ),
    (
        "empty required cell",
        [ENTERPRISE_ROWS[0].replace("南昌赣江食品有限公司", "")],
        2,
        "name",
        "必填项",
        "required",
    ),
    ("duplicate id", [ENTERPRISE_ROWS[0], ENTERPRISE_ROWS[0]], 3, "id", "重复", "repeats line 2"),
]


def _assert_nothing_written(store: Store) -> None:
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(EnterpriseRow)) == 0
        assert session.scalar(select(func.count()).select_from(OfficerRow)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize(
    ("rows", "line", "column", "zh", "en"),
    [case[1:] for case in ENTERPRISE_CASES],
    ids=[case[0] for case in ENTERPRISE_CASES],
)
def test_bad_enterprise_file_is_refused_whole(
    store: Store, tmp_path: Path, rows: list[str], line: int, column: str, zh: str, en: str
) -> None:
    # A good row next to the bad one must not slip in: the import is all or nothing.
    good = [r for r in ENTERPRISE_ROWS[2:] if r not in rows]
    path = samples.enterprises_csv(tmp_path, [*rows, *good])
    with pytest.raises(DataFileError) as caught:
        import_registry(store, enterprises=path, inspectors=samples.officers_csv(tmp_path))
    issue = next(i for i in caught.value.issues if i.column == column)
    assert (issue.file, issue.line) == (str(path), line)
    assert zh in issue.render("zh")
    assert en in issue.render("en")
    assert issue.render("zh").startswith(f"{path}:{line}:{column}: ")
    _assert_nothing_written(store)


OFFICER_CASES = [
    (
        "recusal of unknown enterprise",
        [OFFICER_ROWS[0].replace(E2, samples.credit_code(99))],
        2,
        "recusals",
        "不在检查对象名录库中",
        "not in the object library",
    ),
    ("empty fields", ["I0009,赵敏,SCJG,360102,证1,,,,"], 2, "fields", "必填项", "required"),
    ("zero cap", ["I0009,赵敏,SCJG,360102,证1,food,0,,"], 2, "max_per_day", "大于 0", "above 0"),
    (
        "leave date",
        ["I0009,赵敏,SCJG,360102,证1,food,,2027-13-01,"],
        2,
        "unavailable",
        "不是真实存在的日期",
        "not a real calendar date",
    ),
    ("department", ["I0009,赵敏,scjg,360102,证1,food,,,"], 2, "department", "SCJG", "SCJG"),
    ("duplicate officer", [OFFICER_ROWS[1], OFFICER_ROWS[1]], 3, "id", "重复", "repeats"),
]


@pytest.mark.parametrize(
    ("rows", "line", "column", "zh", "en"),
    [case[1:] for case in OFFICER_CASES],
    ids=[case[0] for case in OFFICER_CASES],
)
def test_bad_officer_file_is_refused_whole(
    store: Store, tmp_path: Path, rows: list[str], line: int, column: str, zh: str, en: str
) -> None:
    path = samples.officers_csv(tmp_path, rows)
    with pytest.raises(DataFileError) as caught:
        import_registry(store, enterprises=samples.enterprises_csv(tmp_path), inspectors=path)
    issue = next(i for i in caught.value.issues if i.column == column)
    assert (issue.file, issue.line) == (str(path), line)
    assert zh in issue.message_zh
    assert en in issue.message_en
    _assert_nothing_written(store)


def test_missing_required_column_names_it(sqlite_store: Store, tmp_path: Path) -> None:
    header = samples.ENTERPRISE_HEADER.replace("industry,", "")
    rows = [",".join(r.split(",")[:3] + r.split(",")[4:]) for r in ENTERPRISE_ROWS]
    path = samples.write(tmp_path / "e.csv", header, rows)
    with pytest.raises(DataFileError) as caught:
        import_registry(sqlite_store, enterprises=path)
    [issue] = caught.value.issues
    assert (issue.line, issue.column) == (1, "industry")
    assert "缺少必需的列" in issue.message_zh
    _assert_nothing_written(sqlite_store)


def test_certificate_column_must_exist_even_if_empty(sqlite_store: Store, tmp_path: Path) -> None:
    path = samples.write(
        tmp_path / "i.csv", "id,name,department,district,fields", ["I1,甲,SCJG,360102,food"]
    )
    with pytest.raises(DataFileError) as caught:
        import_registry(sqlite_store, inspectors=path)
    assert [i.column for i in caught.value.issues] == ["certificate"]


def test_a_cell_csv_cannot_read_is_refused_at_its_line(sqlite_store: Store, tmp_path: Path) -> None:
    huge = ENTERPRISE_ROWS[0].replace("南昌赣江食品有限公司", '"' + "食" * 200_000 + '"')
    path = samples.enterprises_csv(tmp_path, [ENTERPRISE_ROWS[1], huge])
    with pytest.raises(DataFileError) as caught:
        import_registry(sqlite_store, enterprises=path)
    assert "无法按 CSV 读取" in caught.value.message("zh")
    assert caught.value.issues[0].line == 3
    _assert_nothing_written(sqlite_store)


def test_every_problem_is_listed_not_just_the_first(sqlite_store: Store, tmp_path: Path) -> None:
    rows = [
        ENTERPRISE_ROWS[0].replace(",360102,", ",36A102,"),
        ENTERPRISE_ROWS[1].replace("2019-11-02", "02/11/2019"),
    ]
    with pytest.raises(DataFileError) as caught:
        import_registry(sqlite_store, enterprises=samples.enterprises_csv(tmp_path, rows))
    assert [(i.line, i.column) for i in caught.value.issues] == [
        (2, "district"),
        (3, "established_on"),
    ]
