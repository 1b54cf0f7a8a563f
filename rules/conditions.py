"""The condition language of rule files: parse, check against the package's fields, normalise.

A condition is `all: [...]`, `any: [...]`, `not: ...`, `always: true`, or an atom
`{field: NAME, OP: OPERAND}`. An atom on a missing (optional, not given) field is false; its
negation is therefore true. Both engines and the explanations follow this one rule, which is
why negation is pushed down to atoms (`normalise`) before anything is compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rules.issues import RuleIssue
from rules.yaml_source import Path, SourceMap

OPS_BY_TYPE: dict[str, frozenset[str]] = {
    "bool": frozenset({"is", "present"}),
    "enum": frozenset({"eq", "ne", "in", "present"}),
    "code": frozenset({"eq", "ne", "in", "in_table", "present"}),
    "string": frozenset({"present"}),
    "set": frozenset({"contains_any", "present"}),
    "int": frozenset({"eq", "ne", "lt", "le", "gt", "ge", "present"}),
    "date": frozenset({"eq", "ne", "lt", "le", "gt", "ge", "present"}),
}
ALL_OPS = frozenset().union(*OPS_BY_TYPE.values())
ORDER_OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})

OP_TEXT_ZH = {
    "is": "为",
    "eq": "等于",
    "ne": "不等于",
    "in": "属于",
    "in_table": "列于",
    "contains_any": "包含任一",
    "lt": "小于",
    "le": "不大于",
    "gt": "大于",
    "ge": "不小于",
    "present": "已填写",
}
OP_TEXT_EN = {
    "is": "is",
    "eq": "equals",
    "ne": "differs from",
    "in": "is one of",
    "in_table": "is listed in",
    "contains_any": "contains any of",
    "lt": "is less than",
    "le": "is at most",
    "gt": "is greater than",
    "ge": "is at least",
    "present": "is given",
}
NEGATED_OP = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt", "eq": "ne", "ne": "eq"}


@dataclass(frozen=True, slots=True)
class ParamRef:
    name: str


@dataclass(frozen=True, slots=True)
class FieldRef:
    name: str


@dataclass(frozen=True, slots=True)
class TableRef:
    name: str
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Atom:
    field: str
    op: str
    operand: Any  # literal (bool/int/str/tuple), ParamRef, FieldRef, or None for `present`
    negated: bool = False


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Cond


@dataclass(frozen=True, slots=True)
class Always:
    value: bool = True


Cond = Atom | All | AnyOf | Not | Always


@dataclass(frozen=True)
class FieldInfo:
    """What the condition checker needs to know about a field or derived value."""

    type: str
    values: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    fields: dict[str, FieldInfo]
    params: dict[str, str]  # name -> parameter type
    tables: dict[str, frozenset[str]]


def date_to_days(d: date) -> int:
    """Dates reach both engines as integer days since 1970-01-01 (durable has no date type)."""
    return d.toordinal() - 719163


class ConditionParser:
    """Parses raw condition data, collecting `file:line` issues instead of raising."""

    def __init__(self, scope: Scope, source: SourceMap) -> None:
        self.scope = scope
        self.source = source
        self.issues: list[RuleIssue] = []

    def fail(self, path: Path, zh: str, en: str) -> None:
        self.issues.append(RuleIssue(self.source.file, self.source.line(path), zh, en))

    def parse(self, raw: Any, path: Path) -> Cond:
        if not isinstance(raw, dict) or not raw:
            self.fail(
                path,
                "条件必须是映射，例如 {field: minor, is: true} 或 all: [...]。",
                "a condition must be a mapping, e.g. {field: minor, is: true} or all: [...].",
            )
            return Always(False)
        keys = set(raw)
        for combinator in ("all", "any"):
            if combinator in keys:
                if keys != {combinator}:
                    self.extra_keys(raw, {combinator}, path)
                items = raw[combinator]
                if not isinstance(items, list) or not items:
                    self.fail(
                        (*path, combinator),
                        f"「{combinator}」后面必须是非空列表。",
                        f"'{combinator}' needs a non-empty list.",
                    )
                    return Always(False)
                parsed = tuple(
                    self.parse(item, (*path, combinator, i)) for i, item in enumerate(items)
                )
                return All(parsed) if combinator == "all" else AnyOf(parsed)
        if "not" in keys:
            if keys != {"not"}:
                self.extra_keys(raw, {"not"}, path)
            return Not(self.parse(raw["not"], (*path, "not")))
        if "always" in keys:
            if keys != {"always"} or raw["always"] is not True:
                self.fail(
                    path,
                    "「always」只能单独写成 always: true（表示无条件适用）。",
                    "'always' must stand alone as always: true (applies unconditionally).",
                )
            return Always(True)
        if "field" in keys:
            return self.parse_atom(raw, path)
        self.fail(
            path,
            f"无法识别的条件键 {sorted(map(str, keys))}；可用 all、any、not、always 或 field。",
            f"unknown condition keys {sorted(map(str, keys))}; use all, any, not, always or field.",
        )
        return Always(False)

    def is_name(self, raw: Any, path: Path, what_zh: str, what_en: str) -> bool:
        """A name from the file (field, parameter, table) must be text: a list, mapping,
        number or null there is refused at its line instead of failing as a dict key."""
        if isinstance(raw, str) and raw:
            return True
        kind = type(raw).__name__
        shown_zh = "空值" if raw is None else f"{_KIND_ZH.get(kind, kind)} {str(raw)[:40]!r}"
        shown_en = "null" if raw is None else f"{kind} {str(raw)[:40]!r}"
        self.fail(
            path,
            f"此处应写{what_zh}（文字），现为{shown_zh}；例如 field: minor。",
            f"{what_en} (text) belongs here, not {shown_en}; e.g. field: minor.",
        )
        return False

    def extra_keys(self, raw: dict[str, Any], allowed: set[str], path: Path) -> None:
        extra = sorted(str(k) for k in set(raw) - allowed)
        self.fail(
            path,
            f"条件中有多余的键 {extra}；一个条件只能有一种写法，请拆成 all/any 的列表项。",
            f"extra keys {extra} in a condition; split them into all/any list items.",
        )

    def parse_atom(self, raw: dict[str, Any], path: Path) -> Cond:
        name = raw["field"]
        ops = [k for k in raw if k != "field"]
        if not self.is_name(name, (*path, "field"), "字段名", "a field name"):
            return Always(False)
        if name not in self.scope.fields:
            known = "、".join(sorted(self.scope.fields))
            self.fail(
                (*path, "field"),
                f"未知字段「{name}」；请使用 fields 或 derived 中定义的字段：{known}。",
                f"unknown field '{name}'; use a field defined under fields or derived: {known}.",
            )
            return Always(False)
        info = self.scope.fields[name]
        if len(ops) != 1:
            self.fail(
                path,
                f"字段「{name}」的条件必须恰好有一个运算符（现有 {ops}）；可用：{sorted(OPS_BY_TYPE[info.type])}。",
                f"a condition on '{name}' needs exactly one operator (found {ops}); "
                f"allowed: {sorted(OPS_BY_TYPE[info.type])}.",
            )
            return Always(False)
        op = ops[0]
        operand = raw[op]
        op_path = (*path, op)
        if op not in ALL_OPS:
            self.fail(
                op_path,
                f"未知运算符「{op}」；字段「{name}」（{info.type}）可用：{sorted(OPS_BY_TYPE[info.type])}。",
                f"unknown operator '{op}'; field '{name}' ({info.type}) allows "
                f"{sorted(OPS_BY_TYPE[info.type])}.",
            )
            return Always(False)
        if op not in OPS_BY_TYPE[info.type]:
            self.fail(
                op_path,
                f"运算符「{op}」不适用于 {info.type} 类型的字段「{name}」；可用：{sorted(OPS_BY_TYPE[info.type])}。",
                f"operator '{op}' does not apply to the {info.type} field '{name}'; "
                f"allowed: {sorted(OPS_BY_TYPE[info.type])}.",
            )
            return Always(False)
        value = self.parse_operand(name, info, op, operand, op_path)
        if value is _BAD:
            return Always(False)
        if op == "present":
            return Atom(name, "present", None, negated=not value)
        return Atom(name, op, value)

    def parse_operand(self, name: str, info: FieldInfo, op: str, raw: Any, path: Path) -> Any:
        if isinstance(raw, dict):
            return self.parse_reference(name, info, op, raw, path)
        if op == "present" or op == "is":
            if not isinstance(raw, bool):
                self.fail(
                    path,
                    f"「{op}」后面必须是 true 或 false（现为 {raw!r}）。",
                    f"'{op}' takes true or false (got {raw!r}).",
                )
                return _BAD
            return raw
        if op == "in_table":
            if not self.is_name(raw, path, "清单名", "a table name"):
                return _BAD
            if raw not in self.scope.tables or raw not in info.tables:
                self.fail(
                    path,
                    f"字段「{name}」不能引用清单「{raw}」；可用清单：{list(info.tables)}。",
                    f"field '{name}' cannot refer to table '{raw}'; allowed: {list(info.tables)}.",
                )
                return _BAD
            return str(raw)
        if op in ("in", "contains_any"):
            if not isinstance(raw, list) or not raw:
                self.fail(path, f"「{op}」后面必须是非空列表。", f"'{op}' takes a non-empty list.")
                return _BAD
            checked = [self.check_member(name, info, v, (*path, i)) for i, v in enumerate(raw)]
            if any(c is _BAD for c in checked):
                return _BAD
            return tuple(checked)
        return self.check_member(name, info, raw, path)

    def check_member(self, name: str, info: FieldInfo, raw: Any, path: Path) -> Any:
        if info.type in ("enum", "set"):
            if not isinstance(raw, str) or raw not in info.values:
                self.fail(
                    path,
                    f"「{raw}」不是字段「{name}」的取值；可选：{list(info.values)}。",
                    f"'{raw}' is not a value of '{name}'; choose from {list(info.values)}.",
                )
                return _BAD
            return raw
        if info.type == "code":
            codes = set().union(*(self.scope.tables.get(t, frozenset()) for t in info.tables))
            if not isinstance(raw, str) or raw not in codes:
                self.fail(
                    path,
                    f"「{raw}」不是清单中的代码；请核对 tables 中的 code。",
                    f"'{raw}' is not a code of the tables; check the codes under tables.",
                )
                return _BAD
            return raw
        if info.type == "int":
            if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) > 10**9:
                self.fail(
                    path,
                    f"字段「{name}」是整数，比较值必须是不超过十亿的整数（现为 {raw!r}）。",
                    f"'{name}' is an integer; compare with an integer of at most 1e9 (got {raw!r}).",
                )
                return _BAD
            return raw
        if info.type == "date":
            if not isinstance(raw, date):
                self.fail(
                    path,
                    f"字段「{name}」是日期，比较值必须写成 YYYY-MM-DD（现为 {raw!r}）。",
                    f"'{name}' is a date; write the value as YYYY-MM-DD (got {raw!r}).",
                )
                return _BAD
            return date_to_days(raw)
        self.fail(path, f"字段「{name}」不能这样比较。", f"field '{name}' cannot be compared so.")
        return _BAD

    def parse_reference(
        self, name: str, info: FieldInfo, op: str, raw: dict[str, Any], path: Path
    ) -> Any:
        if set(raw) == {"param"}:
            pname = raw["param"]
            if not self.is_name(pname, (*path, "param"), "参数名", "a parameter name"):
                return _BAD
            wanted = {"bool": ("bool",), "int": ("int", "years")}.get(info.type)
            if op in ("in", "contains_any", "in_table", "present") or wanted is None:
                self.fail(
                    path,
                    f"「{op}」不能引用参数；请直接写出取值。",
                    f"'{op}' cannot take a parameter; write the values out.",
                )
                return _BAD
            if pname not in self.scope.params:
                self.fail(
                    path,
                    f"未知参数「{pname}」；请在 parameters 中定义它。",
                    f"unknown parameter '{pname}'; define it under parameters.",
                )
                return _BAD
            if self.scope.params[pname] not in wanted:
                self.fail(
                    path,
                    f"参数「{pname}」的类型 {self.scope.params[pname]} 与字段「{name}」({info.type}) 不符。",
                    f"parameter '{pname}' of type {self.scope.params[pname]} does not fit "
                    f"field '{name}' ({info.type}).",
                )
                return _BAD
            return ParamRef(str(pname))
        if set(raw) == {"field"}:
            other = raw["field"]
            if not self.is_name(other, (*path, "field"), "字段名", "a field name"):
                return _BAD
            if op not in ORDER_OPS or info.type not in ("int", "date"):
                self.fail(
                    path,
                    "只有整数或日期字段之间可以用 eq/ne/lt/le/gt/ge 相互比较。",
                    "only int or date fields can be compared with each other (eq/ne/lt/le/gt/ge).",
                )
                return _BAD
            if other not in self.scope.fields or self.scope.fields[other].type != info.type:
                self.fail(
                    path,
                    f"比较对象「{other}」不是 {info.type} 类型的已定义字段。",
                    f"'{other}' is not a defined {info.type} field.",
                )
                return _BAD
            return FieldRef(str(other))
        self.fail(
            path,
            "比较值若是映射，只能是 {param: 名称} 或 {field: 名称}。",
            "a mapping operand must be {param: NAME} or {field: NAME}.",
        )
        return _BAD


_BAD = object()
_KIND_ZH = {
    "list": "列表",
    "dict": "映射",
    "int": "整数",
    "float": "数字",
    "bool": "真假值",
    "str": "空文字",
}


def normalise(cond: Cond, negate: bool = False) -> Cond:
    """Push `not` down to atoms (negation normal form); `Not` nodes disappear."""
    if isinstance(cond, Not):
        return normalise(cond.item, not negate)
    if isinstance(cond, Always):
        return Always(cond.value != negate)
    if isinstance(cond, Atom):
        return Atom(cond.field, cond.op, cond.operand, cond.negated != negate)
    items = tuple(normalise(c, negate) for c in cond.items)
    if isinstance(cond, All):
        return AnyOf(items) if negate else All(items)
    return All(items) if negate else AnyOf(items)


def bind(cond: Cond, params: dict[str, Any], tables: dict[str, frozenset[str]]) -> Cond:
    """Replace parameter and table references with their values for one as-of date."""
    if isinstance(cond, Atom):
        if isinstance(cond.operand, ParamRef):
            return Atom(cond.field, cond.op, params[cond.operand.name], cond.negated)
        if cond.op == "in_table" and isinstance(cond.operand, str):
            ref = TableRef(cond.operand, tables[cond.operand])
            return Atom(cond.field, cond.op, ref, cond.negated)
        return cond
    if isinstance(cond, All):
        return All(tuple(bind(c, params, tables) for c in cond.items))
    if isinstance(cond, AnyOf):
        return AnyOf(tuple(bind(c, params, tables) for c in cond.items))
    if isinstance(cond, Not):
        return Not(bind(cond.item, params, tables))
    return cond


def eval_atom(atom: Atom, record: dict[str, Any]) -> bool:
    """Plain-Python truth of a bound atom on a typed record (missing values are None)."""
    value = record.get(atom.field)
    op = atom.op
    if op == "present":
        result = value is not None
    elif value is None:
        result = False
    else:
        operand = atom.operand
        if isinstance(operand, FieldRef):
            operand = record.get(operand.name)
            if operand is None:
                return atom.negated
        if op in ("is", "eq"):
            result = value == operand
        elif op == "ne":
            result = value != operand
        elif op == "in":
            result = value in operand
        elif op == "in_table":
            result = value in operand.codes
        elif op == "contains_any":
            result = any(m in value for m in operand)
        elif op == "lt":
            result = value < operand
        elif op == "le":
            result = value <= operand
        elif op == "gt":
            result = value > operand
        else:  # ge
            result = value >= operand
    return result != atom.negated


def eval_cond(cond: Cond, record: dict[str, Any]) -> bool:
    if isinstance(cond, Atom):
        return eval_atom(cond, record)
    if isinstance(cond, All):
        return all(eval_cond(c, record) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(eval_cond(c, record) for c in cond.items)
    if isinstance(cond, Not):
        return not eval_cond(cond.item, record)
    return cond.value


def atoms_of(cond: Cond) -> list[Atom]:
    if isinstance(cond, Atom):
        return [cond]
    if isinstance(cond, All | AnyOf):
        return [a for c in cond.items for a in atoms_of(c)]
    if isinstance(cond, Not):
        return atoms_of(cond.item)
    return []


def fields_of(cond: Cond) -> set[str]:
    out: set[str] = set()
    for a in atoms_of(cond):
        out.add(a.field)
        if isinstance(a.operand, FieldRef):
            out.add(a.operand.name)
    return out


Predicate = Callable[[dict[str, Any]], bool]


def compile_cond(cond: Cond) -> Predicate:
    """A closure equivalent to `eval_cond(cond, record)`, built once per bound package.

    The scorecard and record checks run once per record on the durable path; closures avoid
    re-walking the condition tree each time.
    """
    if isinstance(cond, Always):
        value = cond.value
        return lambda r: value
    if isinstance(cond, All):
        parts = [compile_cond(c) for c in cond.items]
        return lambda r: all(p(r) for p in parts)
    if isinstance(cond, AnyOf):
        parts = [compile_cond(c) for c in cond.items]
        return lambda r: any(p(r) for p in parts)
    if isinstance(cond, Not):
        inner = compile_cond(cond.item)
        return lambda r: not inner(r)
    atom = cond
    name, op, operand, neg = atom.field, atom.op, atom.operand, atom.negated
    if isinstance(operand, FieldRef) or op in ("in_table", "contains_any"):
        return lambda r: eval_atom(atom, r)
    if op == "present":
        return (lambda r: r.get(name) is None) if neg else (lambda r: r.get(name) is not None)
    test: Callable[[Any], bool]
    if op in ("is", "eq"):
        test = operand.__eq__
    elif op == "ne":
        test = operand.__ne__
    elif op == "in":
        members = frozenset(operand)
        test = members.__contains__
    elif op == "lt":
        test = operand.__gt__
    elif op == "le":
        test = operand.__ge__
    elif op == "gt":
        test = operand.__lt__
    else:
        test = operand.__le__
    if neg:
        return lambda r: (v := r.get(name)) is None or not test(v)
    return lambda r: (v := r.get(name)) is not None and test(v)
