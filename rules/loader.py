"""Read rule files: YAML with line marks → strict schema → references → static analysis.

Nothing reaches an engine until a file passes every check here; every problem is reported
as `file:line: message` in Chinese (default) or English, saying how to fix it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from rules.conditions import Always, ConditionParser, FieldInfo, Scope, normalise
from rules.issues import RuleFileError, RuleIssue, RulesError
from rules.package import (
    BandDef,
    CheckDef,
    IndicatorDef,
    ListDef,
    Package,
    RuleDef,
    coerce_param,
)
from rules.schema import RuleFile
from rules.yaml_source import SourceMap, load_yaml

PACKAGES_DIR = FsPath(__file__).parent / "packages"
RESERVED_NAMES = frozenset({"id", "sid", "rid", "as_of", "type"})

_TYPE_ZH = {
    "extra_forbidden": "未知的键（拼写错误？）；请删除或改为规定的键",
    "missing": "缺少必填项；请补上",
    "bool_type": "应为 true 或 false",
    "int_type": "应为整数",
    "string_type": "应为文字",
    "date_type": "应为日期 YYYY-MM-DD",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "literal_error": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不符合要求",
    "too_short": "内容太少",
    "too_long": "内容太多",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "float_type": "应为数值",
}


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and "[" in p))


def _schema_issues(exc: ValidationError, source: SourceMap) -> list[RuleIssue]:
    issues = []
    seen: set[tuple[int, str]] = set()
    for err in exc.errors():
        # Union branches repeat the location with a type tag (e.g. "int", "dict[str,str]").
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in _TAGS)))
        loc = tuple("from" if p == "from_" else p for p in loc)
        line = source.line(loc)
        where = _fmt_loc(loc) or "(文件顶层)"
        key = (line, where)
        if key in seen:
            continue
        seen.add(key)
        kind = err["type"]
        zh = _TYPE_ZH.get(kind, "取值无效")
        got = err.get("input")
        got_text = "" if kind in ("missing",) else f"（现为 {str(got)[:60]!r}）"
        issues.append(
            RuleIssue(
                source.file,
                line,
                f"「{where}」{zh}{got_text}。",
                f"'{_fmt_loc(loc) or '(top level)'}': {err['msg']}.",
            )
        )
    return issues


_TAGS = frozenset({"int", "str", "bool", "float", "dict", "list", "date", "constrained-int"})


def load_file(path: str | FsPath) -> Package:
    """Load and fully check one rule file; raise RuleFileError listing every problem."""
    package, issues = try_load_file(path)
    if issues or package is None:
        raise RuleFileError(issues)
    return package


def try_load_file(path: str | FsPath) -> tuple[Package | None, list[RuleIssue]]:
    name = str(path)
    try:
        raw_bytes = FsPath(path).read_bytes()
    except OSError as exc:
        return None, [
            RuleIssue(name, 1, f"无法读取文件：{exc.strerror}", f"cannot read: {exc.strerror}")
        ]
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return None, [
            RuleIssue(name, 1, "文件不是 UTF-8 编码；请另存为 UTF-8。", "not UTF-8; save as UTF-8.")
        ]
    return load_text(text, name, hashlib.sha256(raw_bytes).hexdigest())


def load_text(
    text: str, name: str, sha256: str | None = None
) -> tuple[Package | None, list[RuleIssue]]:
    sha = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    data, source, issues = load_yaml(text, name)
    if data is None or issues:
        return None, issues
    if not isinstance(data, dict):
        return None, [
            RuleIssue(
                name,
                1,
                "规则文件顶层必须是映射（package:、rules: 等）。",
                "the top level must be a mapping (package:, rules:, ...).",
            )
        ]
    try:
        model = RuleFile.model_validate(data)
    except ValidationError as exc:
        return None, _schema_issues(exc, source)
    builder = _PackageBuilder(model, source, sha)
    package = builder.build()
    if builder.issues:
        return None, builder.issues
    from rules.static_checks import analyse

    issues = analyse(package, source)
    return (None, issues) if issues else (package, [])


class _PackageBuilder:
    def __init__(self, model: RuleFile, source: SourceMap, sha: str) -> None:
        self.m = model
        self.source = source
        self.sha = sha
        self.issues: list[RuleIssue] = []

    def fail(self, path: tuple[Any, ...], zh: str, en: str) -> None:
        self.issues.append(RuleIssue(self.source.file, self.source.line(path), zh, en))

    def build(self) -> Package:
        m = self.m
        header = m.package
        if header.effective_to and header.effective_to < header.effective_from:
            self.fail(
                ("package", "effective_to"),
                "effective_to 早于 effective_from；请更正日期。",
                "effective_to is before effective_from; correct the dates.",
            )
        tables = self.check_tables()
        fields = self.check_fields(tables)
        self.check_parameters()
        outcome_ids = [o.id for o in m.outcomes]
        if len(set(outcome_ids)) != len(outcome_ids):
            self.fail(
                ("outcomes",),
                "outcomes 中有重复的结论；每个结论只能写一次。",
                "duplicate outcome ids; list each once.",
            )
        scope = Scope(fields, {n: p.type for n, p in m.parameters.items()}, tables)
        parser = ConditionParser(scope, self.source)
        rules = self.check_rules(parser, set(outcome_ids))
        checks = tuple(
            CheckDef(
                c.id,
                normalise(parser.parse(c.error_when, ("checks", i, "error_when"))),
                c.message_zh,
                c.message_en,
            )
            for i, c in enumerate(m.checks)
        )
        indicators = self.check_scorecard(parser)
        lists = tuple(
            ListDef(
                s.id, s.label_zh, s.label_en, normalise(parser.parse(s.when, ("lists", i, "when")))
            )
            for i, s in enumerate(m.lists)
        )
        self.check_outputs(set(outcome_ids), fields)
        self.check_tests(set(outcome_ids), {r.id for r in rules}, {s.id for s in m.lists})
        if (
            header.conduct_date_field
            and fields.get(header.conduct_date_field, FieldInfo("")).type != "date"
        ):
            self.fail(
                ("package", "conduct_date_field"),
                "conduct_date_field 必须是日期型输入字段。",
                "conduct_date_field must name a date input field.",
            )
        self.issues.extend(parser.issues)
        return Package(
            model=m,
            path=self.source.file,
            sha256=self.sha,
            fields=fields,
            rules=rules,
            checks=checks,
            indicators=indicators,
            lists=lists,
            tables=tables,
            line_of_rule={r.id: r.line for r in rules},
        )

    def check_tables(self) -> dict[str, frozenset[str]]:
        out = {}
        for name, table in self.m.tables.items():
            codes = [r.code for r in table.rows]
            dupes = sorted({c for c in codes if codes.count(c) > 1})
            if dupes:
                self.fail(
                    ("tables", name, "rows"),
                    f"清单「{name}」中代码重复：{dupes}。",
                    f"table '{name}' repeats codes {dupes}.",
                )
            out[name] = frozenset(codes)
        return out

    def check_fields(self, tables: dict[str, frozenset[str]]) -> dict[str, FieldInfo]:
        out: dict[str, FieldInfo] = {}
        for name, spec in self.m.fields.items():
            path = ("fields", name)
            self.check_name(name, path)
            if spec.type in ("enum", "set") and not spec.values:
                self.fail(
                    path,
                    f"字段「{name}」是 {spec.type}，必须用 values 列出取值。",
                    f"field '{name}' is {spec.type}: list its values.",
                )
            if spec.type not in ("enum", "set") and spec.values:
                self.fail(
                    (*path, "values"),
                    "只有 enum 或 set 字段才能写 values。",
                    "only enum or set fields take values.",
                )
            if spec.type == "code":
                if not spec.tables:
                    self.fail(
                        path,
                        f"代码字段「{name}」必须用 tables 指明清单。",
                        f"code field '{name}' must name its tables.",
                    )
                for t in spec.tables or []:
                    if t not in tables:
                        self.fail(
                            (*path, "tables"),
                            f"未知清单「{t}」；请在 tables 中定义。",
                            f"unknown table '{t}'; define it under tables.",
                        )
            elif spec.tables:
                self.fail(
                    (*path, "tables"),
                    "只有 code 字段才能写 tables。",
                    "only code fields take tables.",
                )
            if (spec.min is not None or spec.max is not None) and spec.type != "int":
                self.fail(path, "min/max 只适用于 int 字段。", "min/max apply to int fields only.")
            out[name] = FieldInfo(spec.type, tuple(spec.values or ()), tuple(spec.tables or ()))
        derived_types: dict[str, str] = {}
        for name, dspec in self.m.derived.items():
            path = ("derived", name)
            self.check_name(name, path)
            if name in out:
                self.fail(
                    path, f"派生值「{name}」与输入字段同名。", f"derived '{name}' shadows a field."
                )
            ops = [
                k
                for k in ("first_present", "add_years", "years_between", "scorecard")
                if getattr(dspec, k) is not None
            ]
            if len(ops) != 1:
                self.fail(
                    path,
                    "派生值必须恰好有一种算法：first_present、add_years、years_between 或 scorecard。",
                    "a derived value needs exactly one of first_present, add_years, "
                    "years_between, scorecard.",
                )
                continue
            known = {**{k: v.type for k, v in out.items()}, **derived_types}
            op = ops[0]
            if op == "first_present":
                for f in dspec.first_present or []:
                    if known.get(f) != dspec.type:
                        self.fail(
                            (*path, "first_present"),
                            f"「{f}」不是已定义的 {dspec.type} 字段。",
                            f"'{f}' is not a defined {dspec.type} field.",
                        )
            elif op == "add_years" and dspec.add_years is not None:
                if dspec.type != "date" or known.get(dspec.add_years.field) != "date":
                    self.fail(
                        (*path, "add_years"),
                        "add_years 需要日期字段，结果也是日期。",
                        "add_years needs a date field and yields a date.",
                    )
                self.check_years(dspec.add_years.years, (*path, "add_years", "years"))
            elif op == "years_between" and dspec.years_between is not None:
                if dspec.type != "int" or known.get(dspec.years_between.from_field) != "date":
                    self.fail(
                        (*path, "years_between"),
                        "years_between 需要日期字段，结果是整数。",
                        "years_between needs a date field and yields an int.",
                    )
            elif op == "scorecard" and (dspec.type != "int" or self.m.scorecard is None):
                self.fail(
                    path,
                    "scorecard 派生值必须是 int，且文件中要有 scorecard 一节。",
                    "a scorecard value must be int and the file needs a scorecard.",
                )
            derived_types[name] = dspec.type
            out[name] = FieldInfo(dspec.type)
        return out

    def check_years(self, years: Any, path: tuple[Any, ...]) -> None:
        if isinstance(years, dict):
            pname = years.get("param")
            if (
                set(years) != {"param"}
                or pname not in self.m.parameters
                or self.m.parameters[pname].type not in ("years", "int")
            ):
                self.fail(
                    path,
                    "years 必须是整数或 {param: 年数参数}。",
                    "years must be an integer or {param: a years parameter}.",
                )
        elif not 0 <= years <= 200:
            self.fail(path, "years 必须在 0 到 200 之间。", "years must be within 0..200.")

    def check_name(self, name: str, path: tuple[Any, ...]) -> None:
        if name in RESERVED_NAMES or "__" in name:
            self.fail(
                path,
                f"名称「{name}」为系统保留（id、sid、rid、as_of、type 或含 __）；请改名。",
                f"name '{name}' is reserved (id, sid, rid, as_of, type, or contains __); "
                "rename it.",
            )

    def check_parameters(self) -> None:
        for name, param in self.m.parameters.items():
            path = ("parameters", name)
            self.check_name(name, path)
            dates = [v.from_ for v in param.values]
            if dates != sorted(set(dates)):
                self.fail(
                    (*path, "values"),
                    f"参数「{name}」的取值必须按 from 日期从早到晚排列且不重复。",
                    f"values of '{name}' must be in increasing 'from' order, no repeats.",
                )
            for i, v in enumerate(param.values):
                try:
                    coerce_param(param, v.value)
                except RulesError as exc:
                    self.fail((*path, "values", i, "value"), exc.message_zh, exc.message_en)

    def check_rules(self, parser: ConditionParser, outcomes: set[str]) -> tuple[RuleDef, ...]:
        m = self.m
        ids = [r.id for r in m.rules]
        by_id = {r.id: r for r in m.rules}
        for i, rid in enumerate(ids):
            if ids.count(rid) > 1 and ids.index(rid) != i:
                self.fail(
                    ("rules", i, "id"),
                    f"规则编号「{rid}」重复；每条规则的 id 必须唯一。",
                    f"rule id '{rid}' is used twice; ids must be unique.",
                )
        ranks: dict[str, float] = {}

        def rank_of(rid: str, seen: tuple[str, ...]) -> float:
            if rid in ranks:
                return ranks[rid]
            rule = by_id[rid]
            if rule.exception_to is None:
                value = float(rule.priority if rule.priority is not None else 0)
            elif rule.exception_to in seen or rule.exception_to not in by_id:
                value = 0.0
            else:
                # An exception wins over exactly the rule it is an exception to (Catala style).
                value = rank_of(rule.exception_to, (*seen, rid)) - 0.5 ** (len(seen) + 1)
            ranks[rid] = value
            return value

        out = []
        for i, r in enumerate(m.rules):
            path = ("rules", i)
            if r.outcome not in outcomes:
                self.fail(
                    (*path, "outcome"),
                    f"结论「{r.outcome}」不在 outcomes 中；可选：{sorted(outcomes)}。",
                    f"outcome '{r.outcome}' is not listed under outcomes: {sorted(outcomes)}.",
                )
            if (r.priority is None) == (r.exception_to is None):
                self.fail(
                    path,
                    "每条规则必须写 priority（数字越小越优先）或 exception_to（作为某规则的例外），二者择一。",
                    "each rule needs either priority (lower wins) or exception_to, not both.",
                )
            if r.exception_to is not None:
                if r.exception_to not in by_id or r.exception_to == r.id:
                    self.fail(
                        (*path, "exception_to"),
                        f"exception_to 指向不存在的规则「{r.exception_to}」。",
                        f"exception_to names an unknown rule '{r.exception_to}'.",
                    )
                else:
                    chain, cur = [r.id], by_id[r.exception_to]
                    while cur.exception_to is not None and cur.id not in chain:
                        chain.append(cur.id)
                        cur = by_id.get(cur.exception_to, cur)
                        if cur.exception_to is None or cur.exception_to not in by_id:
                            break
                    if cur.id in chain and cur.exception_to is not None:
                        self.fail(
                            (*path, "exception_to"),
                            "exception_to 形成了循环；请理顺例外关系。",
                            "exception_to forms a cycle; untangle the exceptions.",
                        )
            if r.enabled_by is not None:
                p = m.parameters.get(r.enabled_by)
                if p is None or p.type != "bool":
                    self.fail(
                        (*path, "enabled_by"),
                        f"enabled_by 必须是 bool 参数（「{r.enabled_by}」不是）。",
                        f"enabled_by must name a bool parameter ('{r.enabled_by}' is not).",
                    )
            cond = normalise(parser.parse(r.when, (*path, "when")))
            out.append(
                RuleDef(
                    r.id,
                    r.title_zh,
                    r.title_en,
                    tuple(r.basis),
                    cond,
                    r.outcome,
                    rank_of(r.id, ()) if r.id in by_id else 0.0,
                    r.enabled_by,
                    self.source.line(path),
                    r.fallback,
                )
            )
            if r.fallback and not (isinstance(cond, Always) and cond.value):
                self.fail(
                    (*path, "fallback"),
                    "兜底规则（fallback: true）的条件必须是 always: true。",
                    "a fallback rule's condition must be always: true.",
                )
        return tuple(out)

    def check_scorecard(self, parser: ConditionParser) -> tuple[IndicatorDef, ...]:
        sc = self.m.scorecard
        if sc is None:
            return ()
        self.check_points(sc.base, ("scorecard", "base"))
        out = []
        for i, ind in enumerate(sc.indicators):
            bands = []
            for j, band in enumerate(ind.bands):
                path = ("scorecard", "indicators", i, "bands", j)
                cond = normalise(parser.parse(band.when, (*path, "when")))
                points = self.check_points(band.points, (*path, "points"))
                bands.append(BandDef(cond, points, band.label_zh, band.label_en))
            if not isinstance(bands[-1].cond, Always):
                self.fail(
                    ("scorecard", "indicators", i, "bands"),
                    f"指标「{ind.id}」的最后一档必须是 when: {{always: true}}（兜底档），以免有企业没有得分。",
                    f"indicator '{ind.id}' must end with a when: {{always: true}} band so "
                    "every enterprise gets points.",
                )
            out.append(
                IndicatorDef(ind.id, ind.title_zh, ind.title_en, tuple(ind.basis), tuple(bands))
            )
        return tuple(out)

    def check_points(self, points: Any, path: tuple[Any, ...]) -> int | str:
        if isinstance(points, dict):
            pname = points.get("param")
            if (
                set(points) != {"param"}
                or pname not in self.m.parameters
                or self.m.parameters[pname].type != "int"
            ):
                self.fail(
                    path,
                    "分值必须是整数或 {param: 整数参数}。",
                    "points must be an integer or {param: an int parameter}.",
                )
                return 0
            return str(pname)
        return int(points)

    def check_outputs(self, outcomes: set[str], fields: dict[str, FieldInfo]) -> None:
        for name, cases in self.m.outputs.items():
            for i, case in enumerate(cases):
                path = ("outputs", name, i)
                for o in case.outcomes or []:
                    if o not in outcomes:
                        self.fail(
                            (*path, "outcomes"), f"未知结论「{o}」。", f"unknown outcome '{o}'."
                        )
                if (case.value is None) == (case.param is None):
                    self.fail(
                        path,
                        "每一项输出必须写 value 或 param，二者择一。",
                        "each output case needs exactly one of value or param.",
                    )
                if case.param is not None:
                    p = self.m.parameters.get(case.param)
                    if p is None:
                        self.fail(
                            (*path, "param"),
                            f"未知参数「{case.param}」。",
                            f"unknown parameter '{case.param}'.",
                        )
                    elif (p.type == "map") != (case.by is not None):
                        self.fail(
                            path,
                            "映射参数需要 by（按哪个字段取值），其他参数不能写 by。",
                            "a map parameter needs 'by' (the field to look up); others must not.",
                        )
                if case.by is not None and case.by not in fields:
                    self.fail(
                        (*path, "by"), f"未知字段「{case.by}」。", f"unknown field '{case.by}'."
                    )

    def check_tests(self, outcomes: set[str], rule_ids: set[str], list_ids: set[str]) -> None:
        for i, t in enumerate(self.m.tests):
            path = ("tests", i, "expect")
            e = t.expect
            if e.outcome is not None and e.outcome not in outcomes:
                self.fail(
                    (*path, "outcome"),
                    f"测试期望的结论「{e.outcome}」不在 outcomes 中。",
                    f"expected outcome '{e.outcome}' is not an outcome.",
                )
            for r in e.rules or []:
                if r not in rule_ids:
                    self.fail(
                        (*path, "rules"),
                        f"测试期望的规则「{r}」不存在。",
                        f"expected rule '{r}' does not exist.",
                    )
            for li in e.lists or []:
                if li not in list_ids:
                    self.fail(
                        (*path, "lists"),
                        f"测试期望的名单「{li}」不存在。",
                        f"expected list '{li}' does not exist.",
                    )
            if e.error is None and e.outcome is None:
                self.fail(
                    path,
                    "测试必须写期望的 outcome，或 error: true。",
                    "a test needs an expected outcome or error: true.",
                )


def package_files(paths: Iterable[str | FsPath] | None = None) -> list[FsPath]:
    """The rule files under `paths` (files or folders); default: the shipped packages."""
    roots = [FsPath(p) for p in paths] if paths else [PACKAGES_DIR]
    out: list[FsPath] = []
    for root in roots:
        if root.is_dir():
            out.extend(sorted(p for p in root.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        else:
            out.append(root)
    return out
