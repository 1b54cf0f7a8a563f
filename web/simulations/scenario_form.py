"""The scenario form: browser fields to scenario.yaml data, and problems back to the fields.

The form covers the common what-ifs (population, quarters, replications, and per variant the
sampling ratio of each tier, quiet days, officer numbers, 首违不罚, tier D under key
supervision, the annual cap per enterprise); everything else is reached by uploading a
scenario file. The form is turned into the same data a file holds and validated by
`simulations.scenario_file.parse_scenario`, so the form and the file accept exactly the same
scenarios; its problems are then put back on the form's fields by their path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from flask_babel import gettext as _

from simulations.policy import TIERS
from simulations.scenario_file import ScenarioFile, ScenarioFileError, parse_scenario
from web.core.form_values import day_list, words

SCENARIO_ROWS = 3  # named scenarios on the form; more by uploading a file
# Per-variant fields: form suffix -> override path in the scenario file.
VARIANT_FIELDS = {
    **{t: ("sampling", t) for t in TIERS},
    "quiet_days": ("calendar", "quiet_days_of_month"),
    "officers_scale": ("officers_scale",),
    "leniency": ("first_offence_leniency",),
    "d_key": ("d_tier_key_supervision",),
    "cap": ("max_inspections_per_enterprise_per_year",),
}
TOP_FIELDS = {
    "name": ("name",),
    "enterprises": ("population", "enterprises"),
    "officers": ("population", "officers"),
    "pop_seed": ("population", "seed"),
    "districts": ("population", "districts"),
    "periods": ("periods",),
    "replications": ("replications",),
    "seed": ("seed",),
    "year": ("year",),
}
INT_FIELDS = {"enterprises", "officers", "pop_seed", "periods", "replications", "seed", "year"}

DEFAULTS: dict[str, str] = {
    "name": "人员与抽查比例比较",
    "enterprises": "2000",
    "officers": "40",
    "pop_seed": "7",
    "districts": "3601",
    "periods": "4",
    "replications": "5",
    "seed": "42",
    "year": "2026",
    "base_A": "0.03",
    "base_B": "0.05",
    "base_C": "0.2",
    "base_D": "1.0",
    "base_quiet_days": "1-10",
    "s1_name": "人员减半",
    "s1_officers_scale": "0.5",
    "s2_name": "不适用首违不罚",
    "s2_leniency": "false",
}


@dataclass(frozen=True, slots=True)
class FormProblem:
    field: str  # the form field it belongs to ("" when it concerns the whole scenario)
    message: str


class ScenarioFormError(Exception):
    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def blank_form() -> dict[str, str]:
    return dict(DEFAULTS)


def variant_prefixes() -> list[str]:
    return ["base", *(f"s{i}" for i in range(1, SCENARIO_ROWS + 1))]


def _field_label(name: str) -> str:
    labels = {
        "name": _("模拟名称"),
        "enterprises": _("企业数"),
        "officers": _("执法人员数"),
        "pop_seed": _("人口随机种子"),
        "districts": _("区划代码"),
        "periods": _("季度数"),
        "replications": _("重复次数"),
        "seed": _("模拟随机种子"),
        "year": _("起始年份"),
        "quiet_days": _("安静日"),
        "officers_scale": _("执法人员倍数"),
        "leniency": _("首违不罚"),
        "d_key": _("D类纳入重点监管"),
        "cap": _("每户每年检查上限"),
    }
    prefix, _sep, rest = name.partition("_")
    if prefix == "base" or (prefix.startswith("s") and prefix[1:].isdigit()):
        who = _("基准") if prefix == "base" else _("情景 %(n)s", n=prefix[1:])
        what = _("%(t)s类抽查比例", t=rest) if rest in TIERS else labels.get(rest, rest)
        if rest == "name":
            what = _("情景名称")
        return f"{who} · {what}"
    return labels.get(name, name)


def _number(text: str, integer: bool) -> Any:
    """A number where the text is one; otherwise the text, so the scenario's own validation
    reports it at its field ("应为整数" / "应为数字")."""
    try:
        return int(text) if integer else float(text)
    except ValueError:
        return text


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


def _overrides(form: Mapping[str, str], prefix: str, problems: list[FormProblem]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for suffix, path in VARIANT_FIELDS.items():
        name = f"{prefix}_{suffix}"
        text = form.get(name, "").strip()
        if not text:
            continue  # left empty: the baseline's (or the product's) value stays
        if suffix == "quiet_days":
            try:
                _put(out, path, day_list(text))
            except ValueError:
                problems.append(
                    FormProblem(
                        name,
                        _("%(f)s：应写成日期数字或区间，如 1-10 或 1,2,3", f=_field_label(name)),
                    )
                )
        elif suffix in ("leniency", "d_key"):
            _put(out, path, text == "true")
        else:
            _put(out, path, _number(text, integer=suffix == "cap"))
    return out


def form_data(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[int, str], list[FormProblem]]:
    """Scenario file data from the form; also which form row each scenario came from and the
    problems found before validation (numbers and day lists that cannot be read)."""
    problems: list[FormProblem] = []
    data: dict[str, Any] = {}
    for name, path in TOP_FIELDS.items():
        text = form.get(name, "").strip()
        if not text:
            continue  # missing: validation names the required ones
        if name == "districts":
            value: Any = words(text)
        elif name in INT_FIELDS:
            value = _number(text, integer=True)
        else:
            value = text
        _put(data, path, value)
    data["baseline"] = _overrides(form, "base", problems)
    rows: dict[int, str] = {}
    scenarios: list[dict[str, Any]] = []
    for i in range(1, SCENARIO_ROWS + 1):
        prefix = f"s{i}"
        name = form.get(f"{prefix}_name", "").strip()
        overrides = _overrides(form, prefix, problems)
        if not name:
            if overrides:
                problems.append(
                    FormProblem(
                        f"{prefix}_name",
                        _("%(f)s：填写了参数的情景须有名称", f=_field_label(f"{prefix}_name")),
                    )
                )
            continue
        rows[len(scenarios)] = prefix
        scenarios.append({"name": name, "overrides": overrides})
    data["scenarios"] = scenarios
    return data, rows, problems


def _field_of(loc: str, rows: Mapping[int, str]) -> str:
    """The form field for a scenario-file path such as `scenarios.0.overrides.sampling.A`."""
    parts = loc.split(".")
    if parts[0] == "scenarios" and len(parts) >= 2 and parts[1].isdigit():
        prefix = rows.get(int(parts[1]), "")
        rest = tuple(parts[3:]) if len(parts) > 3 else ()
        if len(parts) == 3 and parts[2] == "name":
            return f"{prefix}_name"
    elif parts[0] == "baseline":
        prefix, rest = "base", tuple(parts[1:])
    else:
        for name, path in TOP_FIELDS.items():
            if tuple(parts[: len(path)]) == path:
                return name
        return ""
    for suffix, path in VARIANT_FIELDS.items():
        if rest[: len(path)] == path:
            return f"{prefix}_{suffix}"
    return ""


def _problems_of(err: ScenarioFileError, rows: Mapping[int, str], lang: str) -> list[FormProblem]:
    problems = []
    for issue in err.issues:
        # Messages read "loc: text" (English) and "loc：text" (Chinese): the loc says which field.
        loc, _sep, _text = issue.message_en.partition(": ")
        text = issue.message_en if lang == "en" else issue.message_zh
        where = _field_of(loc, rows) if _sep else ""
        if where:
            text = text.split(": " if lang == "en" else "：", 1)[-1]
            problems.append(FormProblem(where, f"{_field_label(where)}：{text}"))
        else:
            problems.append(FormProblem("", text))
    return problems


def scenario_from_form(form: Mapping[str, str], lang: str) -> ScenarioFile:
    """The validated scenario the form describes; `ScenarioFormError` lists every problem with
    the field it belongs to."""
    data, rows, problems = form_data(form)
    scenario: ScenarioFile | None = None
    try:
        scenario = parse_scenario(yaml.safe_dump(data, allow_unicode=True), _("情景表单"))
    except ScenarioFileError as err:
        problems.extend(_problems_of(err, rows, lang))
    if problems:
        raise ScenarioFormError(problems)
    assert scenario is not None
    return scenario
