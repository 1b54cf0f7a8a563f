"""`jianguan audit verify [--db URL] [--anchor COUNT:HASH]...`: check the audit log.

Exit 0 when every entry matches its keyed hash and the chain matches every anchor — those
recorded with publications in the store, and those given (taken from a published notice,
which a person tampering with the database cannot recall); exit 1 naming the first broken
entry, or saying that the log is shorter than an anchor.
"""

from __future__ import annotations

import argparse
import sys

from jianguan.cli_support import lang_parent
from jianguan.errors import JianguanError


def _anchor(text: str) -> object:
    from jianguan.audit import parse_anchor

    try:
        return parse_anchor(text)
    except JianguanError as err:
        raise argparse.ArgumentTypeError(f"{err.message('zh')} / {err.message('en')}") from None


def _verify(args: argparse.Namespace) -> int:
    from jianguan.audit import stored_anchors, verify_chain
    from jianguan.db import open_store

    store = open_store(args.db)
    try:
        with store.session() as session:
            check = verify_chain(session, anchors=[*stored_anchors(session), *args.anchor])
    finally:
        store.dispose()
    if not check.intact:
        print(check.problem(args.lang), file=sys.stderr)
        return 1
    legacy = check.legacy
    if args.lang == "en":
        print(
            f"audit log intact: {check.events} entries"
            + (f" ({legacy} unkeyed, from before the upgrade, sealed)" if legacy else "")
            + f", checked against {check.anchors} anchor(s); head {check.events}:{check.head}"
        )
    else:
        print(
            f"审计日志完整：共 {check.events} 条记录"
            + (f"（其中 {legacy} 条为升级前未签名的记录，已封存）" if legacy else "")
            + f"，已核对 {check.anchors} 个锚点；当前锚点 {check.events}:{check.head}"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("audit", help="审计日志 / the audit log")
    leaves = group.add_subparsers(dest="audit_command", metavar="ACTION")
    leaves.required = True
    verify = leaves.add_parser(
        "verify",
        parents=[lang_parent()],
        help="校验审计日志的签名链和锚点 / verify the keyed chain and its anchors",
    )
    verify.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
    verify.add_argument(
        "--anchor",
        type=_anchor,
        action="append",
        default=[],
        metavar="COUNT:HASH",
        help="an anchor from a publication (repeatable): detects a cut-short or rewritten log",
    )
    verify.set_defaults(func=_verify)
