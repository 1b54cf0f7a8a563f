"""Simulation scenarios, scenario.yaml as formats.md §7 defines it.

A file names a synthetic population, how many quarters to simulate and how many replications
to run, a `baseline` (overrides of the shipped rule parameters and task template) and named
`scenarios`, each an override of the baseline. Parsed with PyYAML and validated with pydantic
v2 (strict, no unknown keys); every problem is reported as `file:line: message`, located with
the task file's own YAML line index (scheduler.task_file) so both files report alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jianguan.divisions import UnknownDivisionError, resolve_districts
from jianguan.errors import FileIssue, JianguanError
from jianguan.yaml_lines import line_index, line_of
from jianguan.yaml_shape import shape_problem

LooseDate = Annotated[date, Strict(False)]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]
Share = Annotated[float, Field(gt=0.0, le=1.0)]
Tier = Literal["A", "B", "C", "D"]
BASELINE = "baseline"


class ScenarioFileError(JianguanError):
    """Problems in a scenario file, each as `file:line: message`; nothing was run."""

    def __init__(self, issues: list[FileIssue]) -> None:
        self.issues = issues
        super().__init__(
            "\n".join(i.render("zh") for i in issues)
            + f"\n共 {len(issues)} 处问题，未运行模拟；请修正情景文件后重试。",
            "\n".join(i.render("en") for i in issues)
            + f"\n{len(issues)} problem(s); nothing was simulated. Fix the scenario file "
            "and run again.",
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CalendarOverride(_Strict):
    """As a task's `calendar` (formats.md §2); keys given replace the baseline's."""

    holidays: list[LooseDate] | None = None
    extra_workdays: list[LooseDate] | None = None
    quiet_days_of_month: list[Annotated[int, Field(ge=1, le=31)]] | None = None


class BehaviourOverride(_Strict):
    """How enterprises respond; defaults and their sources are in `behaviour.py`."""

    detection_probability: Share | None = None
    self_correction_per_quarter: Ratio | None = None
    general_deterrence: Annotated[float, Field(ge=0.0)] | None = None
    specific_deterrence_penalised: Ratio | None = None
    specific_deterrence_waived: Ratio | None = None
    leniency_moral_hazard: Annotated[float, Field(ge=0.0)] | None = None


class Overrides(_Strict):
    """Parameters a scenario may change. Keys left out keep the baseline's value."""

    sampling: dict[Tier, Ratio] | None = None
    officers_scale: Annotated[float, Field(ge=0.0)] | None = None
    calendar: CalendarOverride | None = None
    first_offence_leniency: bool | None = None
    # Extensions (formats.md allows more keys): whether tier-D firms go under key supervision
    # as the supervision package decides (true) or stay in the random pool at the D ratio
    # (false); the published annual cap per enterprise (国办发〔2024〕54号); team size and
    # daily cap as in task.yaml; the share of officers' working days spent on 双随机 tasks;
    # behaviour.
    d_tier_key_supervision: bool | None = None
    max_inspections_per_enterprise_per_year: Annotated[int, Field(ge=1)] | None = None
    officers_per_department: Annotated[int, Field(ge=1)] | None = None
    max_per_officer_per_day: Annotated[int, Field(ge=1)] | None = None
    officer_time_share: Share | None = None
    behaviour: BehaviourOverride | None = None


class NamedScenario(_Strict):
    name: str = Field(min_length=1, max_length=80)
    overrides: Overrides = Overrides()


class PopulationSpec(_Strict):
    enterprises: int = Field(ge=1, le=5_000_000)
    officers: int = Field(ge=0, le=200_000)
    seed: int = Field(ge=0)
    districts: list[str] | None = None

    @field_validator("districts", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        # YAML reads `[360102, 3601]` as integers; division codes are text.
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value

    @field_validator("districts")
    @classmethod
    def _known_codes(cls, value: list[str] | None) -> list[str] | None:
        # Refused here, at the file's line, rather than when the run builds its population.
        try:
            resolve_districts(value)
        except UnknownDivisionError as err:
            raise PydanticCustomError(
                "bilingual", "{en}", {"zh": err.message("zh"), "en": err.message("en")}
            ) from None
        return value


class ScenarioFile(_Strict):
    name: str = Field(min_length=1)
    population: PopulationSpec
    periods: int = Field(ge=1, le=40)
    replications: int = Field(ge=1, le=10_000)
    seed: int = Field(ge=0)
    # Extensions: the first simulated year (quarter 1 starts on 1 January), and which draw to
    # use: the exact HMAC draw of formats.md §3, an equivalent seeded sampler, or `auto`
    # (exact up to `exact_draw_limit` enterprises).
    year: int = Field(default=2026, ge=2004, le=2100)
    draw: Literal["auto", "exact", "sampler"] = "auto"
    exact_draw_limit: int = Field(default=5_000, ge=0)
    baseline: Overrides = Overrides()
    scenarios: list[NamedScenario] = []

    @model_validator(mode="after")
    def _unique_names(self) -> ScenarioFile:
        names = [s.name for s in self.scenarios]
        if BASELINE in names:
            raise ValueError(f"a scenario may not be named '{BASELINE}': that name is taken")
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"scenario name '{name}' is used twice; names must be unique")
            seen.add(name)
        return self

    def canonical(self) -> dict[str, Any]:
        """Plain JSON data, the form hashed into the scenario id."""
        return self.model_dump(mode="json")


_TYPE_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的键，请检查拼写（允许的键见 formats.md §7）",
    "int_type": "应为整数",
    "float_type": "应为数字",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "list_type": "应为列表 [..]",
    "dict_type": "应为映射 {键: 值}",
    "model_type": "应为映射 {键: 值}",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "date_type": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
}


def _issue(file: str, line: int, err: Mapping[str, Any]) -> FileIssue:
    loc = ".".join(str(p) for p in err["loc"])
    kind = str(err["type"])
    en = f"{loc}: {err['msg']}" if loc else str(err["msg"])
    if kind == "bilingual":  # our own validators give both languages
        zh_text = str(err["ctx"]["zh"])
    elif kind == "value_error":
        zh_text = "取值不合理：" + str(err["msg"]).removeprefix("Value error, ")
    else:
        zh_text = _TYPE_ZH.get(kind, str(err["msg"]))
    zh = f"{loc}：{zh_text}" if loc else zh_text
    return FileIssue(file, line, "", zh, en)


def parse_scenario(text: str, file: str = "scenario.yaml") -> ScenarioFile:
    """Validate scenario.yaml text; raise `ScenarioFileError` listing every problem with its line."""
    shape = shape_problem(text)
    if shape is not None:
        raise ScenarioFileError([FileIssue(file, shape.line, "", shape.zh, shape.en)])
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioFileError(
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
        raise ScenarioFileError(
            [
                FileIssue(
                    file,
                    1,
                    "",
                    "情景文件应为一个映射（键: 值），格式见 formats.md §7",
                    "a scenario file must be a mapping (key: value); see formats.md §7",
                )
            ]
        )
    lines = line_index(root)
    try:
        return ScenarioFile.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
            issues.append(_issue(file, line_of(loc, lines), {**err, "loc": loc}))
        raise ScenarioFileError(issues) from None


def read_scenario(path: Path | str) -> ScenarioFile:
    """Read and validate a scenario.yaml file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(
            [
                FileIssue(
                    str(p),
                    1,
                    "",
                    f"无法读取情景文件：{exc}；请检查路径和 UTF-8 编码",
                    f"cannot read the scenario file: {exc}; check the path and UTF-8 encoding",
                )
            ]
        ) from None
    return parse_scenario(text, str(p))
