"""Hypothesis strategies for hostile YAML and JSON documents: a valid document with a few of
its nodes replaced, removed or added, then written out and, at times, damaged as text.

The base documents are real (the demo task, the demo scenario, the shipped rule files, a
generated plan.json), so most inputs get past the first checks and reach the code behind
them; the damage is what bureaus' files and attackers bring: wrong types, missing keys,
impossible dates, huge numbers, deep nesting, YAML tags and alias bombs, bad bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import yaml
from hypothesis import strategies as st

Path_ = tuple[Any, ...]

# Values that are wrong somewhere: types a field does not take, edges of numbers and dates.
WEIRD_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 10**30, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 1e-300, 1e308, -0.0]),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\ufeff",
            "2027-02-30",
            "2027-13-01",
            "0000-01-01",
            "9999-12-31",
            "2027/3/1",
            "2027年3月1日",
            "A",
            "D",
            "key",
            "SCJG",
            "food",
            "360102",
            "x" * 5000,
            "中" * 2000,
            "{{7*7}}",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "ab" * 16,
            "zz" * 16,
        ]
    ),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
)


def _deep(levels: int, leaf: Any) -> Any:
    value = leaf
    for index in range(levels):
        value = [value] if index % 2 else {"k": value}
    return value


WEIRD_VALUES = st.one_of(
    WEIRD_SCALARS,
    st.lists(WEIRD_SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=8), WEIRD_SCALARS, max_size=3),
    st.integers(min_value=20, max_value=120).map(lambda n: _deep(n, 1)),
    st.integers(min_value=200, max_value=3000).map(lambda n: list(range(n))),
)


def _paths(doc: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every node's path (the root is ())."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _copy(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _copy(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_copy(v) for v in doc]
    return doc


def _parent(doc: Any, path: Path_) -> Any:
    node = doc
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_mutations: int = 3) -> Any:
    """`base` with 0 to `max_mutations` nodes replaced, deleted, duplicated or added."""
    doc = _copy(base)
    for _ in range(draw(st.integers(min_value=0, max_value=max_mutations))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "replace", "delete", "add", "duplicate", "empty"]))
        if not path:
            if op == "replace":
                doc = draw(WEIRD_VALUES)
            continue
        parent = _parent(doc, path)
        key = path[-1]
        if op == "replace":
            parent[key] = draw(WEIRD_VALUES)
        elif op == "delete":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(WEIRD_VALUES)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, _copy(parent[key]))
        elif op == "empty":
            node = parent[key]
            parent[key] = type(node)() if isinstance(node, dict | list | str) else None
    return doc


# Text damage a file picks up: YAML features a loader must refuse or bound, bytes that are
# not UTF-8, a truncated end, tabs, duplicate keys.
ALIAS_BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
)
YAML_SNIPPETS = [
    ALIAS_BOMB,
    "!!python/object/apply:os.system ['true']\n",
    "x: !!python/name:os.system\n",
    "x: !custom 1\n",
    "\t- tab\n",
    "id: one\nid: two\n",
    "[" * 5000 + "]" * 5000 + "\n",
    "{" * 3000 + "\n",
    "? [a, b]\n: c\n",
    "x: 1e999999\n",
    "%YAML 1.1\n---\n",
    "--- a\n--- b\n",
    "x: 0o777\ny: 0x1F\nz: 1_000\n",
    "&anchor x: *anchor\n",
]


@st.composite
def damaged(draw: st.DrawFn, text: str) -> bytes:
    """`text` as UTF-8, sometimes damaged: a snippet inserted, bytes flipped, the end cut."""
    data = text.encode("utf-8")
    choice = draw(st.integers(min_value=0, max_value=19))  # 0-6 damage it, a third of the time
    if choice == 0:
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        return data[:cut]
    if choice == 1:
        at = draw(st.integers(min_value=0, max_value=len(data)))
        return data[:at] + draw(st.sampled_from(YAML_SNIPPETS)).encode() + data[at:]
    if choice == 2:
        return draw(st.sampled_from(YAML_SNIPPETS)).encode() + data
    if choice == 3 and data:
        out = bytearray(data)
        for _ in range(draw(st.integers(min_value=1, max_value=8))):
            at = draw(st.integers(min_value=0, max_value=len(out) - 1))
            out[at] = draw(st.integers(min_value=0, max_value=255))
        return bytes(out)
    if choice == 4:
        return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\x80\x81"])) + data
    if choice == 5:
        return text.encode("gb18030", errors="replace")
    if choice == 6:
        return draw(st.binary(max_size=200))
    return data


# libyaml's emitter when PyYAML has it: dumping a 38 KB rule file in pure Python took half of
# each rule-file input's time in benchmarks/fuzz_readers.py.
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def yaml_text(doc: Any) -> str:
    try:
        return yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=200)
    except (yaml.YAMLError, RecursionError, ValueError):
        return repr(doc)  # not representable: the text itself is then the hostile input


def json_text(doc: Any) -> str:
    try:
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str)
    except (ValueError, RecursionError, TypeError):
        return repr(doc)


def yaml_files(base: Any, max_mutations: int = 3) -> st.SearchStrategy[bytes]:
    return mutated(base, max_mutations).map(yaml_text).flatmap(damaged)


def _resealed(doc: Any, reseal: Callable[[Any], Any] | None) -> st.SearchStrategy[Any]:
    if reseal is None or not isinstance(doc, dict):
        return st.just(doc)
    try:
        sealed = reseal(doc)
    except Exception:  # a mutant the sealer cannot hash (NaN...): send it as it is
        return st.just(doc)
    return st.sampled_from([doc, sealed])


def json_files(
    base: Any, max_mutations: int = 3, reseal: Callable[[Any], Any] | None = None
) -> st.SearchStrategy[bytes]:
    """JSON of `base` mutated; with `reseal`, half the mutants are sealed again (as an editor
    who knows the format would), so they get past the seal to the checks behind it."""
    text = st.one_of(
        mutated(base, max_mutations).flatmap(lambda d: _resealed(d, reseal)).map(json_text),
        mutated(base, max_mutations).flatmap(lambda d: _resealed(d, reseal)).map(json_text),
        mutated(base, max_mutations).flatmap(lambda d: _resealed(d, reseal)).map(json_text),
        st.sampled_from(
            [
                "[" * 100_000 + "]" * 100_000,
                '{"a":' * 50_000 + "1" + "}" * 50_000,
                '{"task_id": NaN}',
                '{"inspections": 1e999}',
                '{"seed": ' + "1" * 5000 + "}",
                "",
                "null",
                "[]",
            ]
        ),
    )
    return text.flatmap(damaged)
