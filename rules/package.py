"""A validated rule package version, ready to be bound to an as-of date and compiled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from rules.conditions import Cond, FieldInfo, bind
from rules.issues import RulesError
from rules.schema import Citation, Parameter, RuleFile


@dataclass(frozen=True)
class RuleDef:
    id: str
    title_zh: str
    title_en: str
    basis: tuple[Citation, ...]
    cond: Cond  # normalised, parameters unbound
    outcome: str
    rank: float  # lower wins
    enabled_by: str | None
    line: int
    fallback: bool = False


@dataclass(frozen=True)
class BandDef:
    cond: Cond
    points: int | str  # literal points or a parameter name
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class IndicatorDef:
    id: str
    title_zh: str
    title_en: str
    basis: tuple[Citation, ...]
    bands: tuple[BandDef, ...]


@dataclass(frozen=True)
class CheckDef:
    id: str
    cond: Cond
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class ListDef:
    id: str
    label_zh: str
    label_en: str
    cond: Cond


@dataclass
class Package:
    """One version of a rule package, as read from one file."""

    model: RuleFile
    path: str
    sha256: str
    fields: dict[str, FieldInfo]  # inputs and derived values
    rules: tuple[RuleDef, ...]
    checks: tuple[CheckDef, ...]
    indicators: tuple[IndicatorDef, ...]
    lists: tuple[ListDef, ...]
    tables: dict[str, frozenset[str]]
    line_of_rule: dict[str, int] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.model.package.id

    @property
    def version(self) -> str:
        return self.model.package.version

    @property
    def effective_from(self) -> date:
        return self.model.package.effective_from

    @property
    def effective_to(self) -> date | None:
        return self.model.package.effective_to

    def in_force(self, day: date) -> bool:
        end = self.effective_to
        return self.effective_from <= day and (end is None or day <= end)

    def outcome_order(self) -> list[str]:
        """Outcomes from the lightest to the heaviest, as the file lists them."""
        return [o.id for o in self.model.outcomes]

    def outcome_label(self, outcome: str, lang: str) -> str:
        for o in self.model.outcomes:
            if o.id == outcome:
                return o.label_en if lang == "en" else o.label_zh
        return outcome

    def field_label(self, name: str, lang: str) -> str:
        spec = self.model.fields.get(name) or self.model.derived.get(name)
        if spec is None:
            return name
        return spec.label_en if lang == "en" else spec.label_zh

    def parameters_at(self, as_of: date, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Every parameter's value in force on `as_of`, with scenario overrides applied."""
        out: dict[str, Any] = {}
        for name, param in self.model.parameters.items():
            current = None
            for value in param.values:
                if value.from_ <= as_of:
                    current = value
            if current is None:
                first = param.values[0].from_.isoformat()
                raise RulesError(
                    f"参数「{name}」在 {as_of.isoformat()} 尚无取值（最早自 {first} 起）；"
                    "请换一个 --as-of 日期或补充该参数的历史取值。",
                    f"parameter '{name}' has no value on {as_of.isoformat()} (earliest from "
                    f"{first}); choose another --as-of date or add an earlier value.",
                )
            out[name] = coerce_param(param, current.value)
        for name, value in (overrides or {}).items():
            target = "sampling_ratio" if name == "sampling" else name
            param_def = self.model.parameters.get(target)
            if param_def is None:
                continue  # a scenario override meant for another part (scheduler, officers)
            if param_def.type == "map" and isinstance(value, dict):
                merged = dict(out[target])
                merged.update(coerce_param(param_def, value))
                out[target] = merged
            else:
                out[target] = coerce_param(param_def, value)
        return out

    def citation_of_param(self, name: str, as_of: date) -> Citation | None:
        param = self.model.parameters.get(name)
        if param is None:
            return None
        current = None
        for value in param.values:
            if value.from_ <= as_of:
                current = value
        return current.reference if current else None

    def bound_rules(self, params: dict[str, Any]) -> list[tuple[RuleDef, Cond]]:
        """Enabled rules with parameters substituted; switched-off rules are left out."""
        out = []
        for rule in self.rules:
            if rule.enabled_by and not params.get(rule.enabled_by, True):
                continue
            out.append((rule, bind(rule.cond, params, self.tables)))
        return out


def coerce_param(param: Parameter, value: Any) -> Any:
    """Check and normalise one parameter value; raise RulesError saying what was expected."""
    kind = param.type
    if kind == "map":
        if not isinstance(value, dict):
            raise _param_error(param, value, "映射（如 {A: 0.03}）", "a mapping such as {A: 0.03}")
        return {str(k): _scalar(param, v) for k, v in value.items()}
    return _scalar(param, value)


def _scalar(param: Parameter, value: Any) -> Any:
    kind = param.type
    if value is None and kind == "map":
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise _param_error(param, value, "true 或 false", "true or false")
    if kind in ("int", "years"):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**6:
            if kind == "years" and value > 200:
                raise _param_error(param, value, "0 到 200 的年数", "a number of years 0..200")
            return value
        raise _param_error(param, value, "0 到 1000000 的整数", "an integer 0..1000000")
    # decimal, and the values of maps: exact decimal text (ratios are published as "0.03")
    if isinstance(value, bool):
        raise _param_error(param, value, "数值", "a number")
    if isinstance(value, int) and 0 <= value <= 10**6:
        return value if param.type == "map" else str(Decimal(value))
    if isinstance(value, float | str):
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise _param_error(param, value, "数值", "a number") from None
        if not number.is_finite() or number < 0 or number > 10**6:
            raise _param_error(param, value, "0 到 1000000 的数值", "a number 0..1000000")
        return str(number)
    raise _param_error(param, value, "数值", "a number")


def _param_error(param: Parameter, value: Any, want_zh: str, want_en: str) -> RulesError:
    return RulesError(
        f"参数「{param.label_zh}」的取值 {value!r} 无效：应为{want_zh}。",
        f"parameter '{param.label_en}' value {value!r} is invalid: expected {want_en}.",
    )
