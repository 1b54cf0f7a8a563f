"""Resolve precedence among the rules that applied and explain the decision (why, why not).

Both engines only report *which rules applied*; everything a person reads — the winning
outcome, its citations, the reasons and the reasons-not — is built here, the same way for
either engine, in Chinese or English.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from rules.bound import BoundPackage, days_to_date
from rules.conditions import (
    OP_TEXT_EN,
    OP_TEXT_ZH,
    All,
    Always,
    AnyOf,
    Atom,
    Cond,
    FieldRef,
    TableRef,
    eval_atom,
    eval_cond,
    fields_of,
)
from rules.package import RuleDef


class Conflict(Exception):
    """Two rules of equal precedence with different outcomes both applied."""

    def __init__(self, rules: list[str]) -> None:
        super().__init__(rules)
        self.rules = rules


def applied_ids(bound: BoundPackage, fired: set[str]) -> set[str]:
    """Rules that apply: a fallback rule only counts when no other rule fired."""
    others = {r.id for r, _ in bound.rules if r.id in fired and not r.fallback}
    return others or fired


def resolve(bound: BoundPackage, fired: set[str]) -> tuple[str | None, list[RuleDef]]:
    """The winning outcome and the applied rules that give it (None when nothing applied)."""
    fired = applied_ids(bound, fired)
    applied = [r for r, _ in bound.rules if r.id in fired]
    if not applied:
        return None, []
    best = min(r.rank for r in applied)
    top = [r for r in applied if r.rank == best]
    outcomes = {r.outcome for r in top}
    if len(outcomes) > 1:
        raise Conflict([r.id for r in top])
    outcome = top[0].outcome
    return outcome, [r for r in applied if r.outcome == outcome]


def show_value(bound: BoundPackage, name: str, value: Any, lang: str) -> str:
    if value is None:
        return "not given" if lang == "en" else "未填"
    info = bound.package.fields.get(name)
    if isinstance(value, bool):
        return ("true" if value else "false") if lang == "en" else ("是" if value else "否")
    if info is not None and info.type == "date" and isinstance(value, int):
        return days_to_date(value).isoformat()
    if isinstance(value, frozenset | tuple | list):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    if isinstance(value, TableRef):
        table = bound.package.model.tables[value.name]
        return table.title_en if lang == "en" else f"《{table.title_zh}》"
    return str(value)


def describe_atom(bound: BoundPackage, atom: Atom, lang: str) -> str:
    label = bound.package.field_label(atom.field, lang)
    ops = OP_TEXT_EN if lang == "en" else OP_TEXT_ZH
    if atom.op == "present":
        text = f"{label} {ops['present']}"
    else:
        operand = atom.operand
        if isinstance(operand, FieldRef):
            shown = bound.package.field_label(operand.name, lang)
        else:
            shown = show_value(bound, atom.field, operand, lang)
        text = f"{label} {ops[atom.op]} {shown}"
    if atom.negated:
        return f"not ({text})" if lang == "en" else f"并非「{text}」"
    return text


def _actual(bound: BoundPackage, atom: Atom, values: dict[str, Any], lang: str) -> str:
    shown = show_value(bound, atom.field, values.get(atom.field), lang)
    if isinstance(atom.operand, FieldRef):
        other = show_value(bound, atom.operand.name, values.get(atom.operand.name), lang)
        return f"{shown} / {other}"
    return shown


def _reasons(
    bound: BoundPackage, cond: Cond, values: dict[str, Any], lang: str, want: bool
) -> list[str]:
    """The parts of `cond` that evaluated to `want`, as readable text with actual values."""
    if isinstance(cond, Always):
        return ["unconditional (fallback)" if lang == "en" else "无条件适用（兜底）"]
    if isinstance(cond, Atom):
        ok = eval_atom(cond, values)
        if ok != want:
            return []
        actual = _actual(bound, cond, values, lang)
        if lang == "en":
            return [f"{describe_atom(bound, cond, lang)} (actual: {actual})"]
        return [f"{describe_atom(bound, cond, lang)}（实际：{actual}）"]
    items = cond.items if isinstance(cond, All | AnyOf) else ()
    out: list[str] = []
    for item in items:
        if eval_cond(item, values) == want:
            out.extend(_reasons(bound, item, values, lang, want))
    return out


def citations(rules: list[RuleDef]) -> list[str]:
    seen: list[str] = []
    for rule in rules:
        for c in rule.basis:
            text = c.render()
            if text not in seen:
                seen.append(text)
    return seen


class _TextMemo:
    """Explanation pieces already written for a bound package, keyed by what they depend on.

    A rule's sentence (why it applies, or why not) reads only the values of the fields its
    condition mentions; the points line only the bands and the total; precedence and
    citations only the set of rules that fired. Records share those far more often than not,
    so each piece is built once. (Each field holds one type — the record parser sees to it —
    so equal keys always read the same.)
    """

    def __init__(self, bound: BoundPackage) -> None:
        self.fields = [tuple(sorted(fields_of(cond))) for _rule, cond in bound.rules]
        self.rule_texts: dict[tuple[Any, ...], str] = {}
        self.point_texts: dict[tuple[Any, ...], str] = {}
        self.points: dict[tuple[int, ...], dict[str, int]] = {}
        self.resolved: dict[frozenset[str], _Resolution] = {}
        self.score_name = next(
            (n for n, d in bound.package.model.derived.items() if d.scorecard), None
        )

    def rule_text(
        self,
        bound: BoundPackage,
        index: int,
        values: dict[str, Any],
        lang: str,
        applies: bool,
    ) -> str:
        key = (index, applies, lang, *[values.get(f) for f in self.fields[index]])
        try:
            text = self.rule_texts.get(key)
        except TypeError:  # a value that cannot be a key (not a typed record): no memo
            return _rule_text(bound, index, values, lang, applies)
        if text is None:
            text = _rule_text(bound, index, values, lang, applies)
            if len(self.rule_texts) > 50_000:
                self.rule_texts.clear()
            self.rule_texts[key] = text
        return text

    def points_text(
        self, bound: BoundPackage, values: dict[str, Any], bands: Sequence[int], lang: str
    ) -> str:
        key = (lang, values.get(self.score_name) if self.score_name else None, *bands)
        text = self.point_texts.get(key)
        if text is None:
            text = _points_text(bound, values, bands, lang)
            if len(self.point_texts) > 20_000:
                self.point_texts.clear()
            self.point_texts[key] = text
        return text

    def points_of(self, bound: BoundPackage, bands: Sequence[int]) -> dict[str, int]:
        """Points per indicator, a fresh dict each time (callers may edit their decision)."""
        key = tuple(bands)
        points = self.points.get(key)
        if points is None:
            points = self.points[key] = _points(bound, bands)
        return points.copy()

    def resolution(self, bound: BoundPackage, fired: set[str]) -> _Resolution:
        key = frozenset(fired)
        done = self.resolved.get(key)
        if done is None:
            outcome, winners = resolve(bound, fired)
            applied_set = applied_ids(bound, fired)
            applied = [r for r, _ in bound.rules if r.id in applied_set]
            done = _Resolution(outcome, winners, applied_set, applied, citations(winners))
            if len(self.resolved) > 20_000:
                self.resolved.clear()
            self.resolved[key] = done
        return done


class _Resolution:
    def __init__(
        self,
        outcome: str | None,
        winners: list[RuleDef],
        applied_set: set[str],
        applied: list[RuleDef],
        basis: list[str],
    ) -> None:
        self.outcome = outcome
        self.winners = winners
        self.applied_set = applied_set
        self.applied = applied
        self.basis = basis


def _rule_text(
    bound: BoundPackage, index: int, values: dict[str, Any], lang: str, applies: bool
) -> str:
    """Why rule `index` applies (its title, basis and the conditions met), or why it does not."""
    rule, cond = bound.rules[index]
    en = lang == "en"
    sep = "; " if en else "；"
    if not applies:
        failed = _reasons(bound, cond, values, lang, False)
        return f"not met: {sep.join(failed)}" if en else f"不满足：{sep.join(failed)}"
    why = sep.join(_reasons(bound, cond, values, lang, True))
    basis = "、".join(c.render() for c in rule.basis)
    if en:
        return f"Applies {rule.id} ({rule.title_en}; {basis}): {why}."
    return f"适用 {rule.id}「{rule.title_zh}」（{basis}）：{why}。"


_TEXT_MEMOS: dict[str, _TextMemo] = {}


def _text_memo(bound: BoundPackage) -> _TextMemo:
    memo = _TEXT_MEMOS.get(bound.key)
    if memo is None:
        if len(_TEXT_MEMOS) > 16:
            _TEXT_MEMOS.clear()
        memo = _TEXT_MEMOS[bound.key] = _TextMemo(bound)
    return memo


def explain(
    bound: BoundPackage,
    values: dict[str, Any],
    fired: set[str],
    bands: Sequence[int],
    lang: str,
    full: bool = True,
) -> dict[str, Any]:
    """A formats §5 decision (without `id`) plus why-not, points and package identity."""
    if not full:
        return _summary(bound, values, fired, bands)
    memo = _text_memo(bound)
    resolved = memo.resolution(bound, fired)
    outcome, winners, applied = resolved.outcome, resolved.winners, resolved.applied
    fired = resolved.applied_set
    pkg = bound.package
    en = lang == "en"
    parts: list[str] = []
    if outcome is None:
        parts.append("No rule applies." if en else "没有规则适用。")
    else:
        label = pkg.outcome_label(outcome, lang)
        parts.append(f"Outcome: {label} ({outcome})." if en else f"结论：{label}（{outcome}）。")
    if bound.bands:
        parts.append(memo.points_text(bound, values, bands, lang))
    why_not: dict[str, str] = {}
    for index, (rule, _cond) in enumerate(bound.rules):
        if rule.id in fired:
            parts.append(memo.rule_text(bound, index, values, lang, True))
        else:
            why_not[rule.id] = memo.rule_text(bound, index, values, lang, False)
    if winners and len(applied) > len(winners):
        lead = winners[0]
        others = [r.id for r in applied if r.outcome != outcome]
        if en:
            parts.append(f"{lead.id} takes precedence over {', '.join(others)}.")
        else:
            parts.append(f"{lead.id} 优先于 {'、'.join(others)}。")
    for name, cases in pkg.model.outputs.items():
        value = output_value(bound, cases, outcome, values)
        source = _output_source(bound, cases, outcome)
        parts.append(f"{name} = {value}{source}.")
    if why_not:
        head = "Not applied: " if en else "未适用："
        sep = "; " if en else "；"
        parts.append(head + sep.join(f"{k} — {v}" for k, v in why_not.items()))
    switched_off = [r.id for r in pkg.rules if r.enabled_by and not bound.params.get(r.enabled_by)]
    if switched_off:
        parts.append(
            f"Switched off by parameter: {', '.join(switched_off)}."
            if en
            else f"以下规则已由参数关闭：{'、'.join(switched_off)}。"
        )
    result: dict[str, Any] = {
        "outcome": outcome,
        "basis": resolved.basis[:],
        "rules": [r.id for r in applied],
        "explanation": " ".join(parts),
        "why_not": why_not,
        "package": pkg.id,
        "package_version": pkg.version,
        "package_sha256": pkg.sha256,
        "as_of": bound.as_of.isoformat(),
    }
    if bound.bands:
        result["points"] = memo.points_of(bound, bands)
        result["score"] = values.get(memo.score_name) if memo.score_name else None
    if bound.lists:
        result["lists"] = [lid for lid, _zh, _en, cond in bound.lists if eval_cond(cond, values)]
    for name, cases in pkg.model.outputs.items():
        result[name] = output_value(bound, cases, outcome, values)
    return result


# Keyed by content hash *and* as-of date: two bindings of a package that does not read the
# as-of date share a content key, but each decision names its own as-of date.
_SUMMARIES: dict[
    tuple[str, date], dict[tuple[frozenset[str], tuple[int, ...]], dict[str, Any]]
] = {}


def _summary(
    bound: BoundPackage, values: dict[str, Any], fired: set[str], bands: Sequence[int]
) -> dict[str, Any]:
    """Outcome, rules, citations and points without the text: the same for every record that
    fired the same rules and fell in the same bands, so it is computed once and copied."""
    memo = _SUMMARIES.get((bound.key, bound.as_of))
    if memo is None:
        if len(_SUMMARIES) > 16:
            _SUMMARIES.clear()
        memo = _SUMMARIES[(bound.key, bound.as_of)] = {}
    key = (frozenset(fired), tuple(bands))
    cached = memo.get(key)
    if cached is None:
        cached = _summary_of(bound, fired, bands)
        if len(memo) > 20_000:
            memo.clear()
        memo[key] = cached
    # Copies, so that a caller editing one decision cannot change another.
    result = cached.copy()
    result["basis"] = cached["basis"][:]
    result["rules"] = cached["rules"][:]
    points = cached.get("points")
    if points is not None:
        result["points"] = points.copy()
    outputs = bound.package.model.outputs
    if outputs:
        for name, cases in outputs.items():
            result[name] = output_value(bound, cases, cached["outcome"], values)
    return result


def _summary_of(bound: BoundPackage, fired: set[str], bands: Sequence[int]) -> dict[str, Any]:
    outcome, winners = resolve(bound, fired)
    applied = applied_ids(bound, fired)
    pkg = bound.package
    summary: dict[str, Any] = {
        "outcome": outcome,
        "basis": citations(winners),
        "rules": [r.id for r, _ in bound.rules if r.id in applied],
        "package": pkg.id,
        "package_version": pkg.version,
        "package_sha256": pkg.sha256,
        "as_of": bound.as_of.isoformat(),
    }
    if bound.bands:
        summary["points"] = _points(bound, bands)
    return summary


def output_value(
    bound: BoundPackage, cases: Any, outcome: str | None, values: dict[str, Any]
) -> Any:
    for case in cases:
        if case.outcomes is not None and outcome not in case.outcomes:
            continue
        if case.value is not None:
            return case.value
        value = bound.params[case.param]
        if case.by is not None:
            return value.get(str(values.get(case.by)))
        return value
    return None


def _output_source(bound: BoundPackage, cases: Any, outcome: str | None) -> str:
    for case in cases:
        if case.outcomes is not None and outcome not in case.outcomes:
            continue
        if case.param is None:
            return ""
        cite = bound.package.citation_of_param(case.param, bound.as_of)
        return f" ({case.param}: {cite.render()})" if cite else f" ({case.param})"
    return ""


def _points(bound: BoundPackage, bands: Sequence[int]) -> dict[str, int]:
    return {
        ind.id: bound.bands[i][bands[i]].points for i, ind in enumerate(bound.package.indicators)
    }


def _points_text(
    bound: BoundPackage, values: dict[str, Any], bands: Sequence[int], lang: str
) -> str:
    en = lang == "en"
    pieces = []
    for i, ind in enumerate(bound.package.indicators):
        band = bound.bands[i][bands[i]]
        label = band.label_en if en else band.label_zh
        title = ind.title_en if en else ind.title_zh
        pieces.append(f"{title} {label} {band.points:+d}")
    score_name = next(n for n, d in bound.package.model.derived.items() if d.scorecard)
    total = values.get(score_name)
    if en:
        return f"Points: base {bound.base_points}; " + "; ".join(pieces) + f"; total {total}."
    return f"计分：基础分 {bound.base_points}；" + "；".join(pieces) + f"；合计 {total}。"
