"""Reading and writing JSONL decision files (formats §5): a bad line is an error record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from rules.issues import RulesError
from rules.records import RecordError


def read_jsonl(path: str | Path) -> list[dict[str, Any] | RecordError]:
    """One item per non-empty line: the object, or a RecordError saying what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(
            f"无法读取输入文件 {path}：{exc.strerror}",
            f"cannot read input file {path}: {exc.strerror}",
        ) from None
    except UnicodeDecodeError:
        raise RulesError(
            f"输入文件 {path} 不是 UTF-8 编码；请另存为 UTF-8。",
            f"input file {path} is not UTF-8; save it as UTF-8.",
        ) from None
    return list(_parse_lines(text.splitlines()))


def _parse_lines(lines: list[str]) -> Iterator[dict[str, Any] | RecordError]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield RecordError(
                f"第 {number} 行不是合法的 JSON（{getattr(exc, 'msg', exc)}）；每行应是一个 JSON 对象。",
                f"line {number} is not valid JSON ({getattr(exc, 'msg', exc)}); each line must "
                "be one JSON object.",
            )
            continue
        if not isinstance(value, dict):
            yield RecordError(
                f"第 {number} 行不是 JSON 对象（{{...}}）；每行应是一条记录。",
                f"line {number} is not a JSON object ({{...}}); each line must be one record.",
            )
            continue
        yield value


def write_jsonl(rows: list[dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=str))
        out.write("\n")
