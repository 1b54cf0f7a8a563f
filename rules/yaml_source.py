"""Read a YAML rule file into plain data while remembering the line of every node.

Legal staff fix files by line number, so every later check (schema, references, static
analysis) reports `file:line`. We compose the node tree ourselves instead of `safe_load`
so that each mapping key and list item keeps its mark, and so that duplicate keys — which
`safe_load` silently overwrites — are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from jianguan.yaml_shape import RULE_FILE, shape_problem
from rules.issues import RuleIssue

Path = tuple[str | int, ...]

# A rule file is a page or two of text; anything far larger is a mistake or an attack
# (alias bombs expand exponentially), and is refused before parsing.
MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000


@dataclass
class SourceMap:
    """Line numbers (1-based) of every node of a loaded document, keyed by its path."""

    file: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)


class _Builder:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.constructor = SafeConstructor()
        self.nodes = 0
        self.issues: list[RuleIssue] = []

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge
        self.source.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build_scalar_key(key_node)
                child = (*path, key)
                self.source.lines[child] = key_node.start_mark.line + 1
                if key in out:
                    self.issues.append(
                        RuleIssue(
                            self.source.file,
                            key_node.start_mark.line + 1,
                            f"键「{key}」重复出现；同一层级中每个键只能写一次，请删除或合并重复的键。",
                            f"key '{key}' appears twice at the same level; delete or merge one.",
                        )
                    )
                    continue
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)

    def build_scalar_key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise _BadKey(node.start_mark.line + 1)
        value = self.constructor.construct_object(node, deep=True)
        # Keys are names; `1: x` or `true: x` would silently become non-strings.
        return str(value) if not isinstance(value, str) else value


class _TooLarge(Exception):
    pass


class _BadKey(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def load_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[RuleIssue]]:
    """Parse `text`; return (data, line map, issues). Data is None when parsing failed."""
    source = SourceMap(file)
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        return (
            None,
            source,
            [
                RuleIssue(
                    file,
                    1,
                    f"文件超过 {MAX_FILE_BYTES} 字节，不像规则文件；请拆分或检查是否选错了文件。",
                    f"file is larger than {MAX_FILE_BYTES} bytes; split it or check the path.",
                )
            ],
        )
    shape = shape_problem(text, RULE_FILE)
    if shape is not None:
        return (None, source, [RuleIssue(file, shape.line, shape.zh, shape.en)])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        return (
            None,
            source,
            [
                RuleIssue(
                    file,
                    line,
                    f"YAML 语法错误：{problem}；请检查缩进、冒号和引号。",
                    f"YAML syntax error: {problem}; check indentation, colons and quotes.",
                )
            ],
        )
    except yaml.YAMLError as exc:
        return (
            None,
            source,
            [RuleIssue(file, 1, f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}")],
        )
    if node is None:
        return (
            None,
            source,
            [
                RuleIssue(
                    file, 1, "文件为空；请写入规则包内容。", "the file is empty; write a package."
                )
            ],
        )
    builder = _Builder(source)
    try:
        data = builder.build(node, ())
    except _TooLarge:
        return (
            None,
            source,
            [
                RuleIssue(
                    file,
                    1,
                    f"文件节点超过 {MAX_NODES} 个（可能是别名展开过大）；请简化文件。",
                    f"more than {MAX_NODES} nodes (alias expansion?); simplify the file.",
                )
            ],
        )
    except _BadKey as bad:
        return (
            None,
            source,
            [
                RuleIssue(
                    file,
                    bad.line,
                    "键必须是简单的文字，不能是列表或映射；请改写该键。",
                    "a key must be plain text, not a list or mapping; rewrite it.",
                )
            ],
        )
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        return (
            None,
            source,
            [RuleIssue(file, 1, f"YAML 值无法解析：{exc}", f"a YAML value cannot be read: {exc}")],
        )
    return data, source, builder.issues
