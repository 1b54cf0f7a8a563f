"""Problems found in rule files, reported as `file:line: message` in Chinese or English."""

from __future__ import annotations

from dataclasses import dataclass

from jianguan.errors import JianguanError


@dataclass(frozen=True, slots=True)
class RuleIssue:
    """One problem at one line of one rule file."""

    file: str
    line: int
    message_zh: str
    message_en: str

    def render(self, lang: str = "zh") -> str:
        text = self.message_en if lang == "en" else self.message_zh
        return f"{self.file}:{self.line}: {text}"


class RuleFileError(JianguanError):
    """A rule file (or several) failed validation; the engine never saw it."""

    def __init__(self, issues: list[RuleIssue]) -> None:
        self.issues = issues
        super().__init__(
            "\n".join(i.render("zh") for i in issues),
            "\n".join(i.render("en") for i in issues),
        )


class RulesError(JianguanError):
    """A user-facing problem outside rule files: unknown package, bad option, bad input file."""
