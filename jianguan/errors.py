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
    """One or more problems in input files; nothing was written."""

    def __init__(self, issues: list[FileIssue]) -> None:
        self.issues = issues
        super().__init__(
            "\n".join(i.render("zh") for i in issues),
            "\n".join(i.render("en") for i in issues),
        )

    def summary(self, lang: str = "zh") -> str:
        n = len(self.issues)
        if lang == "en":
            return f"{n} problem(s) found; nothing was imported. Fix them and import again."
        return f"共发现 {n} 处问题，未导入任何数据。请修正后重新导入。"
