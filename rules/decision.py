"""Decide records with a package: validate, pick the version, run an engine, explain.

Art. 37 (从旧兼从轻): for a package with a conduct date field, when the conduct predates
the version in force on the as-of date, the record is decided under both the version in
force at the conduct and the current one, and the lighter outcome (the earlier one in the
package's `outcomes` list) is taken, saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

from rules import durable_engine, vector
from rules.bound import BoundPackage, days_to_date
from rules.explain import Conflict, explain
from rules.gc_pause import collector_paused
from rules.issues import RulesError
from rules.package import Package
from rules.records import RecordError, parse_record
from rules.registry import bound_at, version_at, versions_of

ENGINES = ("durable", "vector")


def _error(rid: Any, zh: str, en: str, lang: str) -> dict[str, Any]:
    return {"id": rid, "error": en if lang == "en" else zh}


# A batch builds no cycles, so the cyclic collector only rescans the heap while it runs
# (about a quarter of the durable path's time on 100,000 records): see rules/gc_pause.py.
@collector_paused()
def decide_records(
    package_id: str,
    records: Sequence[Mapping[str, Any] | RecordError],
    *,
    as_of: date | None = None,
    engine: str = "durable",
    lang: str = "zh",
    overrides: Mapping[str, Any] | None = None,
    paths: Sequence[str] | None = None,
    explained: bool = True,
    versions: Sequence[Package] | None = None,
) -> list[dict[str, Any]]:
    """One output dict per input, in order (formats §5). A RecordError input becomes an error.

    `explained=False` leaves out the explanation text and why-not (bulk runs that only need
    outcomes, rules and citations); everything else is the same. `versions` gives the
    package's versions explicitly (e.g. signed-off versions kept in the store beside the
    shipped files) instead of reading them from `paths` or the shipped packages.
    """
    if engine not in ENGINES:
        raise RulesError(
            f"未知引擎「{engine}」；可选 durable 或 vector。",
            f"unknown engine '{engine}'; use durable or vector.",
        )
    day = as_of or date.today()
    known = explicit_versions(package_id, versions) if versions else versions_of(package_id, paths)
    current = version_at(known, day)
    if current is None:
        raise RulesError(
            f"规则包「{package_id}」在 {day.isoformat()} 没有生效的版本；请检查 --as-of。",
            f"package '{package_id}' has no version in force on {day.isoformat()}; check --as-of.",
        )
    ov = dict(overrides or {})
    bound_now = bound_at(current, day, ov)
    results: list[dict[str, Any] | None] = [None] * len(records)
    now_items: list[tuple[int, dict[str, Any]]] = []
    # Art. 37: earlier versions, by identity, with the records to decide under them too
    old_groups: dict[int, tuple[BoundPackage, list[tuple[int, dict[str, Any]]]]] = {}
    older: dict[int, BoundPackage] = {}  # index -> the version in force at the conduct
    conduct_field = current.model.package.conduct_date_field
    for i, raw in enumerate(records):
        if isinstance(raw, RecordError):
            results[i] = {"id": None, "error": raw.message(lang)}
            continue
        rid = raw.get("id")
        if rid is None or rid == "":
            results[i] = _error(
                None,
                "缺少 id 字段；每条记录都要有 id。",
                "missing 'id'; every record needs one.",
                lang,
            )
            continue
        try:
            values = parse_record(current, raw)
            values["__bands"] = bound_now.derive(values)
            bound_now.check(values)
        except RecordError as exc:
            results[i] = {"id": rid, "error": exc.message(lang)}
            continue
        now_items.append((i, values))
        if conduct_field and values.get(conduct_field) is not None:
            conduct_day = days_to_date(values[conduct_field])
            then = version_at(known, conduct_day)
            if then is not None and then is not current:
                try:
                    old_bound = bound_at(then, conduct_day, ov)
                    old_values = parse_record(then, raw)
                    old_values["__bands"] = old_bound.derive(old_values)
                    old_bound.check(old_values)
                except (RecordError, RulesError):
                    continue  # the old version cannot read this record: the current one decides
                old_groups.setdefault(id(old_bound), (old_bound, []))[1].append((i, old_values))
                older[i] = old_bound
    earlier: dict[tuple[int, int], dict[str, Any]] = {}
    for key, (bound, items) in old_groups.items():
        for (i, _values), decision in zip(
            items, _decide_group(bound, items, records, engine, lang, explained), strict=True
        ):
            earlier[(i, key)] = decision
    decisions = _decide_group(bound_now, now_items, records, engine, lang, explained)
    for (i, _values), decision in zip(now_items, decisions, strict=True):
        old = older.get(i)
        if old is not None and "error" not in decision:
            then_decision = earlier.get((i, id(old)))
            if then_decision is not None and "error" not in then_decision:
                decision = _lighter(current, decision, then_decision, lang)
        results[i] = decision
    return [r for r in results if r is not None]


def explicit_versions(package_id: str, given: Sequence[Package]) -> list[Package]:
    """Given versions, oldest first; all of `package_id`, with distinct effective dates."""
    out = sorted(given, key=lambda p: p.effective_from)
    for p in out:
        if p.id != package_id:
            raise RulesError(
                f"给出的版本属于规则包「{p.id}」，不是「{package_id}」。",
                f"a given version belongs to package '{p.id}', not '{package_id}'.",
            )
    days = [p.effective_from for p in out]
    if len(set(days)) != len(days):
        raise RulesError(
            f"规则包「{package_id}」有两个版本的 effective_from 相同；每个版本的生效日必须不同。",
            f"two versions of package '{package_id}' share an effective_from; "
            "each version needs its own date.",
        )
    return out


def _decide_group(
    bound: BoundPackage,
    items: list[tuple[int, dict[str, Any]]],
    records: Sequence[Mapping[str, Any] | RecordError],
    engine: str,
    lang: str,
    explained: bool,
) -> list[dict[str, Any]]:
    """Decisions (with `id` first) for typed records of one bound package."""
    out = []
    for (i, values), fired in zip(items, _fire(bound, items, engine), strict=True):
        rid = records[i].get("id")  # type: ignore[union-attr]
        try:
            decision = explain(bound, values, fired, values["__bands"], lang, full=explained)
        except Conflict as exc:
            out.append(
                _error(
                    rid,
                    f"规则冲突：{exc.rules} 优先级相同而结论不同；请法制科修订规则包。",
                    f"rule conflict: {exc.rules} have equal precedence and different "
                    "outcomes; the package must be revised.",
                    lang,
                )
            )
            continue
        row: dict[str, Any] = {"id": rid}
        row.update(decision)
        row["engine"] = engine
        out.append(row)
    return out


def _fire(
    bound: BoundPackage, items: list[tuple[int, dict[str, Any]]], engine: str
) -> list[set[str]]:
    if not items:
        return []
    if engine == "durable":
        compiled = durable_engine.prepare(bound)
        facts = [durable_engine.make_fact(compiled, v) for _, v in items]
        return durable_engine.fire(bound, facts, [str(i) for i, _ in items])
    cols = vector.columns_from_values(bound, [v for _, v in items])
    result = vector.run(bound, cols)
    ids = result.rule_ids
    fired = result.fired
    return [{ids[r] for r in np.flatnonzero(fired[:, k])} for k in range(fired.shape[1])]


def _lighter(
    current: Package, now: dict[str, Any], then: dict[str, Any], lang: str
) -> dict[str, Any]:
    order = current.outcome_order()
    rank_now = order.index(now["outcome"]) if now["outcome"] in order else len(order)
    rank_then = order.index(then["outcome"]) if then["outcome"] in order else len(order)
    chosen, other = (then, now) if rank_then < rank_now else (now, then)
    en = lang == "en"
    note = (
        f"Art. 37 (old law unless the new is lighter): the conduct predates version "
        f"{now['package_version']}; under version {then['package_version']} (in force at the "
        f"conduct) the outcome is {then['outcome']}, under the current version it is "
        f"{now['outcome']}; the lighter, {chosen['outcome']}, applies."
        if en
        else f"从旧兼从轻（《中华人民共和国行政处罚法》第三十七条）：违法行为发生在现行版本 {now['package_version']} 施行之前；"
        f"按行为时施行的版本 {then['package_version']} 结论为 {then['outcome']}，按现行版本结论为 {now['outcome']}，"
        f"适用较轻的 {chosen['outcome']}。"
    )
    out = dict(chosen)
    out["id"] = now["id"]
    if "explanation" in chosen:  # a bulk (unexplained) decision carries no text to prefix
        out["explanation"] = note + " " + chosen["explanation"]
    out["basis"] = [*chosen["basis"], "《中华人民共和国行政处罚法》第三十七条"]
    out["art37"] = {
        "conduct_version": then["package_version"],
        "conduct_outcome": then["outcome"],
        "current_version": now["package_version"],
        "current_outcome": now["outcome"],
        "applied_version": chosen["package_version"],
        "other_rules": other["rules"],
    }
    return out
