"""Where each value of a YAML document sits: key paths → line numbers, for `file:line` errors.

Task files and scenario files are validated by pydantic, whose errors name a path such as
`departments.0.items`; these two functions turn that path back into the line a user edits.
(Rule files keep richer marks of their own: `rules/yaml_source.py`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

LinePaths = dict[tuple[Any, ...], int]


def line_index(root: yaml.Node) -> LinePaths:
    """Every key path of the document (keys as text, sequence positions as ints) → its line."""
    out: LinePaths = {}
    _index(root, (), out)
    return out


def _index(node: yaml.Node, path: tuple[Any, ...], out: LinePaths) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            _index(value_node, (*path, key), out)
            # the key's own line, for "extra key" and "missing" errors
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _index(child, (*path, i), out)


def line_of(loc: tuple[Any, ...], lines: Mapping[tuple[Any, ...], int]) -> int:
    """The line of the deepest part of `loc` the document has (a missing key: its parent's)."""
    path = tuple(str(p) if not isinstance(p, int) else p for p in loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 1)
