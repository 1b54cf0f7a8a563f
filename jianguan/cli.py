"""The `jianguan` command (formats.md §6). Exit codes: 0 ok, 1 bad data or failed check, 2 usage.

This module is the composition root: it owns the `registry`, `audit` and `worker` groups and
reaches the other groups (`rules`, `plan`, `sim`, `web`/`demo`, `user`) by importing their
`commands` module lazily, so `jianguan registry import` never pays for OR-Tools or Flask. Each such module defines
`register(subparsers)`; each leaf sets `func=handler` with `handler(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from jianguan import audit_commands, registry_commands
from jianguan.cli_support import report_error
from jianguan.config import instance_dir
from jianguan.errors import JianguanError

# group name on the command line -> module with register(subparsers); `web` also adds `demo`.
LAZY_GROUPS = {
    "rules": "rules.commands",
    "plan": "scheduler.commands",
    "sim": "simulations.commands",
    "web": "web.commands",
    "demo": "web.commands",
    "user": "web.auth.commands",
}


def _registry_generate(args: argparse.Namespace) -> int:
    # Lazy: the synthetic registry lives with the simulations, which need it most.
    from simulations.synthetic_registry import write_registry

    if args.enterprises < 0 or args.officers < 0:
        raise JianguanError("企业数和人员数不能为负数", "counts must not be negative")
    districts = [d for d in (args.districts or "").split(",") if d] or None
    paths = write_registry(
        Path(args.out),
        enterprises=args.enterprises,
        officers=args.officers,
        seed=args.seed,
        districts=districts,
    )
    for path in paths:
        print(path)
    return 0


def _worker(args: argparse.Namespace) -> int:
    # Lazy: the kinds reach OR-Tools, the rule engines and the simulations.
    import logging

    from jianguan import cpu_priority
    from jianguan.db import open_store
    from jianguan.job_worker import Worker
    from web.commands import worker_kinds

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Before any thread starts, so the heartbeat and the solvers' threads inherit it.
    runs_at = cpu_priority.lower(args.priority)
    worker = Worker(
        open_store(args.db),
        worker_kinds(args.db),
        heartbeat_s=args.heartbeat,
        stale_after_s=args.stale_after,
        max_tries=args.max_tries,
        poll_s=args.poll,
    )
    if not args.once:
        print(
            f"工作进程 {worker.name} 已启动（CPU 优先级 {runs_at}）/ worker started at CPU "
            f"priority {runs_at} (Ctrl+C 停止 / to stop)",
            flush=True,
        )
    worker.run(once=args.once)
    return 0


def _register_worker(subparsers: argparse._SubParsersAction) -> None:
    from jianguan import cpu_priority, job_queue

    worker = subparsers.add_parser(
        "worker", help="运行排队的作业（计划、影响、模拟）/ run queued jobs"
    )
    worker.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
    worker.add_argument("--once", action="store_true", help="run the waiting jobs, then stop")
    worker.add_argument("--heartbeat", type=float, default=5.0, help="seconds between beats")
    worker.add_argument(
        "--stale-after",
        type=float,
        default=job_queue.STALE_AFTER_S,
        help="seconds without a heartbeat before a job is taken over",
    )
    worker.add_argument("--max-tries", type=int, default=job_queue.MAX_TRIES)
    worker.add_argument("--poll", type=float, default=1.0, help="seconds between looks")
    worker.add_argument(
        "--priority",
        choices=cpu_priority.PRIORITIES,
        default="idle",
        help="CPU priority: idle (default: only CPU the web processes leave free, Linux's "
        "SCHED_IDLE), low (nice 10) or normal (a machine of its own)",
    )
    worker.set_defaults(func=_worker)


def build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jianguan",
        description="监管：规则引擎与双随机抽查计划 — rules engine and inspection planner",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    registry_commands.register(subparsers, generate=_registry_generate)
    audit_commands.register(subparsers)
    _register_worker(subparsers)
    modules = (
        [LAZY_GROUPS[wanted]]
        if wanted in LAZY_GROUPS
        else list(dict.fromkeys(LAZY_GROUPS.values()))
    )
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if wanted in LAZY_GROUPS:
                raise  # the user asked for this group: a missing module is a real fault
            if err.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def _log_crash(exc: BaseException) -> str:
    log = instance_dir() / "logs" / "errors.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"--- {datetime.now(UTC).isoformat()} {' '.join(sys.argv)}\n")
        handle.write("".join(traceback.format_exception(exc)))
    return str(log)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    wanted = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(wanted)
    args = parser.parse_args(args_list)
    lang = getattr(args, "lang", "zh")
    try:
        code: int = args.func(args)
        return code
    except JianguanError as err:
        report_error(err, lang)
        return 1
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last line of defence: a user never sees a traceback
        where = _log_crash(exc)
        if lang == "en":
            print(f"internal error ({type(exc).__name__}); details in {where}", file=sys.stderr)
        else:
            print(
                f"内部错误（{type(exc).__name__}），详情见 {where}，请联系维护人员", file=sys.stderr
            )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
