"""Static analysis of a package before any record is decided (Catala/DMN-style).

The rules' conditions are evaluated over every combination of representative values: for each
field, its booleans/enum values/codes, the constants it is compared with (c-1, c, c+1) and
"not given" when it may be missing; each comparison between two fields is a free true/false.
That over-approximates the possible inputs, so "never applies", "always overridden" and
"no outcome" reports are sound (they hold for every real input); an equal-priority conflict
report names the combination so legal staff can judge it.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import numpy as np

from rules.bound import bind_package
from rules.conditions import All, Always, AnyOf, Atom, Cond, FieldRef, atoms_of, eval_atom
from rules.issues import RuleIssue, RulesError
from rules.package import Package
from rules.yaml_source import SourceMap

MAX_CELLS = 400_000


def analyse(package: Package, source: SourceMap) -> list[RuleIssue]:
    issues: list[RuleIssue] = []
    for day in _check_dates(package):
        try:
            bound = bind_package(package, day)
        except RulesError as exc:
            issues.append(
                RuleIssue(source.file, source.line(("parameters",)), exc.message_zh, exc.message_en)
            )
            return issues
        found = _analyse_bound(package, bound.rules, day, source)
        for issue in found:
            if issue not in issues:
                issues.append(issue)
    return issues


def _check_dates(package: Package) -> list[date]:
    """The package's first day and every later day a parameter changes within its validity."""
    days = {package.effective_from}
    for param in package.model.parameters.values():
        for value in param.values:
            if value.from_ > package.effective_from and package.in_force(value.from_):
                days.add(value.from_)
    return sorted(days)


def _analyse_bound(
    package: Package, rules: list[tuple[Any, Cond]], day: date, source: SourceMap
) -> list[RuleIssue]:
    file = source.file
    conds = [c for _, c in rules]
    atoms = {_plain(a) for c in conds for a in atoms_of(c)}
    axes: list[tuple[str, list[Any]]] = []  # (field or relation key, representative values)
    by_field: dict[str, list[Atom]] = {}
    relations: list[Atom] = []
    for a in atoms:
        if isinstance(a.operand, FieldRef):
            relations.append(a)
        else:
            by_field.setdefault(a.field, []).append(a)
    for name in sorted(by_field):
        axes.append((name, _representatives(package, name, by_field[name])))
    for rel in sorted(relations, key=repr):
        axes.append((repr(rel), [False, True]))
    sizes = [len(v) for _, v in axes]
    total = int(np.prod(sizes, dtype=np.float64)) if sizes else 1
    has_fallback = any(isinstance(c, Always) and c.value for c in conds)
    rules = [(r, c) for r, c in rules if not r.fallback]
    conds = [c for _, c in rules]
    if total > MAX_CELLS:
        if has_fallback:
            return []
        return [
            RuleIssue(
                file,
                source.line(("rules",)),
                "条件组合过多，无法证明每个输入都有结论；请加一条兜底规则（when: {always: true}）。",
                "too many combinations to prove every input gets an outcome; add a "
                "fallback rule (when: {always: true}).",
            )
        ]
    index = _cell_indices(sizes, total)
    column_of: dict[Atom, np.ndarray] = {}
    for pos, (key, reps) in enumerate(axes):
        if key in by_field:
            for a in by_field[key]:
                truth = np.array([eval_atom(a, {key: r}) for r in reps], dtype=bool)
                column_of[a] = truth[index[pos]]
        else:
            rel = next(r for r in relations if repr(r) == key)
            column_of[rel] = index[pos].astype(bool)
    fired = (
        np.array([_eval(c, column_of, total) for c in conds])
        if conds
        else np.zeros((0, total), bool)
    )
    issues: list[RuleIssue] = []
    stamp = f"（{day.isoformat()} 的参数）"
    stamp_en = f" (parameters of {day.isoformat()})"
    for i, (rule, _c) in enumerate(rules):
        line = package.line_of_rule.get(rule.id, 1)
        if not fired[i].any():
            issues.append(
                RuleIssue(
                    file,
                    line,
                    f"规则「{rule.id}」的条件互相矛盾，永远不会适用{stamp}；请检查条件。",
                    f"rule '{rule.id}' can never apply: its conditions contradict "
                    f"each other{stamp_en}; check them.",
                )
            )
            continue
        stronger = [
            j
            for j, (other, _) in enumerate(rules)
            if other.rank < rule.rank and other.outcome != rule.outcome
        ]
        if stronger:
            beaten = fired[stronger].any(axis=0)
            if not (fired[i] & ~beaten).any():
                names = "、".join(rules[j][0].id for j in stronger if (fired[j] & fired[i]).any())
                issues.append(
                    RuleIssue(
                        file,
                        line,
                        f"规则「{rule.id}」凡适用时总有更优先的规则（{names}）得出不同结论，它永远不会决定结论{stamp}；"
                        "请调整优先级或条件，或删除它。",
                        f"rule '{rule.id}' is shadowed: whenever it applies, a "
                        f"higher-precedence rule ({names}) gives another outcome"
                        f"{stamp_en}; change priorities or conditions, or delete it.",
                    )
                )
        for j in range(i + 1, len(rules)):
            other = rules[j][0]
            if other.rank == rule.rank and other.outcome != rule.outcome:
                both = fired[i] & fired[j]
                if both.any():
                    example = _describe(package, axes, index, int(np.argmax(both)))
                    issues.append(
                        RuleIssue(
                            file,
                            line,
                            f"规则「{rule.id}」与「{other.id}」优先级相同、结论不同，却可能同时适用"
                            f"（例如 {example}）；请设定不同的 priority 或用 exception_to 说明谁是例外。",
                            f"rules '{rule.id}' and '{other.id}' have equal "
                            f"precedence and different outcomes but can both apply "
                            f"(e.g. {example}); give different priorities or "
                            "declare one an exception_to the other.",
                        )
                    )
    if not has_fallback and conds:
        gap = ~fired.any(axis=0)
        if gap.any():
            example = _describe(package, axes, index, int(np.argmax(gap)))
            issues.append(
                RuleIssue(
                    file,
                    source.line(("rules",)),
                    f"有的输入得不到任何结论（例如 {example}）{stamp}；"
                    "请补充规则覆盖这种情形，或加一条兜底规则（when: {always: true}）。",
                    f"some input gets no outcome (e.g. {example}){stamp_en}; add "
                    "a rule for it or a fallback rule (when: {always: true}).",
                )
            )
    return issues


def _plain(a: Atom) -> Atom:
    return Atom(a.field, a.op, a.operand, False)


def _representatives(package: Package, name: str, atoms: list[Atom]) -> list[Any]:
    info = package.fields[name]
    optional = may_be_missing(package, name)
    reps: list[Any]
    if info.type == "bool":
        reps = [True, False]
    elif info.type == "enum":
        reps = list(info.values)
    elif info.type == "set":
        members = sorted({m for a in atoms if a.op == "contains_any" for m in a.operand})
        reps = [
            frozenset(c for c, keep in zip(members, mask, strict=True) if keep)
            for mask in itertools.product([False, True], repeat=len(members))
        ]
    elif info.type == "code":
        codes = sorted(set().union(*(package.tables[t] for t in info.tables)))
        seen: dict[tuple[bool, ...], str] = {}
        for code in codes:
            sig = tuple(eval_atom(a, {name: code}) for a in atoms)
            seen.setdefault(sig, code)
        reps = list(seen.values())
    elif info.type in ("int", "date"):
        points: set[int] = set()
        for a in atoms:
            values = a.operand if isinstance(a.operand, tuple) else (a.operand,)
            for v in values:
                if isinstance(v, int) and not isinstance(v, bool):
                    points.update((v - 1, v, v + 1))
        reps = sorted(points) or [0]
    else:
        reps = ["x"]
    if optional:
        reps.append(None)
    return reps


def may_be_missing(package: Package, name: str) -> bool:
    """Whether a field or derived value can be absent on some valid record."""
    spec = package.model.fields.get(name)
    if spec is not None:
        return not spec.required
    derived = package.model.derived[name]
    if derived.scorecard:
        return False
    if derived.first_present is not None:
        return all(may_be_missing(package, f) for f in derived.first_present)
    if derived.add_years is not None:
        return may_be_missing(package, derived.add_years.field)
    if derived.years_between is not None:
        return may_be_missing(package, derived.years_between.from_field)
    return True


def _cell_indices(sizes: list[int], total: int) -> list[np.ndarray]:
    out = []
    stride = 1
    cells = np.arange(total, dtype=np.int64)
    for size in reversed(sizes):
        out.append((cells // stride) % size)
        stride *= size
    return list(reversed(out))


def _eval(cond: Cond, columns: dict[Atom, np.ndarray], total: int) -> np.ndarray:
    if isinstance(cond, Atom):
        col = columns[_plain(cond)]
        return ~col if cond.negated else col
    if isinstance(cond, All):
        out = np.ones(total, dtype=bool)
        for c in cond.items:
            out &= _eval(c, columns, total)
        return out
    if isinstance(cond, AnyOf):
        out = np.zeros(total, dtype=bool)
        for c in cond.items:
            out |= _eval(c, columns, total)
        return out
    if isinstance(cond, Always):
        return np.full(total, cond.value, dtype=bool)
    raise TypeError(cond)


def _describe(
    package: Package, axes: list[tuple[str, list[Any]]], index: list[np.ndarray], cell: int
) -> str:
    parts = []
    for pos, (key, reps) in enumerate(axes):
        value = reps[int(index[pos][cell])]
        if key in package.fields:
            shown = "未填" if value is None else _show(package, key, value)
            parts.append(f"{key}={shown}")
        else:
            parts.append(f"{_relation_text(key)}={'true' if value else 'false'}")
    return "，".join(parts)


_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


def _relation_text(key: str) -> str:
    """`Atom(field='a', op='gt', operand=FieldRef(name='b'), ...)` → `a > b`."""
    import re

    found = re.match(
        r"Atom\(field='([^']*)', op='([^']*)', operand=FieldRef\(name='([^']*)'\)", key
    )
    if found is None:
        return key
    field, op, other = found.groups()
    return f"({field} {_OPS.get(op, op)} {other})"


def _show(package: Package, name: str, value: Any) -> str:
    if package.fields[name].type == "date" and isinstance(value, int):
        from rules.bound import days_to_date

        return days_to_date(value).isoformat()
    if isinstance(value, frozenset):
        return "[" + ",".join(sorted(value)) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)
