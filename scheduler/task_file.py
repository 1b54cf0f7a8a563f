"""The inspection task (抽查任务), task.yaml as formats.md §2 defines it.

Parsed with PyYAML, validated with pydantic v2 (strict, no unknown keys); every problem is
reported as `file:line: message` using the YAML parser's node marks, in Chinese or English.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    Strict,
    field_validator,
    model_serializer,
    model_validator,
)

from jianguan.errors import DataFileError
from jianguan.yaml_file import YamlFileKind, parse_model, read_text

# YAML gives dates as `date` objects, but a quoted '2027-03-01' is a string: accept both.
LooseDate = Annotated[date, Strict(False)]
CREDIT_TIERS = ("A", "B", "C", "D")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Period(_Strict):
    start: LooseDate
    end: LooseDate

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("period.end is before period.start")
        return self


class Item(_Strict):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    department: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,15}$")
    field: str = Field(min_length=1)
    # Extension (formats.md allows extra keys): the item's legal basis (检查依据) as the item
    # list (随机抽查事项清单) states it — "no legal basis, no inspection"; the filed plan prints it.
    basis: str | None = Field(default=None, min_length=1)

    @model_serializer(mode="wrap")
    def _absent_basis_left_out(self, handler: SerializerFunctionWrapHandler) -> Any:
        # A task without bases serialises as before, so its inputs_sha256 does not change.
        data = handler(self)
        if self.basis is None and isinstance(data, dict):
            data.pop("basis", None)
        return data


class CalendarSpec(_Strict):
    # None (key omitted) means: fill the statutory calendar from `chinese_calendar`.
    holidays: list[LooseDate] | None = None
    extra_workdays: list[LooseDate] = []
    quiet_days_of_month: list[Annotated[int, Field(ge=1, le=31)]] = []


class Task(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    lead_department: str = Field(min_length=1)
    period: Period
    items: list[Item] = Field(min_length=1)
    districts: list[str] | None = None
    industries: list[str] | None = None
    sampling: dict[Literal["A", "B", "C", "D"], float]
    key_supervision: Literal["all"] = "all"
    officers_per_department: int = Field(default=2, ge=1)
    max_per_officer_per_day: int = Field(ge=1)
    calendar: CalendarSpec = CalendarSpec()
    # Extension (formats.md allows extra keys): the authority's published annual cap on
    # inspections of one enterprise (国办发〔2024〕54号); counted over approved plans in the store.
    max_inspections_per_enterprise_per_year: int | None = Field(default=None, ge=1)

    @field_validator("districts", mode="before")
    @classmethod
    def _district_codes(cls, value: Any) -> Any:
        # YAML reads `[360102, 360103]` as integers; district codes are 6-digit text.
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value

    @field_validator("districts")
    @classmethod
    def _six_digits(cls, value: list[str] | None) -> list[str] | None:
        for code in value or []:
            if not (len(code) == 6 and code.isdigit()):
                raise ValueError(f"district '{code}' must be a 6-digit code such as 360102")
        return value

    @field_validator("industries")
    @classmethod
    def _industry_prefixes(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [v.upper() for v in value]

    @field_validator("sampling")
    @classmethod
    def _ratios(cls, value: dict[str, float]) -> dict[str, float]:
        missing = [t for t in CREDIT_TIERS if t not in value]
        if missing:
            raise ValueError(f"sampling needs a ratio for every credit tier; missing {missing}")
        for tier, ratio in value.items():
            if not 0 <= ratio <= 1:
                raise ValueError(f"sampling ratio for {tier} must be between 0 and 1, got {ratio}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Task:
        codes = [i.code for i in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("item codes must be unique")
        if self.lead_department not in self.departments:
            raise ValueError(
                f"lead_department {self.lead_department} has no item in the task; "
                "add one of its items or name another lead department"
            )
        return self

    @property
    def departments(self) -> tuple[str, ...]:
        """Departments taking part, sorted: each sends a sub-team (joint inspection)."""
        return tuple(sorted({i.department for i in self.items}))

    def fields_of(self, department: str) -> tuple[str, ...]:
        """Enforcement fields an officer of `department` must hold to check its items."""
        return tuple(sorted({i.field for i in self.items if i.department == department}))

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    def ratio_text(self, tier: str) -> str:
        """The ratio exactly as written, the basis of the exact draw (formats.md §3)."""
        ratios: dict[str, float] = {str(k): v for k, v in self.sampling.items()}
        return str(ratios[tier])

    def canonical(self) -> dict[str, Any]:
        """Task as plain JSON data: the form hashed into `inputs_sha256`."""
        return self.model_dump(mode="json")


class TaskFileError(DataFileError):
    """Problems in a task file: nothing was drawn or planned."""

    def summary(self, lang: str = "zh") -> str:
        n = len(self.issues)
        if lang == "en":
            return f"{n} problem(s) in the task file; nothing was planned. Fix them and try again."
        return f"任务文件共有 {n} 处问题，未生成计划。请修正后重试。"


TASK_FILE = YamlFileKind(
    noun_zh="任务文件",
    noun_en="task file",
    not_mapping_zh="任务文件应为一个映射（键: 值）",
    not_mapping_en="task file must be a mapping",
    error=TaskFileError,
    extra_zh={
        "extra_forbidden": "不认识的键，请检查拼写（允许的键见 formats.md §2）",
        "string_pattern_mismatch": "格式不正确（部门代码应为大写字母，例如 SCJG）",
    },
)


def parse_task(text: str, file: str = "task.yaml") -> Task:
    """Validate task.yaml text; raise `TaskFileError` listing every problem with its line."""
    return parse_model(text, file, Task, TASK_FILE)


def read_task(path: Path | str) -> Task:
    """Read and validate a task.yaml file."""
    return parse_task(*read_text(path, TASK_FILE))
