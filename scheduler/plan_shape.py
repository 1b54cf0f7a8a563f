"""The shape of a plan.json, checked before `verify_plan` looks at what it says.

A plan arrives from outside (`jianguan plan verify`, `plan save`): an edited or damaged file
may hold a number where a list belongs, a list where an inspection belongs. Each such place is
reported with its path (`inspections[3].team.SCJG`), so the verifier's checks can rely on the
types formats.md §4 gives and never stop at an internal error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Report = Callable[[str, str], None]  # (zh, en)

_TEXT = ("文本", "text")
_LIST = ("列表 [..]", "a list [..]")
_OBJECT = ("对象 {..}", "an object {..}")


def _expect(report: Report, where: str, ok: bool, kind: tuple[str, str]) -> bool:
    if not ok:
        report(f"plan.json 的 {where} 应为{kind[0]}", f"plan.json: {where} must be {kind[1]}")
    return ok


def _objects(report: Report, plan: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list under `key`, if it is a list of objects (each bad member is reported)."""
    value = plan.get(key, [])
    if not _expect(report, key, isinstance(value, list), _LIST):
        return []
    good = []
    for index, member in enumerate(value):
        if _expect(report, f"{key}[{index}]", isinstance(member, dict), _OBJECT):
            good.append(member)
    return good


def _texts(report: Report, where: str, value: Any) -> None:
    if _expect(report, where, isinstance(value, list), _LIST):
        for index, member in enumerate(value):
            _expect(report, f"{where}[{index}]", isinstance(member, str), _TEXT)


def _inspection(report: Report, where: str, inspection: dict[str, Any]) -> None:
    for key in ("enterprise_id", "date"):
        _expect(report, f"{where}.{key}", isinstance(inspection.get(key), str), _TEXT)
    _texts(report, f"{where}.items", inspection.get("items", []))
    team = inspection.get("team")
    if _expect(report, f"{where}.team", isinstance(team, dict), _OBJECT):
        assert isinstance(team, dict)
        for department, members in team.items():
            _texts(report, f"{where}.team.{department}", members)


def shape_problems(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """Every place where the plan's types differ from formats.md §4, as (zh, en) messages;
    empty when the verifier may read it. The keys themselves are checked by the caller."""
    found: list[tuple[str, str]] = []

    def report(zh: str, en: str) -> None:
        found.append((zh, en))

    for key in ("task_id", "seed", "inputs_sha256", "plan_sha256"):
        _expect(report, key, isinstance(plan.get(key), str), _TEXT)
    _expect(report, "quality", isinstance(plan.get("quality"), dict), _OBJECT)
    _objects(report, plan, "draw")
    for index, inspection in enumerate(_objects(report, plan, "inspections")):
        _inspection(report, f"inspections[{index}]", inspection)
    for index, left_out in enumerate(_objects(report, plan, "unscheduled")):
        _expect(
            report,
            f"unscheduled[{index}].enterprise_id",
            isinstance(left_out.get("enterprise_id"), str),
            _TEXT,
        )
    for index, sub in enumerate(_objects(report, plan, "substitutions")):
        for key in ("enterprise_id", "department"):
            _expect(report, f"substitutions[{index}].{key}", isinstance(sub.get(key), str), _TEXT)
    return found[:50]  # a plan wrong everywhere: the first 50 places say enough
