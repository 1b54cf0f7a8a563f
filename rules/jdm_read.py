"""Reading a raw record in ZEN, as `rules.records.parse_record` reads it.

Each input field gets a typed value `v.<field>` (null when not given or unreadable) and an
error text (null when fine). The same inputs are accepted: booleans also as
0/1 and the texts true/false/1/0/是/否/yes/no, integers also as digit texts and whole
floats, dates as YYYY-MM-DD texts of real days, list fields as `;`-texts or arrays, and a
blank text counts as not given.
"""

from __future__ import annotations

import json
from typing import Any

from rules.jdm_expr import KEYWORDS, JdmUnsupported, literal
from rules.package import Package

_INT_LIMIT = 10**9
Expr = tuple[str, str]  # (key, ZEN expression), evaluated in order inside one node


def _blank(raw: str) -> str:
    return f'({raw} == null or (type({raw}) == "string" and trim({raw}) == ""))'


def _text(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def field_reads(package: Package) -> tuple[list[Expr], list[str]]:
    """Expressions giving `v.<field>`, and one error term per field (null when it is fine),
    to be chained with `??` into the record's `error` (one expression, not one per field:
    every expression of a node costs a few µs in ZEN)."""
    out: list[Expr] = []
    errors: list[str] = []
    for name, spec in package.model.fields.items():
        if name in KEYWORDS:
            raise JdmUnsupported(
                f"字段名「{name}」是 ZEN 表达式的关键字，无法导出。",
                f"field name '{name}' is a keyword of the ZEN expression language.",
            )
        raw = name
        val = f"v.{name}"
        kind = spec.type
        extra = "null"
        if kind == "bool":
            text = f"lower(trim({raw}))"
            value = (
                f'type({raw}) == "bool" ? {raw} : '
                f'(type({raw}) == "number" and ({raw} == 0 or {raw} == 1) ? {raw} == 1 : '
                f'(type({raw}) == "string" and {text} in ["true", "1", "是", "yes"] ? true : '
                f'(type({raw}) == "string" and {text} in ["false", "0", "否", "no"] ? false : null)))'
            )
        elif kind == "int":
            value = (
                f'type({raw}) == "number" and {raw} == floor({raw}) ? {raw} : '
                f'(type({raw}) == "string" and matches(trim({raw}), "^-?[0-9]{{1,12}}$") '
                f"? number(trim({raw})) : null)"
            )
            low = -_INT_LIMIT if spec.min is None else max(spec.min, -_INT_LIMIT)
            high = _INT_LIMIT if spec.max is None else min(spec.max, _INT_LIMIT)
            extra = (
                f"{val} < {low} or {val} > {high} ? "
                f"{_text(f'field {name!r} is out of range [{low}, {high}]')} : null"
            )
        elif kind == "date":
            # ZEN's own date parser, held to the exact YYYY-MM-DD text by formatting it back
            # (a regex would be compiled again on every record: ~20 µs each)
            text = f"trim({raw})"
            n = f"$.t.{name}"
            out.append(
                (
                    f"t.{name}",
                    f'type({raw}) == "string" and len({text}) == 10 and d({text}).isValid() '
                    f'and d({text}).format("%Y-%m-%d") == {text} '
                    f'? number(d({text}).format("%Y%m%d")) : null',
                )
            )
            value = f"{n} != null and {n} >= 10000 ? {n} : null"
        elif kind in ("enum", "code"):
            members = _members(package, name, spec)
            value = f'type({raw}) == "string" and trim({raw}) in {members} ? trim({raw}) : null'
        elif kind == "set":
            items, clean = f"$.t.{name}.items", f"$.t.{name}.clean"
            out.append(
                (
                    f"t.{name}.items",
                    f'type({raw}) == "string" ? split({raw}, ";") : '
                    f'(type({raw}) == "array" ? {raw} : null)',
                )
            )
            out.append(
                (
                    f"t.{name}.clean",
                    f"{items} == null ? null : map(filter({items}, "
                    f'not (# == null or (type(#) == "string" and trim(#) == ""))), '
                    f'type(#) == "string" ? trim(#) : #)',
                )
            )
            value = f"{clean} != null and all({clean}, # in {literal(tuple(spec.values or ()))}) ? {clean} : null"
        else:  # string: only whether it is given is ever tested
            value = f'type({raw}) == "string" or type({raw}) == "number" ? {raw} : null'
        out.append((f"v.{name}", f"{_blank(raw)} ? null : ({value})"))
        missing = _text(f"missing required field {name!r}") if spec.required else "null"
        bad = _text(f"field {name!r} value is invalid ({kind})")
        errors.append(f"({_blank(raw)} ? {missing} : ({val} == null ? {bad} : ({extra})))")
    return out, errors


def _members(package: Package, name: str, spec: Any) -> str:
    if spec.type == "enum":
        return literal(tuple(spec.values or ()))
    codes = sorted(set().union(*(package.tables[t] for t in spec.tables or [])))
    return literal(tuple(codes))
