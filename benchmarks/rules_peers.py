"""The same credit-tier rules in the engines a bureau could deploy instead, in one run.

    .venv/bin/python benchmarks/rules_peers.py [--records 100000] [--repeat 3] [--agree 100000]

Contenders, all on the same generated JSON records (rules/synthetic.py) and as-of date:
- ours, durable explained: `decide_records(engine="durable")` with the why / why-not text
  (what `jianguan rules decide` writes); and durable summary (no text);
- ours, vector: `decide_records(engine="vector", explained=False)` from the same JSON records
  (reading them included), and `rules.api.evaluate_columns` on columns already in arrays;
- GoRules ZEN (`zen-engine`, the Python binding of the Rust engine) on our JDM export
  (`jianguan rules export credit-tier --format jdm`), one `evaluate` call per record, and its
  batch form `ZenEngine.evaluate_batch`;
- ZEN on a lean graph written by hand for clean input (ZEN's best case: no reading of CSV
  texts, no error handling, no rule list), per record;
- a hand-written plain-Python scorecard: the per-record Python limit (no validation beyond
  what the tier needs, no explanation, one function).
Rounds are interleaved (every contender once per round) and the best of `--repeat` rounds is
kept, since the machine is shared; the load average is printed beside the figures. Every
contender's outcomes are compared with ours on every record. Then, for every shipped package
version, ZEN's outcomes on the export are compared with `rules decide` on `--agree` records.
Needs the `peers` extra (`pip install -e '.[peers]'`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import zen

from rules.api import evaluate_columns
from rules.decision import decide_records
from rules.jdm_export import export_jdm
from rules.registry import bound_at, load_packages, versions_of
from rules.synthetic import generate

AS_OF = date(2026, 6, 30)
PACKAGE = "credit-tier"


def plain_python_tier(r: dict[str, Any], as_of: date = AS_OF) -> str:
    """The credit-tier scorecard written by hand, as a programmer would without a rules engine."""
    est = date.fromisoformat(r["established_on"])
    age = as_of.year - est.year - ((est.month, est.day) > (as_of.month, as_of.day))
    if est.month == 2 and est.day == 29 and (as_of.month, as_of.day) == (2, 28):
        age += not _leap(as_of.year)
    score = 100
    if r.get("annual_report_filed") is False:
        score -= 15
    if r.get("abnormal_list") is True:
        score -= 25
    if r.get("serious_dishonest_list") is True:
        score -= 50
    p = r.get("penalties_3y")
    if p is not None:
        score -= 35 if p >= 4 else 20 if p >= 2 else 10 if p >= 1 else 0
    c = r.get("complaints_12m")
    if c is not None:
        score -= 20 if c >= 6 else 10 if c >= 3 else 5 if c >= 1 else 0
    score -= 10 if age < 1 else 5 if age < 3 else 0
    if r.get("high_risk_licence") is True:
        score -= 5
    if r.get("serious_dishonest_list") is True or score < 55:
        return "D"
    if r.get("abnormal_list") is True or score < 75:
        return "C"
    return "B" if score < 90 else "A"


def lean_graph(as_of: date = AS_OF) -> dict[str, Any]:
    """ZEN's best case: the scorecard as a GoRules user might write it by hand for clean input
    (no reading of CSV texts, no errors, no rule list): one expression node, one table."""
    md = as_of.month * 100 + as_of.day
    terms = [
        "(annual_report_filed == false ? -15 : 0)",
        "(abnormal_list == true ? -25 : 0)",
        "(serious_dishonest_list == true ? -50 : 0)",
        "(penalties_3y == null ? 0 : penalties_3y >= 4 ? -35 : penalties_3y >= 2 ? -20 "
        ": penalties_3y >= 1 ? -10 : 0)",
        "(complaints_12m == null ? 0 : complaints_12m >= 6 ? -20 : complaints_12m >= 3 ? -10 "
        ": complaints_12m >= 1 ? -5 : 0)",
        "($.age < 1 ? -10 : $.age < 3 ? -5 : 0)",
        "(high_risk_licence == true ? -5 : 0)",
    ]
    est = 'number(d(established_on).format("%Y%m%d"))'
    adj = "$.est % 10000" if _leap(as_of.year) else "($.est % 10000 == 229 ? 228 : $.est % 10000)"
    expressions = [
        ("est", est),
        ("age", f"{as_of.year} - floor($.est / 10000) - ({adj} > {md} ? 1 : 0)"),
        ("score", "100 + " + " + ".join(terms)),
    ]
    rows = [
        ("true", "", "", '"D"'),
        ("", "", "< 55", '"D"'),
        ("", "true", "", '"C"'),
        ("", "", "< 75", '"C"'),
        ("", "", "< 90", '"B"'),
        ("", "", "", '"A"'),
    ]
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            {
                "id": "score",
                "type": "expressionNode",
                "name": "score",
                "position": {"x": 250, "y": 0},
                "content": {
                    "expressions": [
                        {"id": f"x{i}", "key": k, "value": v}
                        for i, (k, v) in enumerate(expressions)
                    ],
                    "passThrough": True,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                },
            },
            {
                "id": "tier",
                "type": "decisionTableNode",
                "name": "tier",
                "position": {"x": 500, "y": 0},
                "content": {
                    "hitPolicy": "first",
                    "inputs": [
                        {
                            "id": "c0",
                            "name": "serious dishonesty",
                            "field": "serious_dishonest_list",
                        },
                        {"id": "c1", "name": "abnormal", "field": "abnormal_list"},
                        {"id": "c2", "name": "score", "field": "score"},
                    ],
                    "outputs": [{"id": "o0", "name": "outcome", "field": "outcome"}],
                    "rules": [
                        {"_id": f"r{i}", "c0": a, "c1": b, "c2": c, "o0": o}
                        for i, (a, b, c, o) in enumerate(rows)
                    ],
                    "passThrough": False,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                },
            },
            {"id": "out", "type": "outputNode", "name": "response", "position": {"x": 750, "y": 0}},
        ],
        "edges": [
            {"id": "e0", "sourceId": "in", "targetId": "score", "type": "edge"},
            {"id": "e1", "sourceId": "score", "targetId": "tier", "type": "edge"},
            {"id": "e2", "sourceId": "tier", "targetId": "out", "type": "edge"},
        ],
    }


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def columns(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The same records as masked arrays (how simulations hand a register to the vector engine)."""
    out: dict[str, Any] = {}
    for name in (
        "annual_report_filed",
        "abnormal_list",
        "serious_dishonest_list",
        "high_risk_licence",
    ):
        vals = [r.get(name) for r in records]
        out[name] = np.ma.masked_array([bool(v) for v in vals], mask=[v is None for v in vals])
    for name in ("penalties_3y", "complaints_12m"):
        vals = [r.get(name) for r in records]
        out[name] = np.ma.masked_array([v or 0 for v in vals], mask=[v is None for v in vals])
    out["established_on"] = np.array([r["established_on"] for r in records], dtype="datetime64[D]")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--agree", type=int, default=100_000, help="records per package version")
    args = parser.parse_args()
    n = args.records
    version = versions_of(PACKAGE)[-1]
    bound = bound_at(version, AS_OF)
    records = generate(version, n, seed=7)
    graph = json.dumps(export_jdm(bound))
    decision = zen.ZenEngine().create_decision(graph)
    batch_engine = zen.ZenEngine(
        {"loader": {"type": "static", "content": {"g": json.loads(graph)}}}
    )
    lean = zen.ZenEngine().create_decision(json.dumps(lean_graph()))
    requests = [{"key": "g", "context": r} for r in records]
    cols = columns(records)
    evaluate_columns(PACKAGE, columns(records[:1000]), as_of=AS_OF)  # warm caches

    def ours(engine: str, explained: bool) -> Callable[[], list[Any]]:
        return lambda: [
            d.get("outcome")
            for d in decide_records(
                PACKAGE, records, as_of=AS_OF, engine=engine, explained=explained
            )
        ]

    contenders: dict[str, Callable[[], list[Any]]] = {
        "ours, durable explained": ours("durable", True),
        "ours, durable summary": ours("durable", False),
        "ours, vector (JSON records)": ours("vector", False),
        "ours, vector (columns)": lambda: list(
            evaluate_columns(PACKAGE, cols, as_of=AS_OF).outcome
        ),
        "ZEN per record": lambda: [decision.evaluate(r)["result"]["outcome"] for r in records],
        "ZEN evaluate_batch": lambda: [
            b["data"]["result"]["outcome"] for b in batch_engine.evaluate_batch(requests)
        ],
        "ZEN, lean hand-written graph": lambda: [
            lean.evaluate(r)["result"]["outcome"] for r in records
        ],
        "plain Python scorecard": lambda: [plain_python_tier(r) for r in records],
    }
    reference = ours("vector", False)()
    best = dict.fromkeys(contenders, 0.0)
    disagree: dict[str, int] = {}
    for _ in range(max(1, args.repeat)):
        for name, run in contenders.items():
            start = time.perf_counter()
            got = run()
            best[name] = max(best[name], n / (time.perf_counter() - start))
            disagree[name] = sum(a != b for a, b in zip(got, reference, strict=True))
    load = os.getloadavg()
    zen_rate = best["ZEN per record"]
    print(
        f"credit-tier, {n:,} generated records, as of {AS_OF}; best of {args.repeat} interleaved "
        f"rounds; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    print(f"  {'contender':30s} {'decisions/s':>12s}  {'÷ ZEN per record':>16s}  outcomes ≠ ours")
    for name, rate in best.items():
        print(f"  {name:30s} {rate:12,.0f}  {rate / zen_rate:15.2f}×  {disagree[name]}")
    vector = best["ours, vector (JSON records)"]
    explained = best["ours, durable explained"]
    durable = (
        f"{zen_rate / explained:.2f}× slower than ZEN per record"
        if explained < zen_rate
        else f"{explained / zen_rate:.2f}× ZEN per record"
    )
    print(
        f"  targets: vector ≥10× ZEN per record: {vector / zen_rate:.1f}× (columns "
        f"{best['ours, vector (columns)'] / zen_rate:.1f}×; against the lean graph "
        f"{vector / best['ZEN, lean hand-written graph']:.1f}×, columns "
        f"{best['ours, vector (columns)'] / best['ZEN, lean hand-written graph']:.1f}×); "
        f"durable explained within 2× of "
        f"ZEN per record: {durable}"
    )
    print(f"ZEN on the JDM export vs `rules decide`, {args.agree:,} generated records per version:")
    for pid, versions in sorted(load_packages().items()):
        for v in versions:
            day = v.effective_to or v.effective_from + timedelta(days=400)
            agree_records = generate(v, args.agree, seed=21)
            engine = zen.ZenEngine(
                {"loader": {"type": "static", "content": {"g": export_jdm(bound_at(v, day))}}}
            )
            theirs = engine.evaluate_batch([{"key": "g", "context": r} for r in agree_records])
            mine = decide_records(
                pid, agree_records, as_of=day, engine="vector", explained=False, versions=[v]
            )
            differ = 0
            for t, m in zip(theirs, mine, strict=True):
                result = t["data"]["result"]
                if ("error" in m) != (result.get("error") is not None) or (
                    "error" not in m
                    and (m["outcome"], m["rules"]) != (result["outcome"], result["rules"])
                ):
                    differ += 1
            errors = sum("error" in m for m in mine)
            print(
                f"  {pid} {v.version} (as of {day}): {differ} of {len(mine):,} differ "
                f"({errors:,} of them errors)"
            )


if __name__ == "__main__":
    main()
