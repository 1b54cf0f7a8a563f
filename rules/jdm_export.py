"""`jianguan rules export PACKAGE --format jdm`: a package version as a GoRules JDM graph.

The graph takes the same JSON records as `rules decide` and its result carries `outcome`,
`rules` (every rule that applied, in file order), `error` (null, or what makes the record
undecidable), and where the package has them `score`, `points`, `lists` and its outputs
(e.g. `sampling_ratio`). Nodes, in order:

  request → read record (expression) → derived values (expression) → one decision table per
  scorecard indicator (first hit) → score (expression) → rules (decision table, collect:
  one row per conjunction of a rule's condition) → precedence (expression) → response

What a JDM graph does not carry, and why:
- Art. 37 (从旧兼从轻) across versions: one graph is one version bound to one as-of date;
  choosing the lighter of two versions' outcomes would need both graphs and a comparison
  that `rules decide` does outside either of them. The export is the version in force on
  `--as-of`, and agrees with `rules decide` given that version alone.
- The as-of date: parameters (dated values) and `years_between` are bound at export time,
  as `rules decide --as-of` binds them; export again for another date.
- Explanations (why / why-not text) and `basis` citations: the graph names each rule's
  articles in its table rows' descriptions, but writes no text.
- JSON numbers: ZEN has one number type, so a boolean field given as 1.0 is read as true,
  where `rules decide` refuses a float there.
"""

from __future__ import annotations

import calendar
import itertools
import json
from datetime import date
from typing import Any

from rules.bound import BoundPackage
from rules.conditions import date_to_days
from rules.issues import RulesError
from rules.jdm_expr import (
    JdmUnsupported,
    cell,
    cell_slots,
    cond_expr,
    date_number,
    dnf,
    leap,
    literal,
)
from rules.jdm_read import Expr, field_reads
from rules.registry import bound_at, version_at, versions_of

CONTENT_TYPE = "application/vnd.gorules.decision"


def export_for(package_id: str, day: date, lang: str) -> tuple[dict[str, Any], list[str]]:
    """The graph of the version in force on `day`, and notes on what it leaves out."""
    known = versions_of(package_id)
    current = version_at(known, day)
    if current is None:
        raise RulesError(
            f"规则包「{package_id}」在 {day.isoformat()} 没有生效的版本；请检查 --as-of。",
            f"package '{package_id}' has no version in force on {day.isoformat()}; check --as-of.",
        )
    document = export_jdm(bound_at(current, day))
    notes = []
    older = [v.version for v in known if v.effective_from < current.effective_from]
    if current.model.package.conduct_date_field and older:
        notes.append(
            f"note: the graph is version {current.version} only; Art. 37 (the lighter of the "
            f"version at the conduct, {', '.join(older)}, and this one) is not in it."
            if lang == "en"
            else f"注意：本决策图只含版本 {current.version}；从旧兼从轻（第三十七条，与行为时的版本 "
            f"{'、'.join(older)} 比较取轻）不在图中。"
        )
    return document, notes


def export_jdm(bound: BoundPackage) -> dict[str, Any]:
    pkg = bound.package
    dates = frozenset(n for n, f in pkg.fields.items() if f.type == "date")
    score_name = next((n for n, d in pkg.model.derived.items() if d.scorecard), None)
    graph = _Graph()
    reads, read_errors = field_reads(pkg)
    graph.expression("读取记录 / read record", reads)
    derived = _derived(bound, score_name)
    if derived:
        graph.expression("派生值 / derived values", derived)
    _check_errors(bound, graph, dates, read_errors)
    if bound.bands and score_name is not None:
        _scorecard(bound, graph, dates, score_name)
    _rules_table(bound, graph, dates)
    graph.expression("优先级与结论 / precedence and outcome", _resolution(bound, dates))
    # The response carries the decision only, not the working values (v., e., t., hits).
    keep = ["id", "outcome", "rules", "error"]
    keep += ["score", "points"] if bound.bands and score_name is not None else []
    keep += ["lists"] if bound.lists else []
    keep += list(pkg.model.outputs)
    graph.expression("结论 / decision", [(k, k) for k in keep], pass_through=False)
    return graph.document(
        f"{pkg.id} {pkg.version} as of {bound.as_of.isoformat()} ({pkg.model.package.title_en})"
    )


def _derived(bound: BoundPackage, score_name: str | None) -> list[Expr]:
    out: list[Expr] = []
    asof = date_number(date_to_days(bound.as_of))
    model_derived = bound.package.model.derived

    def ref(field: str) -> str:  # a value of this node is read back through `$`
        return f"$.v.{field}" if field in model_derived else f"v.{field}"

    for name, spec in bound.package.model.derived.items():
        if spec.first_present is not None:
            out.append((f"v.{name}", " ?? ".join(ref(f) for f in spec.first_present) + " ?? null"))
        elif spec.add_years is not None:
            src, n, y = ref(spec.add_years.field), bound.years[name], f"$.t.{name}.y"
            out.append((f"t.{name}.y", f"{src} == null ? null : floor({src} / 10000) + {n}"))
            md = f"{src} % 10000"
            out.append(
                (
                    f"v.{name}",
                    f"{y} == null ? null : {y} * 10000 + "
                    f"({md} == 229 and not {leap(y)} ? 228 : {md})",
                )
            )
            out.append(
                (
                    f"e.{name}",
                    f'{y} != null and ({y} < 1 or {y} > 9999) ? "date arithmetic out of range" : null',
                )
            )
        elif spec.years_between is not None:
            src = ref(spec.years_between.from_field)
            ay, amd = divmod(asof, 10000)
            md = f"{src} % 10000"
            # completed years: the anniversary this year (29 Feb → 28 Feb in a common year)
            adj = md if calendar.isleap(ay) else f"({md} == 229 ? 228 : {md})"
            out.append(
                (
                    f"v.{name}",
                    f"{src} == null ? null : {ay} - floor({src} / 10000) - ({adj} > {amd} ? 1 : 0)",
                )
            )
        elif name != score_name:
            raise JdmUnsupported(
                f"派生值「{name}」无法导出。", f"derived value '{name}' cannot be exported."
            )
    return out


def _check_errors(
    bound: BoundPackage, graph: _Graph, dates: frozenset[str], read_errors: list[str]
) -> None:
    """`error`: the first unreadable field, then the first record check that holds."""
    pkg = bound.package
    parts = ['(id == null or id == "" ? "missing \'id\'; every record needs one" : null)']
    parts += read_errors
    parts += [f"e.{n}" for n, d in pkg.model.derived.items() if d.add_years is not None]
    for _cid, cond, _zh, en in bound.checks:
        parts.append(f"({cond_expr(cond, dates)} ? {literal(en)} : null)")
    graph.expression("记录检查 / record checks", [("error", " ?? ".join(parts) + " ?? null")])


def _scorecard(bound: BoundPackage, graph: _Graph, dates: frozenset[str], score: str) -> None:
    for i, (ind, bands) in enumerate(zip(bound.package.indicators, bound.bands, strict=True)):
        rows = []
        for band in bands:
            for conj in dnf(band.cond):
                rows.append((conj, {f"pts.i{i}": str(band.points)}, band.label_en))
        if not rows or rows[-1][0]:  # no band matched: the last band applies (rules.bound)
            rows.append(([], {f"pts.i{i}": str(bands[-1].points)}, bands[-1].label_en))
        graph.table(f"{ind.title_zh} / {ind.title_en}", "first", rows, dates, [f"pts.i{i}"])
    total = " + ".join([str(bound.base_points)] + [f"pts.i{i}" for i in range(len(bound.bands))])
    points = ", ".join(
        f"{json.dumps(ind.id)}: pts.i{i}" for i, ind in enumerate(bound.package.indicators)
    )
    graph.expression(
        "评分 / score",
        [(f"v.{score}", total), ("score", f"$.v.{score}"), ("points", f"{{{points}}}")],
    )


def _rules_table(bound: BoundPackage, graph: _Graph, dates: frozenset[str]) -> None:
    rows = []
    for rule, cond in bound.rules:
        for conj in dnf(cond):
            out = {
                "rule": literal(rule.id),
                "rank": repr(float(rule.rank)),
                "outcome": literal(rule.outcome),
                "fallback": "true" if rule.fallback else "false",
            }
            cites = "; ".join(c.render() for c in rule.basis)
            rows.append((conj, out, f"{rule.id}: {rule.title_zh} — {cites}"))
    graph.table(
        "规则 / rules", "collect", rows, dates, ["rule", "rank", "outcome", "fallback"], "hits"
    )


def _resolution(bound: BoundPackage, dates: frozenset[str]) -> list[Expr]:
    """rules.explain.resolve: a fallback counts only alone; the lowest rank decides; equal
    ranks with different outcomes are a conflict (an error for that record)."""
    ids = literal(tuple(rule.id for rule, _ in bound.rules))
    out: list[Expr] = [
        ("r.others", "filter(hits, not #.fallback)"),
        ("r.applied", "len($.r.others) > 0 ? $.r.others : hits"),
        ("r.best", "len($.r.applied) > 0 ? min(map($.r.applied, #.rank)) : null"),
        ("r.top", "filter($.r.applied, #.rank == $.r.best)"),
        ("r.conflict", "some($.r.top, #.outcome != $.r.top[0].outcome)"),
        (
            "error",
            'error ?? ($.r.conflict ? "rule conflict: equal precedence, different outcomes" : null)',
        ),
        ("outcome", "$.error != null ? null : ($.r.top[0].outcome ?? null)"),
        ("rules", f"$.error != null ? null : filter({ids}, # in map($.r.applied, #.rule))"),
    ]
    if bound.lists:
        items = ", ".join(
            f"({cond_expr(cond, dates)} ? {literal(lid)} : null)"
            for lid, _zh, _en, cond in bound.lists
        )
        out.append(("lists", f"$.error != null ? null : filter([{items}], # != null)"))
    for name, cases in bound.package.model.outputs.items():
        out.append((name, f"$.error != null ? null : {_output(bound, cases)}"))
    return out


def _output(bound: BoundPackage, cases: Any) -> str:
    """rules.explain.output_value as nested conditionals on the outcome."""
    expr = "null"
    for case in reversed(cases):
        if case.value is not None:
            value = literal(case.value)
        else:
            param = bound.params[case.param]
            if case.by is not None:
                value = f"v.{case.by} == null ? null : " + _index(param, f"v.{case.by}")
            else:
                value = literal(param) if not isinstance(param, dict) else json.dumps(param)
        if case.outcomes is not None:
            expr = f"($.outcome in {literal(tuple(case.outcomes))} ? {value} : {expr})"
        else:
            expr = f"({value})"
    return expr


def _index(mapping: dict[str, Any], key: str) -> str:
    """`mapping[key]` as a chain of comparisons (ZEN does not index an object literal)."""
    expr = "null"
    for k, v in reversed(list(mapping.items())):
        expr = f"({key} == {json.dumps(k)} ? {literal(v)} : {expr})"
    return expr


class _Graph:
    """Nodes chained one after another, laid out left to right for the GoRules editor."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = [self._node("inputNode", "request", {})]

    def _node(self, kind: str, name: str, content: dict[str, Any]) -> dict[str, Any]:
        n = len(getattr(self, "nodes", []))
        node: dict[str, Any] = {
            "id": f"n{n}",
            "type": kind,
            "name": name,
            "position": {"x": 80 + 280 * n, "y": 120},
        }
        if content:
            node["content"] = content
        return node

    @staticmethod
    def _common(output_path: str | None = None) -> dict[str, Any]:
        return {
            "passThrough": True,
            "inputField": None,
            "outputPath": output_path,
            "executionMode": "single",
        }

    def expression(self, name: str, exprs: list[Expr], pass_through: bool = True) -> None:
        items = [{"id": f"x{i}", "key": k, "value": v} for i, (k, v) in enumerate(exprs)]
        content = {"expressions": items, **self._common()}
        content["passThrough"] = pass_through
        self.nodes.append(self._node("expressionNode", name, content))

    def table(
        self,
        name: str,
        hit: str,
        rows: list[tuple[list[Any], dict[str, str], str]],
        dates: frozenset[str],
        outputs: list[str],
        output_path: str | None = None,
    ) -> None:
        # a column per (field, slot): see rules.jdm_expr.cell_slots
        columns: list[tuple[str, int]] = []
        cells: list[dict[tuple[str, int], list[Any]]] = []
        for conj, _out, _d in rows:
            by_field: dict[tuple[str, int], list[Any]] = {}
            for f in dict.fromkeys(a.field for a in conj):
                for slot, atoms in enumerate(cell_slots([a for a in conj if a.field == f])):
                    by_field[(f, slot)] = atoms
                    if (f, slot) not in columns:
                        columns.append((f, slot))
            cells.append(by_field)
        inputs = [
            {"id": f"c{i}", "name": f if slot == 0 else f"{f} ({slot + 1})", "field": f"v.{f}"}
            for i, (f, slot) in enumerate(columns)
        ]
        outs = [{"id": f"o{i}", "name": f, "field": f} for i, f in enumerate(outputs)]
        table_rows = []
        for r, ((_conj, out, description), by_field) in enumerate(zip(rows, cells, strict=True)):
            row: dict[str, str] = {"_id": f"r{r}", "_description": description}
            for i, key in enumerate(columns):
                row[f"c{i}"] = cell(by_field.get(key, []), dates)
            for i, f in enumerate(outputs):
                row[f"o{i}"] = out[f]
            table_rows.append(row)
        content = {
            "hitPolicy": hit,
            "inputs": inputs,
            "outputs": outs,
            "rules": table_rows,
            **self._common(output_path),
        }
        self.nodes.append(self._node("decisionTableNode", name, content))

    def document(self, title: str) -> dict[str, Any]:
        nodes = [*self.nodes, self._node("outputNode", "response", {})]
        edges = [
            {"id": f"e{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
            for i, (a, b) in enumerate(itertools.pairwise(nodes))
        ]
        return {"contentType": CONTENT_TYPE, "name": title, "nodes": nodes, "edges": edges}
