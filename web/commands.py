"""`jianguan web` and `jianguan demo` (formats.md §6)."""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jianguan.cli_support import lang_parent
from jianguan.errors import JianguanError

if TYPE_CHECKING:
    from flask import Flask

    from jianguan.job_worker import JobKind


def _jobs_config(args: argparse.Namespace) -> dict[str, Any]:
    # None: the app's default (a worker thread on SQLite only).
    return {} if args.worker is None else {"JOBS_IN_PROCESS": args.worker}


def _warmed(app: Flask) -> Flask:
    """`app` with its caches filled, before it listens (web/plans/warm_up.py)."""
    import os
    import sys
    import time

    from web.plans.warm_up import warm

    began = time.perf_counter()
    plans = warm(app)
    print(
        f"进程 {os.getpid()}：已预热 {plans} 个计划 / process {os.getpid()}: {plans} plans "
        f"warmed in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return app


def _web(args: argparse.Namespace) -> int:
    from web.app import create_app
    from web.serve import serve, serve_processes

    if args.processes < 1:
        raise JianguanError("--processes 至少为 1。", "--processes must be at least 1.")
    config = _jobs_config(args)
    app = create_app(args.db, config)  # here, once: a bad setting is refused before forking
    if args.processes == 1:
        serve(_warmed(app), args.host, args.port)
        return 0
    # The slow part of warming (renders and verifications not yet kept) once, here: each
    # process then reads what this kept, in a moment, before it serves.
    _warmed(app).extensions["jianguan_store"].dispose()
    serve_processes(
        lambda: _warmed(create_app(args.db, config)), args.host, args.port, args.processes
    )
    return 0


def worker_kinds(db_url: str | None) -> Mapping[str, JobKind]:
    """What `jianguan worker` runs: every kind of job, the plan job also rendering its draft's
    review page part (web/plans/review_cache.py) with an app of the worker's own, which
    serves nothing and signs nothing (so it needs no JIANGUAN_SECRET_KEY)."""
    from simulations.job_kinds import KINDS
    from web.app import create_app
    from web.plans.review_cache import KindsRenderingReviews

    app = create_app(db_url, {"JOBS_IN_PROCESS": False, "SECRET_KEY": secrets.token_hex(32)})
    return KindsRenderingReviews(KINDS, app)


def _demo(args: argparse.Namespace) -> int:
    from web.app import create_app
    from web.demo import build_demo
    from web.extensions import store_of
    from web.serve import serve

    app = create_app(args.db)
    build_demo(store_of(app))
    if args.no_serve:
        print("演示数据已就绪 / demo data ready")
        return 0
    serve(app, args.host, args.port)
    return 0


def _serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)


def register(subparsers: argparse._SubParsersAction) -> None:
    web = subparsers.add_parser("web", parents=[lang_parent()], help="启动网页界面 / serve the UI")
    _serving_options(web)
    web.add_argument(
        "--processes",
        type=int,
        default=1,
        help="web processes sharing the port and the store (PostgreSQL for more than one)",
    )
    worker = web.add_mutually_exclusive_group()
    worker.add_argument(
        "--worker",
        dest="worker",
        action="store_const",
        const=True,
        help="run jobs in a thread of each web process (default on SQLite)",
    )
    worker.add_argument(
        "--no-worker",
        dest="worker",
        action="store_const",
        const=False,
        help="leave jobs to `jianguan worker` processes (default on PostgreSQL)",
    )
    web.set_defaults(func=_web, worker=None)

    demo = subparsers.add_parser(
        "demo", parents=[lang_parent()], help="生成演示数据并启动界面 / demo data and UI"
    )
    _serving_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="build the demo data only")
    demo.set_defaults(func=_demo)
