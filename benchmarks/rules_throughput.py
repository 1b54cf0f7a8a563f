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
- durable, explained: the same plus the why / why-not text (what `rules decide` writes);
- vector, summary / explained: the same two modes on the NumPy engine;
- vector, columns: `rules.api.evaluate_columns` on 1,000,000 enterprises already in arrays
  (how simulations tier a whole register).
With --workers N the bare and durable figures are also measured with N forked processes (one
engine each; the pool is started before the clock; inputs are inherited, not pickled), as wall
rates and as records per CPU-second of the workers (the rate each core gives when it is free:
on a shared machine the wall rate also depends on what else runs).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import multiprocessing as mp
import time
from datetime import date
from typing import Any

import numpy as np
from durable import engine

from rules import durable_driver, durable_engine
from rules.api import evaluate_columns
from rules.decision import decide_records
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


# Inputs reach forked workers by inheritance, not by pickling, so the process figures are
# about the engine's scaling and not about pickle (the same for the bare and durable runs).
_INPUT: dict[str, list[dict[str, Any]]] = {}


def _decide_chunk(args: tuple[int, int, str, bool]) -> float:
    lo, hi, eng, explained = args
    cpu = time.process_time()
    records = _INPUT["records"][lo:hi]
    decide_records(PACKAGE, records, as_of=AS_OF, engine=eng, explained=explained)
    return time.process_time() - cpu


def _bare_chunk(args: tuple[int, int, bool]) -> float:
    lo, hi, direct = args
    cpu = time.process_time()
    bound = bound_at(versions_of(PACKAGE)[-1], AS_OF)
    rate = direct_bare_rate if direct else bare_rate
    rate(_INPUT["facts"][lo:hi], durable_engine.compile_ruleset(bound))
    return time.process_time() - cpu


def in_processes(task: Any, n: int, workers: int, *extra: Any) -> tuple[float, float]:
    """(records per second of wall time, records per CPU-second of the workers).

    The pool is started before the clock. The parent's heap is frozen first (`gc.freeze`,
    as the gc docs advise before forking), so the workers' collectors do not walk and copy
    the inherited benchmark data; a worker forked from a fresh process has none.
    """
    size = -(-n // workers)
    chunks = [(i, min(i + size, n), *extra) for i in range(0, n, size)]
    gc.freeze()
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            start = time.perf_counter()
            cpu = sum(pool.map(task, chunks))
            wall = time.perf_counter() - start
    finally:
        gc.unfreeze()
    return n / wall, n / cpu


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def free_parallelism(workers: int, n: int = 3_000_000) -> float:
    """How much faster `workers` processes run a pure-CPU loop than one process does, now.

    On a shared machine this is what any process figure can reach at best; read the process
    rates against it (x1.0 means the other cores are busy, not that the engine cannot scale).
    """
    start = time.perf_counter()
    _burn(n)
    one = time.perf_counter() - start
    with mp.get_context("fork").Pool(workers) as pool:
        start = time.perf_counter()
        pool.map(_burn, [n] * workers)
        many = time.perf_counter() - start
    return workers * one / many


def timed(records: list[dict[str, Any]], eng: str, explained: bool) -> float:
    """Decisions per second in this process (`decide_records` pauses the cyclic collector for
    its batch itself: rules/gc_pause.py)."""
    start = time.perf_counter()
    decide_records(PACKAGE, records, as_of=AS_OF, engine=eng, explained=explained)
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
    for _ in range(max(1, args.repeat)):
        bare = max(bare, bare_rate(facts, ruleset))
        direct = max(direct, direct_bare_rate(facts, ruleset))
        durable_summary = max(durable_summary, timed(records, "durable", False))
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
    durable_full = timed(records, "durable", True)
    print(
        f"  durable, explained (why / why-not):          {durable_full:12,.0f} decisions/s "
        f"= {durable_full / bare:.0%} of bare"
    )
    print(
        f"  vector, summary:                             {timed(records, 'vector', False):12,.0f} decisions/s"
    )
    print(
        f"  vector, explained:                           {timed(records, 'vector', True):12,.0f} decisions/s"
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
        _INPUT["records"] = records
        _INPUT["facts"] = facts
        bare_w, bare_cpu = in_processes(_bare_chunk, len(facts), w, False)
        direct_w, direct_cpu = in_processes(_bare_chunk, len(facts), w, True)
        print(
            f"  {w} processes (wall; in brackets records per CPU-second of the workers); "
            f"free parallelism now: x{free_parallelism(w):.2f} (a pure-CPU loop, {w} processes)"
        )
        print(
            f"  bare kernel:                                 {bare_w:12,.0f} records/s "
            f"({bare_cpu:,.0f})"
        )
        print(
            f"  bare kernel, direct calls:                   {direct_w:12,.0f} records/s "
            f"({direct_cpu:,.0f})"
        )
        for explained in (False, True):
            label = "explained" if explained else "summary"
            rate_w, cpu_w = in_processes(_decide_chunk, len(records), w, "durable", explained)
            single = durable_full if explained else durable_summary
            print(
                f"  durable, {label + ':':36s}{rate_w:12,.0f} decisions/s ({cpu_w:,.0f}) "
                f"= x{rate_w / single:.2f} one process, {rate_w / bare_w:.0%} of bare, "
                f"{rate_w / direct_w:.0%} of direct bare"
            )


if __name__ == "__main__":
    main()
