"""Parsing one CSV/.xlsx cell into a typed value, with bilingual messages on failure.

Each parser returns the value or raises `CellError`; the reader turns that into a `FileIssue`
with file, line and column. Spellings follow formats.md §1 and §1a (what bureaus' systems
write): booleans true/false, 1/0, 是/否; dates `2019-03-01`, `2019/3/1` or `2019年3月1日`;
lists separated by `;`, `；` or `、`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

TRUE_SPELLINGS = frozenset({"true", "1", "是"})
FALSE_SPELLINGS = frozenset({"false", "0", "否"})
# Year, month, day in the three spellings registration systems export; a midnight time after
# the date ("2019-03-01 00:00:00", as credit systems write datetimes) carries no information.
_DATE = re.compile(
    r"^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)"
    r"(?:\s+0?0:00(?::00)?)?$"
)
_LIST_SEPARATORS = re.compile("[;；、]")


# A function of a cell's text (or other values) that gives its message in Chinese and English.
Words = Callable[..., tuple[str, str]]


def _given(message_zh: str, message_en: str) -> tuple[str, str]:
    return message_zh, message_en


class CellError(ValueError):
    """A cell's value is wrong; `message_zh` and `message_en` say how to fix it.

    `CellError.later(words, *args)` builds the messages only when they are read: a file of a
    million bad cells lists the first thousand (import_limits.MAX_PROBLEMS) and only counts
    the rest, and two formatted messages per cell were seconds of its refusal (issue 18).
    """

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__()
        self._words: Words = _given
        self._args: tuple[object, ...] = (message_zh, message_en)
        self._messages: tuple[str, str] | None = None

    @classmethod
    def later(cls, words: Words, *args: object) -> CellError:
        error = cls.__new__(cls)
        error._words = words
        error._args = args
        error._messages = None
        return error

    def _built(self) -> tuple[str, str]:
        if self._messages is None:
            self._messages = self._words(*self._args)
        return self._messages

    @property
    def message_zh(self) -> str:
        return self._built()[0]

    @property
    def message_en(self) -> str:
        return self._built()[1]

    def __str__(self) -> str:
        return self.message_en


def _not_bool(text: str) -> tuple[str, str]:
    return (
        f"“{text}”不是布尔值，请填 true/false、1/0 或 是/否",
        f"'{text}' is not a boolean; write true/false, 1/0 or 是/否",
    )


def parse_bool(text: str) -> bool:
    folded = text.strip().lower()
    if folded in TRUE_SPELLINGS:
        return True
    if folded in FALSE_SPELLINGS:
        return False
    raise CellError.later(_not_bool, text)


def _not_count(text: str) -> tuple[str, str]:
    return (
        f"“{text}”不是非负整数，请填写 0、1、2 等数字",
        f"'{text}' is not a non-negative whole number; write 0, 1, 2, ...",
    )


def _not_date(text: str) -> tuple[str, str]:
    return (
        f"“{text}”不是日期，请按 YYYY-MM-DD、YYYY/M/D 或 YYYY年M月D日 填写，例如 2024-03-01",
        f"'{text}' is not a date; write YYYY-MM-DD, YYYY/M/D or YYYY年M月D日, e.g. 2024-03-01",
    )


def _not_calendar(text: str) -> tuple[str, str]:
    return (
        f"“{text}”不是真实存在的日期，请检查年月日",
        f"'{text}' is not a real calendar date; check year, month and day",
    )


def parse_count(text: str) -> int:
    """A non-negative whole number (penalties, complaints, caps)."""
    stripped = text.strip()
    if not stripped.isdigit() or not stripped.isascii():
        raise CellError.later(_not_count, text)
    return int(stripped)


def parse_date(text: str) -> date:
    match = _DATE.match(text.strip())
    if not match:
        raise CellError.later(_not_date, text)
    # One of the three spellings' (month, day) pairs matched; the others are None.
    year, m1, d1, m2, d2, m3, d3 = match.groups()
    month, day = (m1, d1) if m1 is not None else (m2, d2) if m2 is not None else (m3, d3)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CellError.later(_not_calendar, text) from None


def parse_list(text: str) -> tuple[str, ...]:
    """A `;`/`；`/`、`-separated list; blanks around items and empty items are dropped."""
    return tuple(item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip())


def parse_date_list(text: str) -> tuple[date, ...]:
    return tuple(parse_date(item) for item in parse_list(text))
