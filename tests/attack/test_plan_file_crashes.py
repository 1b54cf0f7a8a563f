"""`jianguan plan verify` on plan.json files the reader fuzzer once crashed (issue 14): each
is refused with a message that names the file or the place in it — never 内部错误."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.plan_document import seal
from tests.attack.reader_fuzz import plan_inputs, run_cli


def _verify(tmp_path: Path, text: str) -> str | None:
    enterprises, inspectors, task, _document = plan_inputs()
    plan = tmp_path / "plan.json"
    plan.write_text(text, encoding="utf-8")
    return run_cli(
        [
            "plan",
            "verify",
            "--plan",
            str(plan),
            "--enterprises",
            str(enterprises),
            "--inspectors",
            str(inspectors),
            "--task",
            str(task),
        ]
    )


def _edited(change: Any) -> str:
    document = copy.deepcopy(plan_inputs()[3])
    change(document)
    return json.dumps(seal(document), ensure_ascii=False)


def test_the_untouched_plan_verifies(tmp_path: Path) -> None:
    assert _verify(tmp_path, json.dumps(plan_inputs()[3])) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[" * 100_000 + "]" * 100_000, "嵌套层数过多"),  # was RecursionError
        ('{"seed": ' + "1" * 5000 + "}", "数值过长"),  # was ValueError (int_max_str_digits)
        ('{"task_id": NaN}', "NaN"),  # was ValueError when hashing for plan_sha256
        ('{"quality": 1e999}', "1e999"),
    ],
)
def test_unreadable_json_is_refused_with_the_file_named(
    tmp_path: Path, text: str, said: str
) -> None:
    message = _verify(tmp_path, text)
    assert message is not None and "内部错误" not in message
    assert "plan.json:1" in message and said in message


def _set_team(d: dict) -> None:
    d["inspections"][0]["team"] = 7.5


def _drop_date(d: dict) -> None:
    del d["inspections"][1]["date"]


def _list_inspection(d: dict) -> None:
    d["inspections"][2] = ["91360102MA0000001Q"]


def _list_member(d: dict) -> None:
    d["inspections"][0]["team"]["SCJG"] = [["I0001"], "I0002"]


def _number_unscheduled(d: dict) -> None:
    d["unscheduled"] = 3


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (_set_team, "inspections[0].team"),  # was TypeError: 'float' object is not iterable
        (_drop_date, "inspections[1].date"),  # was KeyError in quality_of
        (_list_inspection, "inspections[2]"),  # was AttributeError: 'list' has no 'get'
        (_list_member, "inspections[0].team.SCJG[0]"),  # was TypeError: unhashable list
        (_number_unscheduled, "unscheduled"),
    ],
)
def test_resealed_plans_of_the_wrong_shape_name_the_place(
    tmp_path: Path, change: Any, place: str
) -> None:
    message = _verify(tmp_path, _edited(change))
    assert message is not None and "内部错误" not in message
    assert f"plan.json 的 {place} 应为" in message, message
