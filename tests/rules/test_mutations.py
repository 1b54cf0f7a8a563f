"""Mutated rule files either load or are refused with a file:line message — never a crash
or a hang (wrong types, unknown operators, deleted keys, huge values)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jianguan.errors import JianguanError
from rules.loader import load_text
from rules.testcases import run_package_tests
from tests.random_budget import examples
from tests.rules.conftest import CREDIT, PENALTY, SUPERVISION

SOURCES = {
    p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (PENALTY, CREDIT, SUPERVISION)
}
NAMES = sorted(SOURCES)

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["$foo", "id", "sid", "always", "field", "all", "2021-02-30", "9" * 400]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(
        st.sampled_from(["field", "gt", "param", "$nex", "all", "bogus"]), st.integers(), max_size=3
    ),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


PATHS = {name: _paths(doc) for name, doc in SOURCES.items()}


def _mutate(doc: Any, path: tuple[Any, ...], kind: str, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if kind == "delete":
        del parent[last]
    elif kind == "rename" and isinstance(parent, dict):
        parent[f"{last}x"] = parent.pop(last)
    elif kind == "operator" and isinstance(parent, dict):
        parent["$foo" if "field" in parent else "bogus_op"] = parent.pop(last)
    else:
        parent[last] = value
    return doc


def _found(name: str, path: tuple[Any, ...], value: Any) -> Any:
    """A case a search found (or its sibling), kept so every run tries it (issue 10)."""
    return example(name=name, pick=PATHS[name].index(path), kind="replace", value=value)


# A list where a field name belongs crashed the loader (unhashable type: 'list'); its siblings
# are the other places a file's value is used as a name: a parameter, a compared field, a
# reference's name given as a mapping.
@_found("2021-07-15.yaml", ("rules", 0, "when", "all", 1, "gt", "field"), [])
@_found("2021-07-15.yaml", ("rules", 0, "when", "all", 1, "gt"), {"field": []})
@_found("2022-01-14.yaml", ("rules", 1, "when", "lt", "param"), [])
@_found("2022-01-14.yaml", ("rules", 1, "when", "lt"), {"param": {}})
@_found("2025-01-03.yaml", ("rules", 0, "when", "field"), {"field": 1})
@_found("2025-01-03.yaml", ("rules", 0, "when", "field"), None)
@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(NAMES),
    pick=st.integers(min_value=0),
    kind=st.sampled_from(["replace", "delete", "rename", "operator"]),
    value=ODD_VALUES,
)
def test_mutated_file_loads_or_is_refused_with_a_message(
    tmp_path_factory: pytest.TempPathFactory, name: str, pick: int, kind: str, value: Any
) -> None:
    path = PATHS[name][pick % len(PATHS[name])]
    doc = _mutate(SOURCES[name], path, kind, value)
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError):
        return
    path_on_disk = tmp_path_factory.mktemp("mutant") / name
    path_on_disk.write_text(text, encoding="utf-8")
    package, issues = load_text(text, str(path_on_disk))
    if package is None:
        assert issues
        for issue in issues:
            assert issue.line >= 1 and issue.message_zh and issue.message_en
            assert issue.render("zh").startswith(f"{path_on_disk}:{issue.line}: ")
        return
    assert issues == []
    # A mutant that loads must also decide its own test records on both engines without
    # crashing (its expectations may of course fail) — or refuse with a user-facing error.
    try:
        results = run_package_tests(package)
    except JianguanError:
        return
    assert all(r.engine in ("durable", "vector") for r in results)
