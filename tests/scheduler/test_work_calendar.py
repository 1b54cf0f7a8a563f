from datetime import date

import pytest

from scheduler.work_calendar import CalendarError, build_calendar
from tests.scheduler import factory as f


def test_holidays_extra_workdays_and_quiet_days() -> None:
    task = f.task(
        period={"start": date(2027, 4, 1), "end": date(2027, 4, 30)},
        calendar={
            "holidays": [date(2027, 4, 5)],
            "extra_workdays": [date(2027, 4, 25)],
            "quiet_days_of_month": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        },
    )
    cal = build_calendar(task)
    assert date(2027, 4, 5) not in cal.working_days  # holiday (a Monday)
    assert date(2027, 4, 25) in cal.working_days  # 调休 Sunday
    assert date(2027, 4, 24) not in cal.working_days  # ordinary Saturday
    assert all(d.day > 10 for d in cal.schedulable_days)
    assert date(2027, 4, 25) in cal.schedulable_days
    assert len(cal.working_days) == 22 - 1 + 1


def test_statutory_calendar_is_filled_and_said() -> None:
    task = f.task(
        period={"start": date(2026, 9, 28), "end": date(2026, 10, 12)},
        calendar={"quiet_days_of_month": []},
    )
    cal = build_calendar(task)
    assert date(2026, 10, 1) not in cal.working_days  # National Day
    assert "chinese_calendar" in cal.source_zh and "2026" in cal.source_zh
    assert "statutory" in cal.source_en


def test_unknown_year_is_refused_not_guessed() -> None:
    task = f.task(
        period={"start": date(2031, 3, 1), "end": date(2031, 3, 31)},
        calendar={"quiet_days_of_month": []},
    )
    with pytest.raises(CalendarError) as caught:
        build_calendar(task)
    assert "2031" in caught.value.message("zh") and "calendar.holidays" in caught.value.message(
        "zh"
    )
    assert "refusing to guess" in caught.value.message("en")
