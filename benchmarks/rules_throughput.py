"""Decisions per second on credit-tier records: our durable path, the vector engine, and the
bare durable_rules kernel on the same compiled JSON with a do-nothing action.

    .venv/bin/python benchmarks/rules_throughput.py [--records 100000] [--workers N] [--repeat 3]

Figures printed:
- bare kernel: prebuilt facts, one session per record, deleted after it, through durable_rules'
  own Python Host with a do-nothing action (the reference the issue-3 target is set against);
- bare kernel, direct calls: the same facts and sessions, through `rules.durable_driver` (the
  Host's kernel calls without its per-action Python work: what our durable path runs on), so
  the cost of our own layer can be read off against the kernel it actually uses;
- durable, summary: our whole path (read + validate the record, derived values, facts, kernel,
  precedence, citations, points), explanations left out;
- durable, summary, collector paused: the same inside `rules.gc_pause.collector_paused()`
  (what `decide_records` gains once it pauses the garbage collector for its batch);
- durable, explained: the same plus the why / why-not text (what `rules decide` writes);
- vector, summary / explained: the same two modes on the NumPy engine;
- vector, columns: `rules.api.evaluate_columns` on 1,000,000 enterprises already in arrays
  (how simulations tier a whole register).
With --workers N the bare and durable figures are also measured with N processes (one engine
each; the pool is started before the clock, records are sent to it and counts come back).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import multiprocessing as mp
import time
from datetime import date
from typing import Any

import numpy as np
from durable import engine

from rules import durable_driver, durable_engine
from rules.api import evaluate_columns
from rules.decision import decide_records
from rules.gc_pause import collector_paused
from rules.records import RecordError, parse_record
from rules.registry import bound_at, versions_of
from rules.synthetic import generate

AS_OF = date(2026, 6, 30)
PACKAGE = "credit-tier"


class _BareHost(engine.Host):
    def _run(self) -> None:
        return None

    def get_action(self, action_name: str) -> Any:
        def noop(c: Any) -> None:
            return None

        return noop


def bare_rate(facts: list[dict[str, Any]], ruleset: dict[str, Any]) -> float:
    host = _BareHost()
    host.set_rulesets(copy.deepcopy(ruleset))
    name = next(iter(ruleset))
    start = time.perf_counter()
    for i, fact in enumerate(facts):
        sid = str(i)
        message = dict(fact)
        message["sid"] = sid
        message["rid"] = sid
        with contextlib.suppress(engine.MessageNotHandledException):
            host.assert_fact(name, message)
        host.delete_state(name, sid)
    return len(facts) / (time.perf_counter() - start)


def direct_bare_rate(facts: list[dict[str, Any]], ruleset: dict[str, Any]) -> float:
    """`bare_rate` through the direct kernel calls our durable path makes (nothing recorded)."""
    host = _BareHost()
    host.set_rulesets(copy.deepcopy(ruleset))
    handle = host.get_ruleset(next(iter(ruleset)))._handle
    fired: list[str] = []
    start = time.perf_counter()
    for i, fact in enumerate(facts):
        sid = str(i)
        message = dict(fact)
        message["sid"] = sid
        message["rid"] = sid
        durable_driver.assert_in_session(handle, durable_driver.encode(message), fired)
        durable_driver.delete_session(handle, sid)
        fired.clear()
    return len(facts) / (time.perf_counter() - start)


def _decide_chunk(args: tuple[list[dict[str, Any]], str, bool]) -> int:
    records, eng, explained = args
    return len(decide_records(PACKAGE, records, as_of=AS_OF, engine=eng, explained=explained))


def _bare_chunk(args: tuple[list[dict[str, Any]], bool]) -> float:
    facts, direct = args
    bound = bound_at(versions_of(PACKAGE)[-1], AS_OF)
    rate = direct_bare_rate if direct else bare_rate
    return rate(facts, durable_engine.compile_ruleset(bound))


def bare_processes(facts: list[dict[str, Any]], workers: int, direct: bool) -> float:
    size = -(-len(facts) // workers)
    chunks = [(facts[i : i + size], direct) for i in range(0, len(facts), size)]
    with mp.get_context("fork").Pool(workers) as pool:
        start = time.perf_counter()
        pool.map(_bare_chunk, chunks)
        return len(facts) / (time.perf_counter() - start)


def timed(
    records: list[dict[str, Any]], eng: str, explained: bool, workers: int, paused: bool = False
) -> float:
    """Decisions per second; with workers > 1 the pool is started before the clock, as for
    the bare kernel's processes. `paused` runs the batch inside `rules.gc_pause`."""
    if workers <= 1:
        start = time.perf_counter()
        with collector_paused() if paused else contextlib.nullcontext():
            decide_records(PACKAGE, records, as_of=AS_OF, engine=eng, explained=explained)
        return len(records) / (time.perf_counter() - start)
    size = -(-len(records) // workers)
    chunks = [(records[i : i + size], eng, explained) for i in range(0, len(records), size)]
    with mp.get_context("fork").Pool(workers) as pool:
        start = time.perf_counter()
        pool.map(_decide_chunk, chunks)
        return len(records) / (time.perf_counter() - start)


def columns(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    base = np.datetime64("2000-01-01")
    return {
        "established_on": base + rng.integers(0, 9500, n).astype("timedelta64[D]"),
        "annual_report_filed": rng.random(n) < 0.9,
        "abnormal_list": rng.random(n) < 0.05,
        "serious_dishonest_list": rng.random(n) < 0.01,
        "penalties_3y": rng.poisson(0.4, n),
        "complaints_12m": rng.poisson(0.6, n),
        "high_risk_licence": rng.random(n) < 0.1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="bare and durable-summary runs alternate this many times; the best of each is kept "
        "(the machine is shared, so single runs are noisy)",
    )
    args = parser.parse_args()
    n = args.records
    bound = bound_at(versions_of(PACKAGE)[-1], AS_OF)
    records = generate(bound.package, n, seed=7)
    compiled = durable_engine.prepare(bound)
    facts = []
    fired_total = 0
    for raw in records:
        try:
            values = parse_record(bound.package, raw)
        except RecordError:
            continue
        bound.derive(values)
        facts.append(durable_engine.make_fact(compiled, values))
    ruleset = durable_engine.compile_ruleset(bound)
    print(f"credit-tier, {n:,} generated records ({len(facts):,} valid), as of {AS_OF}")
    bare = 0.0
    direct = 0.0
    durable_summary = 0.0
    durable_paused = 0.0
    for _ in range(max(1, args.repeat)):
        bare = max(bare, bare_rate(facts, ruleset))
        direct = max(direct, direct_bare_rate(facts, ruleset))
        durable_summary = max(durable_summary, timed(records, "durable", False, 1))
        durable_paused = max(durable_paused, timed(records, "durable", False, 1, paused=True))
    fired_total = sum(
        len(s)
        for s in durable_engine.fire(
            bound, facts[:5000], [str(i) for i in range(min(5000, len(facts)))]
        )
    )
    print(
        f"  bare durable_rules kernel, do-nothing action: {bare:12,.0f} records/s "
        f"({fired_total / min(5000, len(facts)):.2f} rules fire per record)"
    )
    print(
        f"  bare kernel, direct calls (durable_driver):  {direct:12,.0f} records/s "
        f"(same facts and sessions; no Host)"
    )
    print(
        f"  durable, summary (no explanation text):      {durable_summary:12,.0f} decisions/s "
        f"= {durable_summary / bare:.0%} of bare, {durable_summary / direct:.0%} of direct bare"
    )
    print(
        f"  durable, summary, collector paused:          {durable_paused:12,.0f} decisions/s "
        f"= {durable_paused / bare:.0%} of bare, {durable_paused / direct:.0%} of direct bare "
        "(rules.gc_pause around decide_records)"
    )
    durable_full = timed(records, "durable", True, 1)
    print(
        f"  durable, explained (why / why-not):          {durable_full:12,.0f} decisions/s "
        f"= {durable_full / bare:.0%} of bare"
    )
    print(
        f"  vector, summary:                             {timed(records, 'vector', False, 1):12,.0f} decisions/s"
    )
    print(
        f"  vector, explained:                           {timed(records, 'vector', True, 1):12,.0f} decisions/s"
    )
    cols = columns(1_000_000, 1)
    evaluate_columns(PACKAGE, columns(1000, 2), as_of=AS_OF)  # warm caches
    start = time.perf_counter()
    result = evaluate_columns(PACKAGE, cols, as_of=AS_OF)
    rate = 1_000_000 / (time.perf_counter() - start)
    tiers = {t: int((result.outcome == t).sum()) for t in "ABCD"}
    print(f"  vector, columns (1,000,000 enterprises):     {rate:12,.0f} records/s  tiers {tiers}")
    if args.workers > 1:
        w = args.workers
        bare_w = bare_processes(facts, w, direct=False)
        print(f"  bare kernel, {w} processes:                  {bare_w:12,.0f} records/s (wall)")
        direct_w = bare_processes(facts, w, direct=True)
        print(f"  bare kernel, direct calls, {w} processes:    {direct_w:12,.0f} records/s (wall)")
        for explained in (False, True):
            label = "explained" if explained else "summary"
            rate_w = timed(records, "durable", explained, w)
            print(
                f"  durable, {label}, {w} processes:            {rate_w:12,.0f} decisions/s "
                f"(x{rate_w / (durable_full if explained else durable_summary):.2f} of one process"
                f"; {rate_w / bare_w:.0%} of bare, {rate_w / direct_w:.0%} of direct bare, "
                f"{w} processes)"
            )


if __name__ == "__main__":
    main()
