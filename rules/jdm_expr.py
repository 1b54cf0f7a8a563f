"""Our condition language written as ZEN expressions (GoRules' expression language).

Typed values live under `v.` in the ZEN context: booleans, strings, numbers, arrays for list
fields, and dates as the integer YYYYMMDD (so that dates order as numbers and the year, month
and day come out by arithmetic; ZEN has no calendar-day arithmetic of its own that matches
民法典 Art. 202's 29 February rule). A missing value is null. The rule "an atom on a missing
value is false, its negation true" (rules/conditions.py) is written out as explicit null
guards, because ZEN raises on `null >= 3` where we answer false.
"""

from __future__ import annotations

import json
from typing import Any

from rules.bound import days_to_date
from rules.conditions import (
    NEGATED_OP,
    All,
    Always,
    AnyOf,
    Atom,
    Cond,
    FieldRef,
    Not,
    TableRef,
    normalise,
)
from rules.issues import RulesError

# Words of the ZEN language a field name must not be (it would parse as the keyword).
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null", "none"})
_CMP = {"eq": "==", "is": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class JdmUnsupported(RulesError):
    """A part of a package that a JDM graph cannot carry; the message says which and why."""


def date_number(days: int) -> int:
    d = days_to_date(days)
    return d.year * 10000 + d.month * 100 + d.day


def literal(value: Any, date_field: bool = False) -> str:
    """A ZEN literal for a bound operand (dates arrive as days since 1970-01-01)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(date_number(value) if date_field else value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, TableRef):
        return literal(tuple(sorted(value.codes)))
    if isinstance(value, tuple | list | frozenset):
        return "[" + ", ".join(literal(v, date_field) for v in value) + "]"
    raise JdmUnsupported(
        f"无法写成 ZEN 字面量：{value!r}。", f"cannot write {value!r} as a ZEN literal."
    )


def atom_test(atom: Atom, subject: str, date_fields: frozenset[str]) -> tuple[str, str]:
    """(guard, test): `subject` names the value; the atom holds iff guard and test hold."""
    op, operand = atom.op, atom.operand
    if op == "present":
        return "", f"{subject} != null"
    is_date = atom.field in date_fields
    guard = f"{subject} != null"
    if isinstance(operand, FieldRef):
        other = f"v.{operand.name}"
        return f"{guard} and {other} != null", f"{subject} {_CMP[op]} {other}"
    if op in _CMP:
        return guard, f"{subject} {_CMP[op]} {literal(operand, is_date)}"
    if op in ("in", "in_table"):
        return guard, f"{subject} in {literal(operand, is_date)}"
    if op == "contains_any":
        return guard, f"some({subject}, # in {literal(operand)})"
    raise JdmUnsupported(f"运算符「{op}」无法导出。", f"operator '{op}' cannot be exported.")


def atom_expr(atom: Atom, subject: str, date_fields: frozenset[str]) -> str:
    guard, test = atom_test(atom, subject, date_fields)
    if not guard:
        return f"({subject} == null)" if atom.negated else f"({test})"
    if atom.negated:
        # missing (or a missing other field) makes the negation true, as eval_atom does
        return f"(not ({guard}) or not ({test}))"
    return f"({guard} and {test})"


def cond_expr(cond: Cond, date_fields: frozenset[str]) -> str:
    """A whole condition over `v.` values (record checks, lists, and cells that need one)."""
    cond = normalise(cond)
    return _expr(cond, date_fields)


def _expr(cond: Cond, date_fields: frozenset[str]) -> str:
    if isinstance(cond, Always):
        return "true" if cond.value else "false"
    if isinstance(cond, Atom):
        return atom_expr(cond, f"v.{cond.field}", date_fields)
    if isinstance(cond, Not):  # normalise() removes these; kept for completeness
        return f"not {_expr(cond.item, date_fields)}"
    joiner = " and " if isinstance(cond, All) else " or "
    return "(" + joiner.join(_expr(c, date_fields) for c in cond.items) + ")"


def dnf(cond: Cond, limit: int = 256) -> list[list[Atom]]:
    """Disjunctive normal form of a condition: decision-table rows, one conjunction each.

    An empty list means never; a list holding one empty conjunction means always."""
    cond = normalise(cond)

    def walk(c: Cond) -> list[list[Atom]]:
        if isinstance(c, Always):
            return [[]] if c.value else []
        if isinstance(c, Atom):
            return [[c]]
        if isinstance(c, AnyOf):
            out = [conj for item in c.items for conj in walk(item)]
        else:
            assert isinstance(c, All)  # normalise() leaves no Not
            out = [[]]
            for item in c.items:
                out = [a + b for a in out for b in walk(item)]
                if len(out) > limit:
                    break
        if len(out) > limit:
            raise JdmUnsupported(
                f"条件展开为决策表后超过 {limit} 行；请拆分规则。",
                f"the condition expands to more than {limit} decision-table rows; split the rule.",
            )
        return out

    return walk(cond)


def cell_slots(atoms: list[Atom]) -> list[list[Atom]]:
    """Atoms of one conjunction on one column, split so that each cell is a flat chain.

    ZEN's cell parser refuses a parenthesised group after two `and`s, so a cell never holds
    one: all positive atoms share one cell (`$ != null and $ >= 55 and $ < 75`) and each
    negated atom gets a cell (a column) of its own (`$ == null or $ < 90`)."""
    positive = [a for a in atoms if not a.negated]
    return ([positive] if positive else []) + [[a] for a in atoms if a.negated]


def cell(atoms: list[Atom], date_fields: frozenset[str]) -> str:
    """A decision-table cell on the column value `$` (atoms from `cell_slots`)."""
    if not atoms:
        return ""
    if atoms[0].negated:
        atom = atoms[0]
        if atom.op == "present":
            return "$ == null"
        flipped = NEGATED_OP.get(atom.op)
        if flipped is not None:
            guard, test = atom_test(Atom(atom.field, flipped, atom.operand), "$", date_fields)
            return guard.replace("!= null", "== null").replace(" and ", " or ") + " or " + test
        guard, test = atom_test(atom, "$", date_fields)
        return f"$ == null or not ({test})"
    if any(a.op == "present" for a in atoms):
        atoms = [a for a in atoms if a.op != "present"]
        if not atoms:
            return "$ != null"
    parts = ["$ != null"]
    for atom in atoms:
        guard, test = atom_test(atom, "$", date_fields)
        parts += [g for g in guard.split(" and ") if g not in parts] + [test]
    return " and ".join(parts)


def leap(year: str) -> str:
    return f"({year} % 4 == 0 and ({year} % 100 != 0 or {year} % 400 == 0))"
