"""Which dates an inspection may fall on (formats.md §2).

A working day is Monday–Friday or an `extra_workdays` date (调休), and not a `holidays` date.
An inspection may only fall on a working day inside the task period that is not a quiet day of
month (企业安静日). When the task omits `calendar.holidays`, the statutory calendar (holidays
and 调休 days) is taken from the `chinese_calendar` package for the years it knows; for any other
year we refuse rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from jianguan.errors import JianguanError
from scheduler.task_file import Task


class CalendarError(JianguanError):
    """The task's period cannot be turned into working days."""


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """The dates of a task period, classified once; every part asks this object."""

    start: date
    end: date
    working_days: tuple[date, ...]
    working_set: frozenset[date]
    quiet_days_of_month: frozenset[int]
    # Human-readable note on where holidays came from, shown in the plan and its report.
    source_zh: str
    source_en: str

    @property
    def schedulable_days(self) -> tuple[date, ...]:
        """Working days in the period outside the quiet days of month, in order."""
        return tuple(d for d in self.working_days if d.day not in self.quiet_days_of_month)

    def is_working_day(self, day: date) -> bool:
        return day in self.working_set

    def is_schedulable(self, day: date) -> bool:
        return (
            self.start <= day <= self.end
            and day.day not in self.quiet_days_of_month
            and (self.is_working_day(day))
        )

    def add_working_days(self, day: date, count: int) -> date:
        """The date `count` working days after `day` (for the 20-working-day deadline).

        Beyond the period it uses the same rule that built the period: Monday–Friday, or the
        statutory calendar when the task relied on it.
        """
        current = day
        remaining = count
        while remaining > 0:
            current += timedelta(days=1)
            if self.start <= current <= self.end:
                working = current in self.working_set
            else:
                working = _statutory_or_weekday(current)
            if working:
                remaining -= 1
        return current


def _statutory_or_weekday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def build_calendar(task: Task) -> WorkCalendar:
    """Classify every date of the task period; raise `CalendarError` for an unknown year."""
    spec = task.calendar
    start, end = task.period.start, task.period.end
    extra = set(spec.extra_workdays)
    if spec.holidays is not None:
        holidays = set(spec.holidays)
        working = [d for d in _days(start, end) if (d.weekday() < 5 or d in extra)]
        working = [d for d in working if d not in holidays]
        source_zh = "节假日与调休按任务文件 calendar 段"
        source_en = "holidays and 调休 days as given in the task's calendar section"
    else:
        years = sorted({d.year for d in _days(start, end)})
        working = []
        for day in _days(start, end):
            try:
                statutory = bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                raise CalendarError(
                    f"任务文件未给出 calendar.holidays，而 chinese_calendar "
                    f"{chinese_calendar.__version__} 没有 {day.year} 年的法定节假日数据；"
                    "不能猜测。请在任务文件 calendar.holidays 中列出该年的节假日"
                    "（以及 extra_workdays 调休日）。",
                    f"the task gives no calendar.holidays and chinese_calendar "
                    f"{chinese_calendar.__version__} has no statutory holidays for {day.year}; "
                    "refusing to guess. List that year's holidays in calendar.holidays (and "
                    "调休 days in extra_workdays) in the task file.",
                ) from None
            if statutory or day in extra:
                working.append(day)
        year_text = "、".join(str(y) for y in years)
        source_zh = (
            f"任务文件未给出节假日，已按 chinese_calendar {chinese_calendar.__version__} "
            f"的 {year_text} 年国家法定节假日与调休安排填充"
        )
        source_en = (
            f"no holidays in the task: filled the statutory holidays and 调休 days of "
            f"{', '.join(str(y) for y in years)} from chinese_calendar "
            f"{chinese_calendar.__version__}"
        )
    return WorkCalendar(
        start=start,
        end=end,
        working_days=tuple(working),
        working_set=frozenset(working),
        quiet_days_of_month=frozenset(spec.quiet_days_of_month),
        source_zh=source_zh,
        source_en=source_en,
    )
