"""User-facing errors: every message exists in Chinese (default) and English.

A `JianguanError` reaches the user as one or more lines on stderr (exit code 1), never as a
traceback. Messages name the file, line and field where there is one, and say how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]


class JianguanError(Exception):
    """An error the user can fix: bad data, a failed check, a refused action."""

    def __init__(self, message_zh: str, message_en: str | None = None) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en or message_zh

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


@dataclass(frozen=True, slots=True)
class FileIssue:
    """One problem at a place in an input file; `line` is 1-based, `column` a column name."""

    file: str
    line: int
    column: str
    message_zh: str
    message_en: str

    def render(self, lang: str = "zh") -> str:
        text = self.message_en if lang == "en" else self.message_zh
        where = f"{self.file}:{self.line}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {text}"


class DataFileError(JianguanError):
    """One or more problems in input files; nothing was written. `more` counts problems found
    past the ones listed (jianguan/import_limits.py: MAX_PROBLEMS), so a file with a million
    bad rows reports the first thousand and how many others there were."""

    def __init__(self, issues: list[FileIssue], more: int = 0) -> None:
        self.issues = issues
        self.more = more
        lines_zh = [i.render("zh") for i in issues]
        lines_en = [i.render("en") for i in issues]
        if more:
            lines_zh.append(f"……另有 {more:,} 处问题未列出（仅列出前 {len(issues):,} 处）")
            lines_en.append(
                f"... and {more:,} more problems (only the first {len(issues):,} listed)"
            )
        super().__init__("\n".join(lines_zh), "\n".join(lines_en))

    @property
    def total(self) -> int:
        return len(self.issues) + self.more

    def summary(self, lang: str = "zh") -> str:
        n = self.total
        if lang == "en":
            listed = f" (the first {len(self.issues):,} are listed)" if self.more else ""
            return (
                f"{n:,} problem(s) found{listed}; nothing was imported. Fix them and import again."
            )
        listed = f"（列出前 {len(self.issues):,} 处）" if self.more else ""
        return f"共发现 {n:,} 处问题{listed}，未导入任何数据。请修正后重新导入。"
