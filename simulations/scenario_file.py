"""Simulation scenarios, scenario.yaml as formats.md §7 defines it.

A file names a synthetic population, how many quarters to simulate and how many replications
to run, a `baseline` (overrides of the shipped rule parameters and task template) and named
`scenarios`, each an override of the baseline. Parsed with PyYAML and validated with pydantic
v2 (strict, no unknown keys); every problem is reported as `file:line: message`, located with
the task file's own YAML line index (scheduler.task_file) so both files report alike.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jianguan.divisions import UnknownDivisionError, resolve_districts
from jianguan.errors import FileIssue, JianguanError
from jianguan.yaml_file import YamlFileKind, parse_model, read_text

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


SCENARIO_FILE = YamlFileKind(
    noun_zh="情景文件",
    noun_en="scenario file",
    not_mapping_zh="情景文件应为一个映射（键: 值），格式见 formats.md §7",
    not_mapping_en="a scenario file must be a mapping (key: value); see formats.md §7",
    error=ScenarioFileError,
    extra_zh={"extra_forbidden": "不认识的键，请检查拼写（允许的键见 formats.md §7）"},
)


def parse_scenario(text: str, file: str = "scenario.yaml") -> ScenarioFile:
    """Validate scenario.yaml text; raise `ScenarioFileError` listing every problem with its line."""
    return parse_model(text, file, ScenarioFile, SCENARIO_FILE)


def read_scenario(path: Path | str) -> ScenarioFile:
    """Read and validate a scenario.yaml file."""
    return parse_scenario(*read_text(path, SCENARIO_FILE))
