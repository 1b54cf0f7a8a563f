"""Parsing one CSV/.xlsx cell into a typed value, with bilingual messages on failure.

Each parser returns the value or raises `CellError`; the reader turns that into a `FileIssue`
with file, line and column. Spellings follow formats.md §1 and §1a (what bureaus' systems
write): booleans true/false, 1/0, 是/否; dates `2019-03-01`, `2019/3/1` or `2019年3月1日`;
lists separated by `;`, `；` or `、`.
"""

from __future__ import annotations

import re
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


class CellError(ValueError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


def parse_bool(text: str) -> bool:
    folded = text.strip().lower()
    if folded in TRUE_SPELLINGS:
        return True
    if folded in FALSE_SPELLINGS:
        return False
    raise CellError(
        f"“{text}”不是布尔值，请填 true/false、1/0 或 是/否",
        f"'{text}' is not a boolean; write true/false, 1/0 or 是/否",
    )


def parse_count(text: str) -> int:
    """A non-negative whole number (penalties, complaints, caps)."""
    stripped = text.strip()
    if not stripped.isdigit() or not stripped.isascii():
        raise CellError(
            f"“{text}”不是非负整数，请填写 0、1、2 等数字",
            f"'{text}' is not a non-negative whole number; write 0, 1, 2, ...",
        )
    return int(stripped)


def parse_date(text: str) -> date:
    match = _DATE.match(text.strip())
    if not match:
        raise CellError(
            f"“{text}”不是日期，请按 YYYY-MM-DD、YYYY/M/D 或 YYYY年M月D日 填写，例如 2024-03-01",
            f"'{text}' is not a date; write YYYY-MM-DD, YYYY/M/D or YYYY年M月D日, e.g. 2024-03-01",
        )
    year, *parts = match.groups()
    month, day = (int(p) for p in parts if p is not None)
    try:
        return date(int(year), month, day)
    except ValueError:
        raise CellError(
            f"“{text}”不是真实存在的日期，请检查年月日",
            f"'{text}' is not a real calendar date; check year, month and day",
        ) from None


def parse_list(text: str) -> tuple[str, ...]:
    """A `;`/`；`/`、`-separated list; blanks around items and empty items are dropped."""
    return tuple(item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip())


def parse_date_list(text: str) -> tuple[date, ...]:
    return tuple(parse_date(item) for item in parse_list(text))
