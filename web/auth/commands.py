"""`jianguan user add|passwd|disable|enable`: accounts from the command line, so a real
deployment gets its first administrator without the demo's well-known accounts, and a user who
forgot their password gets a new one from an administrator at the console.

The password is never an argument (it would stay in the shell history and in `ps`): it is
asked twice on a terminal, or read as one line from standard input for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan.cli_support import lang_parent
from jianguan.db import open_store
from jianguan.errors import JianguanError
from jianguan.models import User


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 / password: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise JianguanError("两次输入的密码不一致。", "The two passwords differ.")
    return first


def _add(args: argparse.Namespace) -> int:
    from web.auth.users import check_password_rules, create_user

    password = _password()
    check_password_rules(password)
    store = open_store(args.db)
    try:
        with store.session() as session:
            create_user(session, args.username, password, args.role, args.display_name, actor="cli")
    finally:
        store.dispose()
    print(f"已创建用户 / user created: {args.username} ({args.role})")
    return 0


def _existing(session: Session, username: str) -> User:
    row = session.scalars(select(User).where(User.username == username)).first()
    if row is None:
        raise JianguanError(f"用户“{username}”不存在。", f"There is no user '{username}'.")
    return row


def _passwd(args: argparse.Namespace) -> int:
    from web.auth.users import check_password_rules, set_password

    password = _password()
    check_password_rules(password)
    store = open_store(args.db)
    try:
        with store.session() as session:
            set_password(session, _existing(session, args.username), password, actor="cli")
    finally:
        store.dispose()
    print(f"{args.username}: 密码已重设，会话已结束 / password reset, sessions ended")
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from web.auth.users import set_active

    store = open_store(args.db)
    try:
        with store.session() as session:
            set_active(session, _existing(session, args.username), active, actor="cli")
    finally:
        store.dispose()
    done = "已启用 / enabled" if active else "已停用，会话已结束 / disabled, sessions ended"
    print(f"{args.username}: {done}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from web.core.access import ROLES

    user = subparsers.add_parser("user", help="用户账号 / user accounts")
    actions = user.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    common = [lang_parent()]

    add = actions.add_parser("add", parents=common, help="新建用户 / add a user")
    add.add_argument("username")
    _db_option(add)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name", default="")
    add.set_defaults(func=_add)

    passwd = actions.add_parser(
        "passwd", parents=common, help="重设密码并结束其会话 / reset the password, end sessions"
    )
    passwd.add_argument("username")
    _db_option(passwd)
    passwd.set_defaults(func=_passwd)

    for name, active, text in (
        ("disable", False, "停用并结束其会话 / disable and end their sessions"),
        ("enable", True, "重新启用 / enable again"),
    ):
        leaf = actions.add_parser(name, parents=common, help=text)
        leaf.add_argument("username")
        _db_option(leaf)
        leaf.set_defaults(func=lambda args, a=active: _set_active(args, a))


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
