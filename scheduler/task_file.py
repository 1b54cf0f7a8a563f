"""The inspection task (抽查任务), task.yaml as formats.md §2 defines it.

Parsed with PyYAML, validated with pydantic v2 (strict, no unknown keys); every problem is
reported as `file:line: message` using the YAML parser's node marks, in Chinese or English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    Strict,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from jianguan.errors import DataFileError, FileIssue
from jianguan.yaml_lines import line_index, line_of
from jianguan.yaml_shape import shape_problem

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


@dataclass(frozen=True, slots=True)
class _Msg:
    zh: str
    en: str


_TYPE_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的键，请检查拼写（允许的键见 formats.md §2）",
    "date_type": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "int_type": "应为整数",
    "float_type": "应为数字",
    "string_type": "应为文本",
    "list_type": "应为列表 [..]",
    "dict_type": "应为映射 {键: 值}",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "too_short": "不能为空",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "格式不正确（部门代码应为大写字母，例如 SCJG）",
    "model_type": "应为映射 {键: 值}",
}


class TaskFileError(DataFileError):
    """Problems in a task file: nothing was drawn or planned."""

    def summary(self, lang: str = "zh") -> str:
        n = len(self.issues)
        if lang == "en":
            return f"{n} problem(s) in the task file; nothing was planned. Fix them and try again."
        return f"任务文件共有 {n} 处问题，未生成计划。请修正后重试。"


def _message(err: Mapping[str, Any]) -> _Msg:
    loc = ".".join(str(p) for p in err["loc"])
    kind = str(err["type"])
    en = f"{loc}: {err['msg']}" if loc else str(err["msg"])
    zh_text = _TYPE_ZH.get(kind)
    if kind == "value_error":
        zh_text = "取值不合理：" + str(err["msg"]).removeprefix("Value error, ")
    if zh_text is None:
        zh_text = str(err["msg"])
    zh = f"{loc}：{zh_text}" if loc else zh_text
    return _Msg(zh, en)


def parse_task(text: str, file: str = "task.yaml") -> Task:
    """Validate task.yaml text; raise `DataFileError` listing every problem with its line."""
    shape = shape_problem(text)
    if shape is not None:
        raise TaskFileError([FileIssue(file, shape.line, "", shape.zh, shape.en)])
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise TaskFileError(
            [
                FileIssue(
                    file,
                    line,
                    "",
                    f"YAML 语法错误：{exc}；请检查缩进和冒号",
                    f"YAML syntax error: {exc}; check indentation and colons",
                )
            ]
        ) from None
    if not isinstance(data, dict) or root is None:
        raise TaskFileError(
            [
                FileIssue(
                    file, 1, "", "任务文件应为一个映射（键: 值）", "task file must be a mapping"
                )
            ]
        )
    lines = line_index(root)
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
            msg = _message({**err, "loc": loc})
            issues.append(FileIssue(file, line_of(loc, lines), "", msg.zh, msg.en))
        raise TaskFileError(issues) from None


def read_task(path: Path | str) -> Task:
    """Read and validate a task.yaml file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFileError(
            [
                FileIssue(
                    str(p),
                    1,
                    "",
                    f"无法读取任务文件：{exc}；请检查路径和 UTF-8 编码",
                    f"cannot read the task file: {exc}; check the path and UTF-8 encoding",
                )
            ]
        ) from None
    return parse_task(text, str(p))
