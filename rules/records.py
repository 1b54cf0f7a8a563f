"""Turn one input record (a JSON object or a CSV row as JSON) into typed values.

Both engines see the same typed record: booleans, enum/code strings, dates as integer days
since 1970-01-01, integers, and frozensets for list fields; a missing optional value is None.
Anything that cannot be read makes the record an `error` naming the field and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from rules.conditions import date_to_days
from rules.package import Package

_TRUE = {"true", "1", "是", "yes"}
_FALSE = {"false", "0", "否", "no"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RecordError(Exception):
    """This record cannot be decided; the message names the field and says what is wrong."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_record(package: Package, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of every input field of `package` (None when not given)."""
    out: dict[str, Any] = {}
    get = raw.get
    for name, fast, low, high, is_date, required, spec in _plan(package):
        value: Any = get(name)
        # the common case first: a JSON value of exactly the right type, within range
        kind = type(value)
        if kind is fast:
            if fast is not int or low <= value <= high:
                out[name] = value
                continue
        elif is_date and kind is str:
            days = _iso_days(value)
            if days is not None:
                out[name] = days
                continue
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if required:
                raise RecordError(
                    f"缺少必填字段「{name}」（{spec.label_zh}）；请补上。",
                    f"missing required field '{name}' ({spec.label_en}); add it.",
                )
            out[name] = None
            continue
        out[name] = _convert_checked(package, name, spec, value)
    return out


# per field: name, the type taken as is, the int range taken as is, is a date, required, spec
_Plan = list[tuple[str, type | None, int, int, bool, bool, Any]]
_PLANS: dict[str, _Plan] = {}
_FAST = {"bool": bool, "int": int, "string": str}
_INT_LIMIT = 10**9  # beyond it `_convert` refuses any integer


def _plan(package: Package) -> _Plan:
    plan = _PLANS.get(package.sha256)
    if plan is None:
        plan = []
        for name, spec in package.model.fields.items():
            # an int outside [low, high] takes the slow path, which says what is wrong
            low = -_INT_LIMIT if spec.min is None else max(spec.min, -_INT_LIMIT)
            high = _INT_LIMIT if spec.max is None else min(spec.max, _INT_LIMIT)
            fast = _FAST.get(spec.type)
            plan.append((name, fast, low, high, spec.type == "date", spec.required, spec))
        _PLANS[package.sha256] = plan
    return plan


@lru_cache(maxsize=65536)
def _iso_days(text: str) -> int | None:
    """Days since 1970-01-01 of a strict YYYY-MM-DD text, None when it is not one."""
    if not _DATE.match(text):
        return None
    try:
        return date_to_days(date.fromisoformat(text))
    except ValueError:
        return None


def _convert_checked(package: Package, name: str, spec: Any, value: Any) -> Any:
    result = _convert(package, name, spec.type, value)
    if spec.type == "int":
        low, high = spec.min, spec.max
        if (low is not None and result < low) or (high is not None and result > high):
            raise RecordError(
                f"字段「{name}」的值 {result} 超出范围 [{low}, {high}]。",
                f"field '{name}' value {result} is outside [{low}, {high}].",
            )
    return result


def _convert(package: Package, name: str, kind: str, value: Any) -> Any:
    spec = package.model.fields[name]
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _bad(name, value, "true 或 false", "true or false")
    if kind == "int":
        if isinstance(value, bool):
            raise _bad(name, value, "整数", "an integer")
        if isinstance(value, int):
            result = value
        elif (isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value)) or (
            isinstance(value, float) and value.is_integer()
        ):
            result = int(value)
        else:
            raise _bad(name, value, "整数", "an integer")
        if abs(result) > 10**9:
            raise _bad(name, value, "不超过十亿的整数", "an integer of at most 1e9")
        return result
    if kind == "date":
        if isinstance(value, date):
            return date_to_days(value)
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return date_to_days(date.fromisoformat(value.strip()))
            except ValueError:
                pass
        raise _bad(name, value, "存在的日期 YYYY-MM-DD", "a real date YYYY-MM-DD")
    if kind == "enum":
        values = spec.values or []
        if isinstance(value, str) and value.strip() in values:
            return value.strip()
        raise _bad(name, value, f"以下之一：{values}", f"one of {values}")
    if kind == "code":
        codes = set().union(*(package.tables[t] for t in spec.tables or []))
        if isinstance(value, str) and value.strip() in codes:
            return value.strip()
        raise RecordError(
            f"字段「{name}」的代码 {value!r} 不在规则包的清单中；请核对清单代码"
            f"（见规则文件 tables 一节），或不填此字段。",
            f"field '{name}' code {value!r} is not in the package's tables; check the codes "
            "under tables in the rule file, or leave the field out.",
        )
    if kind == "set":
        values = spec.values or []
        items = value.split(";") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise _bad(name, value, f"列表，元素取自 {values}", f"a list of {values}")
        clean = [i.strip() if isinstance(i, str) else i for i in items if not _blank(i)]
        for item in clean:
            if item not in values:
                raise _bad(name, item, f"以下之一：{values}", f"one of {values}")
        return frozenset(clean)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise _bad(name, value, "文字", "text")


def _bad(name: str, value: Any, want_zh: str, want_en: str) -> RecordError:
    shown = repr(value)[:60]
    return RecordError(
        f"字段「{name}」的值 {shown} 无效：应为{want_zh}。",
        f"field '{name}' value {shown} is invalid: expected {want_en}.",
    )
