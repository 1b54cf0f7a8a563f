"""What a rule change does before it takes effect (`jianguan rules diff`).

Both versions are evaluated over the same population with the vectorised engine; a sample of
changed records is then decided again with full explanations under each version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jianguan.registry_schema import Enterprise
from rules import vector
from rules.bound import BoundPackage
from rules.decision import decide_records
from rules.explain import output_value
from rules.issues import RulesError
from rules.jsonl import read_jsonl
from rules.package import Package
from rules.records import RecordError
from rules.registry import bound_at, load_packages, version_at, versions_of


@dataclass
class Impact:
    package: str
    old_version: str
    new_version: str
    population: int
    errors: int
    transitions: dict[str, dict[str, int]]
    changed: int
    lists_gained: dict[str, int] = field(default_factory=dict)
    lists_lost: dict[str, int] = field(default_factory=dict)
    workload_old: str | None = None
    workload_new: str | None = None
    samples: list[dict[str, Any]] = field(default_factory=list)


def load_population(path: str | Path, package_id: str, as_of: date) -> list[dict[str, Any]]:
    """Records from .jsonl, or enterprises from .csv/.xlsx (tiers filled for `supervision`)."""
    p = Path(path)
    if p.suffix.lower() in (".jsonl", ".json"):
        return [r for r in read_jsonl(p) if not isinstance(r, RecordError)]
    from jianguan.registry_read import read_enterprises

    return rows_from_enterprises(read_enterprises(p), package_id, as_of)


def rows_from_enterprises(
    enterprises: Sequence[Enterprise], package_id: str, as_of: date
) -> list[dict[str, Any]]:
    """Registry enterprises as records; for `supervision`, missing tiers come from the shipped
    credit-tier package (as the draw fills them)."""
    rows = [{k: getattr(e, k) for k in e.__dataclass_fields__} for e in enterprises]
    if package_id == "supervision" and any(not r.get("credit_tier") for r in rows):
        from rules.api import classify_enterprises

        for row, c in zip(rows, classify_enterprises(enterprises, as_of=as_of), strict=True):
            row["credit_tier"] = row.get("credit_tier") or c.credit_tier
    return rows


def compare(
    old_path: str,
    new_path: str,
    population: str,
    as_of: date | None,
    lang: str = "zh",
    samples: int = 5,
) -> Impact:
    old_pkgs = load_packages([old_path])
    new_pkgs = load_packages([new_path])
    if len(old_pkgs) != 1 or len(new_pkgs) != 1 or set(old_pkgs) != set(new_pkgs):
        raise RulesError(
            "OLD 与 NEW 必须是同一个规则包的两个文件（或文件夹）。",
            "OLD and NEW must be files (or folders) of one and the same package.",
        )
    pid = next(iter(old_pkgs))
    day = as_of or date.today()
    old = version_at(old_pkgs[pid], day) or old_pkgs[pid][-1]
    new = version_at(new_pkgs[pid], day) or new_pkgs[pid][-1]
    rows = load_population(population, pid, day)
    return compare_versions(old, new, rows, day, lang, samples)


def compare_versions(
    old: Package,
    new: Package,
    rows: list[dict[str, Any]],
    day: date,
    lang: str = "zh",
    samples: int = 5,
    progress: Callable[[str], None] | None = None,
) -> Impact:
    """The impact of replacing `old` by `new` (one package) on `rows`, judged on `day`.

    `progress` hears a short line (Chinese, or English for lang "en") as each step starts.
    """
    if old.id != new.id:
        raise RulesError(
            f"只能比较同一规则包的两个版本（现为 {old.id} 与 {new.id}）。",
            f"compare two versions of one package (got {old.id} and {new.id}).",
        )
    say = progress or (lambda _message: None)
    en = lang == "en"
    pid = new.id
    # Impact is judged as if each version were in force on the same day.
    old_day = max(day, old.effective_from)
    new_day = max(day, new.effective_from)
    bold, bnew = bound_at(old, old_day), bound_at(new, new_day)
    say(f"Reading {len(rows)} records" if en else f"读取 {len(rows)} 条记录")
    ok_rows, errors = _valid(bold, rows)
    ok_new, _ = _valid(bnew, rows)
    keep = [i for i in range(len(rows)) if i in ok_rows and i in ok_new]
    say(f"Deciding under version {old.version}" if en else f"按版本 {old.version} 判定")
    res_old = _run(bold, [ok_rows[i] for i in keep])
    say(f"Deciding under version {new.version}" if en else f"按版本 {new.version} 判定")
    res_new = _run(bnew, [ok_new[i] for i in keep])
    transitions: dict[str, dict[str, int]] = {}
    counts = Counter(zip(res_old["outcome"], res_new["outcome"], strict=True))
    order = new.outcome_order()
    for a in order:
        transitions[a] = {b: counts.get((a, b), 0) for b in order}

    def differs(k: int) -> bool:
        if res_old["outcome"][k] != res_new["outcome"][k]:
            return True
        if res_old["lists"][k] != res_new["lists"][k]:
            return True
        old_r, new_r = res_old["ratio"], res_new["ratio"]
        return old_r is not None and new_r is not None and old_r[k] != new_r[k]

    changed_idx = [k for k in range(len(keep)) if differs(k)]
    impact = Impact(pid, old.version, new.version, len(rows), errors, transitions, len(changed_idx))
    for k in range(len(keep)):
        for li in res_new["lists"][k] - res_old["lists"][k]:
            impact.lists_gained[li] = impact.lists_gained.get(li, 0) + 1
        for li in res_old["lists"][k] - res_new["lists"][k]:
            impact.lists_lost[li] = impact.lists_lost.get(li, 0) + 1
    if res_old["ratio"] is not None and res_new["ratio"] is not None:
        impact.workload_old = str(sum(res_old["ratio"], Decimal(0)))
        impact.workload_new = str(sum(res_new["ratio"], Decimal(0)))
    elif pid == "credit-tier":
        impact.workload_old = _tier_workload(res_old["outcome"], day)
        impact.workload_new = _tier_workload(res_new["outcome"], day)
    if changed_idx[:samples]:
        say("Explaining sample changes" if en else "解释变化样例")
    for k in changed_idx[:samples]:
        raw = rows[keep[k]]
        record = {key: (v.isoformat() if isinstance(v, date) else v) for key, v in raw.items()}
        before = decide_records(
            pid, [record], as_of=old_day, engine="vector", lang=lang, versions=[old]
        )[0]
        after = decide_records(
            pid, [record], as_of=new_day, engine="vector", lang=lang, versions=[new]
        )[0]
        impact.samples.append({"id": raw.get("id"), "old": before, "new": after})
    return impact


def _valid(
    bound: BoundPackage, rows: list[dict[str, Any]]
) -> tuple[dict[int, dict[str, Any]], int]:
    from rules.records import parse_record

    ok: dict[int, dict[str, Any]] = {}
    errors = 0
    for i, raw in enumerate(rows):
        try:
            values = parse_record(bound.package, raw)
            bound.derive(values)
            bound.check(values)
        except RecordError:
            errors += 1
            continue
        ok[i] = values
    return ok, errors


def _run(bound: BoundPackage, values: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(values)
    if n == 0:
        return {"outcome": [], "lists": [], "ratio": None}
    cols = vector.columns_from_values(bound, values)
    result = vector.run(bound, cols)
    lists: list[set[str]] = [set() for _ in range(n)]
    for lid, _zh, _en, cond in bound.lists:
        hits = vector.evaluate(cond, result.columns, n)
        for k in range(n):
            if hits[k]:
                lists[k].add(lid)
    ratio = None
    cases = bound.package.model.outputs.get("sampling_ratio")
    if cases is not None:
        ratio = [
            Decimal(str(output_value(bound, cases, str(result.outcome[k]), values[k]) or 0))
            for k in range(n)
        ]
    return {"outcome": [str(o) for o in result.outcome], "lists": lists, "ratio": ratio}


def _tier_workload(tiers: list[str], day: date) -> str | None:
    """Expected inspections a year if tiers feed the shipped supervision ratios (D is key: 1)."""
    sup = version_at(versions_of("supervision"), day)
    if sup is None:
        return None
    ratios = bound_at(sup, day).params.get("sampling_ratio", {})
    total = sum(
        (Decimal(str(ratios.get(t, "0"))) if t != "D" else Decimal(1) for t in tiers), Decimal(0)
    )
    return str(total)


def render(impact: Impact, lang: str) -> str:
    en = lang == "en"
    lines = []
    if en:
        lines.append(
            f"Package {impact.package}: {impact.old_version} → {impact.new_version}; "
            f"{impact.population} records, {impact.errors} could not be read, "
            f"{impact.changed} change."
        )
        lines.append("Transition matrix (rows: old, columns: new):")
    else:
        lines.append(
            f"规则包 {impact.package}：{impact.old_version} → {impact.new_version}；"
            f"共 {impact.population} 条，{impact.errors} 条无法读取，{impact.changed} 条结论或名单变化。"
        )
        lines.append("结论转移矩阵（行：旧版，列：新版）：")
    cols = list(impact.transitions)
    width = max([len(c) for c in cols] + [6])
    lines.append(" " * (width + 1) + " ".join(c.rjust(width) for c in cols))
    for a, row in impact.transitions.items():
        lines.append(a.rjust(width) + " " + " ".join(str(row[b]).rjust(width) for b in cols))
    if impact.lists_gained or impact.lists_lost:
        gained = ", ".join(f"{k} +{v}" for k, v in sorted(impact.lists_gained.items())) or "-"
        lost = ", ".join(f"{k} -{v}" for k, v in sorted(impact.lists_lost.items())) or "-"
        lines.append(
            f"List entries gained: {gained}; lost: {lost}"
            if en
            else f"名单新增：{gained}；移出：{lost}"
        )
    if impact.workload_old is not None:
        lines.append(
            f"Expected yearly inspections (sum of sampling ratios): {impact.workload_old} → "
            f"{impact.workload_new}"
            if en
            else f"预计年度抽查户次（抽查比例之和）：{impact.workload_old} → {impact.workload_new}"
        )
    for s in impact.samples:
        lines.append(f"— {s['id']}:")
        lines.append(
            f"  old: {s['old'].get('outcome')} — {s['old'].get('explanation', s['old'].get('error'))}"
            if en
            else f"  旧版：{s['old'].get('outcome')} — {s['old'].get('explanation', s['old'].get('error'))}"
        )
        lines.append(
            f"  new: {s['new'].get('outcome')} — {s['new'].get('explanation', s['new'].get('error'))}"
            if en
            else f"  新版：{s['new'].get('outcome')} — {s['new'].get('explanation', s['new'].get('error'))}"
        )
    return "\n".join(lines)
