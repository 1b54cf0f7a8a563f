from datetime import date

import pytest

from jianguan.errors import DataFileError
from scheduler.task_file import parse_task, read_task

GOOD = """\
id: JX-360102-2027-01
title: 2027年第一批双随机抽查
lead_department: SCJG
period: {start: 2027-03-01, end: 2027-04-30}
items:
  - {code: SCJG-FOOD-01, name: 食品经营者监督检查, department: SCJG, field: food}
  - {code: SW-INV-01, name: 发票管理检查, department: SW, field: tax}
districts: [360102, 360103]
industries: [C, F]
sampling: {A: 0.03, B: 0.05, C: 0.20, D: 1.0}
key_supervision: all
officers_per_department: 2
max_per_officer_per_day: 3
calendar:
  holidays: [2027-04-05]
  extra_workdays: [2027-04-25]
  quiet_days_of_month: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
"""


def test_formats_example_parses_with_district_codes_as_text() -> None:
    task = parse_task(GOOD)
    assert task.period.start == date(2027, 3, 1)
    assert task.districts == ["360102", "360103"]
    assert task.departments == ("SCJG", "SW")
    assert task.fields_of("SCJG") == ("food",)
    assert task.ratio_text("A") == "0.03"
    assert task.calendar.extra_workdays == [date(2027, 4, 25)]


def test_errors_name_file_and_line_in_chinese_and_english(tmp_path) -> None:
    bad = GOOD.replace("max_per_officer_per_day: 3", "max_per_officer_per_day: three").replace(
        "key_supervision: all", "key_supervision: all\nofficers_per_dept: 2"
    )
    path = tmp_path / "task.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        read_task(path)
    zh = caught.value.message("zh")
    en = caught.value.message("en")
    assert f"{path}:12: officers_per_dept：不认识的键" in zh
    assert f"{path}:14: max_per_officer_per_day：应为整数" in zh
    assert f"{path}:14: max_per_officer_per_day: Input should be a valid integer" in en


def test_period_out_of_order_and_missing_tier_are_refused() -> None:
    bad = GOOD.replace("end: 2027-04-30", "end: 2027-02-01").replace("D: 1.0", "")
    with pytest.raises(DataFileError) as caught:
        parse_task(bad, "t.yaml")
    text = caught.value.message("en")
    assert "t.yaml:4:" in text and "period.end is before period.start" in text
    assert "t.yaml:10:" in text and "missing ['D']" in text


def test_lead_department_must_have_items() -> None:
    with pytest.raises(DataFileError, match="lead_department YJ"):
        parse_task(GOOD.replace("lead_department: SCJG", "lead_department: YJ"))


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(DataFileError) as caught:
        parse_task(GOOD.replace("title: 2027", "title: [2027"), "t.yaml")
    assert caught.value.issues[0].line >= 2
