"""`jianguan registry generate | import | export` (formats.md §6)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from jianguan.cli_support import lang_parent
from jianguan.errors import JianguanError

Handler = Callable[[argparse.Namespace], int]


def _import(args: argparse.Namespace) -> int:
    from jianguan.db import open_store
    from jianguan.registry_store import import_registry

    if not args.enterprises and not args.inspectors:
        raise JianguanError(
            "请至少给出 --enterprises 或 --inspectors 之一",
            "give --enterprises, --inspectors or both",
        )
    store = open_store(args.db)
    try:
        report = import_registry(
            store,
            enterprises=Path(args.enterprises) if args.enterprises else None,
            inspectors=Path(args.inspectors) if args.inspectors else None,
        )
    finally:
        store.dispose()
    print(report.describe(args.lang))
    return 0


def _export(args: argparse.Namespace) -> int:
    from jianguan.db import open_store
    from jianguan.registry_store import load_enterprises, load_officers
    from jianguan.registry_write import write_enterprises, write_officers

    store = open_store(args.db)
    try:
        out = Path(args.out)
        suffix = ".xlsx" if args.format == "xlsx" else ".csv"
        headers = args.headers
        print(write_enterprises(out / f"enterprises{suffix}", load_enterprises(store), headers))
        print(write_officers(out / f"inspectors{suffix}", load_officers(store), headers))
    finally:
        store.dispose()
    return 0


def register(subparsers: argparse._SubParsersAction, generate: Handler) -> None:
    """`generate` writes a synthetic registry; the composition root passes it in, since the
    generator lives with the simulations, which this package must not import."""
    group = subparsers.add_parser("registry", help="一单两库：生成、导入、导出 / the registry")
    leaves = group.add_subparsers(dest="registry_command", metavar="ACTION")
    leaves.required = True
    common = [lang_parent()]

    gen = leaves.add_parser("generate", parents=common, help="生成合成名录库 / synthetic registry")
    gen.add_argument("--enterprises", type=int, required=True, help="number of enterprises")
    gen.add_argument("--officers", type=int, required=True, help="number of officers")
    gen.add_argument("--seed", type=int, required=True, help="random seed (same seed, same files)")
    gen.add_argument("--out", required=True, help="output folder")
    gen.add_argument(
        "--districts", help="comma-separated city (4-digit) or district (6-digit) codes"
    )
    gen.set_defaults(func=generate)

    imp = leaves.add_parser("import", parents=common, help="校验并导入 / validate and load")
    imp.add_argument("--enterprises", help="enterprises.csv or .xlsx")
    imp.add_argument("--inspectors", help="inspectors.csv or .xlsx")
    imp.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
    imp.set_defaults(func=_import)

    exp = leaves.add_parser("export", parents=common, help="导出 / export CSV or .xlsx")
    exp.add_argument("--out", required=True, help="output folder")
    exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exp.add_argument(
        "--headers",
        choices=["en", "zh"],
        default="en",
        help="column names: en (id, name, ...) or zh (统一社会信用代码, 企业名称, ...)",
    )
    exp.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
    exp.set_defaults(func=_export)
