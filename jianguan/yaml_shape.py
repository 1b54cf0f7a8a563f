"""Refuse YAML whose shape no real task, scenario or rule file has, before loading it.

Checked on the parser's event stream, which neither recurses nor expands aliases: `yaml.compose`
recurses once per nesting level (RecursionError past ~1,000 levels), loading expands aliases (a
600-byte "billion laughs" file kept a server busy for minutes), and int() refuses a plain
number of more than 4,300 digits. Our files are shallow pages of YAML; the limits are far above
them and far below what hurts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class ShapeLimits:
    depth: int = 40
    nodes: int = 20_000  # after alias expansion
    plain_chars: int = 1_000  # one plain (unquoted) value


CONFIG_FILE = ShapeLimits()  # task.yaml, scenario.yaml
RULE_FILE = ShapeLimits(depth=64, nodes=200_000, plain_chars=4_000)  # list tables can be long


@dataclass(frozen=True, slots=True)
class ShapeProblem:
    line: int
    zh: str
    en: str


# libyaml's event parser (a state machine in C, no recursion) when PyYAML was built with it:
# a rule file's shape is checked ~10x faster than in pure Python, which halved the time of
# `rules check` per file (benchmarks/fuzz_readers.py). Where libyaml refuses a text, the
# pure-Python parser decides, so the check never depends on which parser is installed.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


def shape_problem(text: str, limits: ShapeLimits = CONFIG_FILE) -> ShapeProblem | None:
    """Why `text` is too deep, too large once its aliases are expanded, or holds an absurdly
    long plain value; None when its shape is fine (or it is not YAML at all: the caller's own
    parse then names the syntax error at its line)."""
    if _FAST_LOADER is not None:
        try:
            return _walk(text, limits, _FAST_LOADER)
        except yaml.YAMLError:
            pass  # libyaml and PyYAML differ at the edges (tabs, odd directives)
    try:
        return _walk(text, limits, yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _walk(text: str, limits: ShapeLimits, loader: Any) -> ShapeProblem | None:
    """The first shape problem in `text`'s events as `loader` parses them; raises YAMLError
    where it cannot parse."""
    sizes: list[int] = []  # per open collection: nodes inside it so far, aliases expanded
    names: list[str | None] = []  # per open collection: its anchor
    anchors: dict[str, int] = {}  # anchor -> expanded size of its node

    def refuse(zh: str, en: str, mark: Any) -> ShapeProblem:
        return ShapeProblem(mark.line + 1 if mark is not None else 1, zh, en)

    for event in yaml.parse(text, Loader=loader):
        mark = event.start_mark
        if isinstance(event, yaml.CollectionStartEvent):
            sizes.append(1)
            names.append(event.anchor)
            if len(sizes) > limits.depth:
                return refuse(
                    f"嵌套超过 {limits.depth} 层；请检查括号与缩进。",
                    f"nested more than {limits.depth} levels deep; check brackets and indentation.",
                    mark,
                )
        elif isinstance(event, yaml.CollectionEndEvent) and sizes:
            size, anchor = sizes.pop(), names.pop()
            if anchor is not None:
                anchors[anchor] = size
            if sizes:
                sizes[-1] += size
        elif isinstance(event, yaml.ScalarEvent):
            if event.implicit[0] and len(event.value) > limits.plain_chars:
                return refuse(
                    f"值长 {len(event.value)} 个字符，超过 {limits.plain_chars}；请检查该值。",
                    f"a value of {len(event.value)} characters (over {limits.plain_chars}); "
                    "check it.",
                    mark,
                )
            if event.anchor is not None:
                anchors[event.anchor] = 1
            if sizes:
                sizes[-1] += 1
        elif isinstance(event, yaml.AliasEvent) and sizes:
            sizes[-1] += anchors.get(event.anchor or "", 1)
        if sum(sizes) > limits.nodes:
            return refuse(
                f"展开别名后超过 {limits.nodes} 个节点；请去掉 & 与 * 引用或拆分文件。",
                f"more than {limits.nodes} nodes once aliases are expanded; remove the "
                "& and * references or split the file.",
                mark,
            )
    return None
