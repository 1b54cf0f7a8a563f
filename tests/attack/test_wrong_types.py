"""Every place of a task or scenario file given the wrong kind of value — a list, a mapping,
null, a number, a truth value, empty text — or deleted (issue 10's audit of the YAML readers):
each mutant is read, or refused at a line with a message in both languages; none crashes.

Exhaustive, not drawn: every path of the demo files × every kind, so a clone always tries the
same cases. Rule files have far more places; their audit is `@example`s in
tests/rules/test_mutations.py and the exhaustive sweep of their name positions below.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from jianguan.errors import JianguanError
from rules.conditions import ALL_OPS
from rules.loader import load_text
from scheduler.task_file import parse_task
from simulations.scenario_file import parse_scenario

ROOT = Path(__file__).resolve().parents[2]
WRONG: list[Any] = [[], [[]], {}, {"x": []}, None, 1.5, True, 10**30, ""]
DELETE = object()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _mutants(doc: Any) -> list[tuple[tuple[Any, ...], Any, str]]:
    out = []
    for path in _paths(doc):
        for value in [*WRONG, DELETE]:
            mutant = copy.deepcopy(doc)
            parent = mutant
            for step in path[:-1]:
                parent = parent[step]
            if value is DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            out.append((path, value, yaml.safe_dump(mutant, allow_unicode=True, sort_keys=False)))
    return out


def _read_or_refuse(read: Callable[[str, str], object], text: str, where: str) -> None:
    try:
        read(text, "input.yaml")
    except JianguanError as exc:
        issues = getattr(exc, "issues", [])
        assert issues, f"{where}: refused without a placed issue: {exc.message('en')}"
        for issue in issues:
            assert issue.line >= 1 and issue.message_zh and issue.message_en, where
            assert issue.render("zh").startswith("input.yaml:"), where


@pytest.mark.parametrize(
    ("name", "source", "read"),
    [
        ("task.yaml", "web/demo_task.yaml", parse_task),
        ("scenario.yaml", "simulations/demo_scenario.yaml", parse_scenario),
    ],
)
def test_every_place_of_a_user_yaml_file_takes_a_wrong_value_without_a_crash(
    name: str, source: str, read: Callable[[str, str], object]
) -> None:
    doc = yaml.safe_load((ROOT / source).read_text(encoding="utf-8"))
    mutants = _mutants(doc)
    assert len(mutants) > 100, "the demo file lost its places"
    for path, value, text in mutants:
        _read_or_refuse(read, text, f"{name} {'.'.join(map(str, path))} = {value!r}")


# Rule files: the places whose value the loader uses as a name — a field, a parameter, a table,
# an operator's operand — are the keyed places inside conditions (`when`, `error_when`); the rest
# of the file goes through the strict schema. `benchmarks/random_budget.py`'s sweep mutates every
# place of every shipped file (12,480 mutants, none crashed).
RULE_FILES = sorted((ROOT / "rules" / "packages").glob("*/*.yaml"))
NOT_A_NAME: list[Any] = [[], {"x": 1}, None]


def _name_places(doc: Any) -> list[tuple[Any, ...]]:
    """In conditions: `field: NAME`, `param: NAME` and each operator's operand — one place for
    each kind (the key, and the operator or combinator it sits under), so the test stays fast."""
    names = {"field", "param", *ALL_OPS}
    kinds: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for p in _paths(doc):
        if p[-1] in names and {"when", "error_when"} & set(p):
            kinds.setdefault((p[-1], *[s for s in p[-3:-1] if isinstance(s, str)]), p)
    return list(kinds.values())


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_rule_condition_given_a_non_name_is_refused_at_its_line(rule_file: Path) -> None:
    doc = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
    tried = 0
    for path in _name_places(doc):
        for value in NOT_A_NAME:
            mutant = copy.deepcopy(doc)
            parent = mutant
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = value
            text = yaml.safe_dump(mutant, allow_unicode=True, sort_keys=False)
            package, issues = load_text(text, "input.yaml")
            tried += 1
            where = f"{'.'.join(map(str, path))} = {value!r}"
            assert package is None and issues, f"{where} was accepted"
            for issue in issues:
                assert issue.line >= 1 and issue.message_zh and issue.message_en, where
    assert tried >= 3 * len(NOT_A_NAME)
