"""`jianguan web` and `jianguan demo` (formats.md §6)."""

from __future__ import annotations

import argparse

from jianguan.cli_support import lang_parent


def _web(args: argparse.Namespace) -> int:
    from web.app import create_app
    from web.serve import serve

    serve(create_app(args.db), args.host, args.port)
    return 0


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
    web.set_defaults(func=_web)

    demo = subparsers.add_parser(
        "demo", parents=[lang_parent()], help="生成演示数据并启动界面 / demo data and UI"
    )
    _serving_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="build the demo data only")
    demo.set_defaults(func=_demo)
