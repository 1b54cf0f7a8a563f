"""Reading a JSON request body with a bound on nesting.

Python's decoder recurses once per level: a body nested a few thousand levels deep raises
RecursionError (a 500) instead of a parse error, and a body just under that limit would still
reach code that recurses again. The API's records are flat, so a shallow limit refuses such
bodies with a 400 that says why.
"""

from __future__ import annotations

from typing import Any

from flask import request

from jianguan.errors import JianguanError

MAX_DEPTH = 32  # a formats.md §5 record is 2 levels deep inside {"records": [...]}


class BodyError(JianguanError):
    """The body is not JSON, or is nested too deeply."""


def _depth_over(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:  # iterative: the check itself must not recurse
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def json_body(max_depth: int = MAX_DEPTH) -> Any:
    """The request's JSON body; None when there is none or it is not JSON."""
    try:
        value = request.get_json(silent=True)
    except RecursionError:
        value = None
        too_deep = True
    else:
        too_deep = _depth_over(value, max_depth)
    if too_deep:
        raise BodyError(
            f"请求体的 JSON 嵌套超过 {max_depth} 层；记录应为扁平的 JSON 对象。",
            f"The JSON body is nested more than {max_depth} levels deep; records are flat "
            "JSON objects.",
        )
    return value
