"""Accounts: creating users with hashed passwords, checking sign-ins, disabling users, the
signed-in user.

Passwords are stored only as scrypt hashes (`web/auth/passwords.py`). `create_user` is what
`jianguan demo` calls to make one demo account per role. A signed-in user's id carries the
user's session epoch, so raising the epoch ends all of that user's sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_login import UserMixin
from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan import audit
from jianguan.errors import JianguanError
from jianguan.models import User
from web.auth import passwords
from web.core.access import ROLES

# ASVS 2.1.1/2.1.2: at least 12 characters (runs of spaces count as one), at most 128.
MIN_PASSWORD = 12
MAX_PASSWORD = 128
USERNAME_MAX = 60  # the users table's columns
DISPLAY_NAME_MAX = 100


class UserError(JianguanError):
    """A user cannot be created as asked."""


@dataclass(frozen=True)
class SignedIn(UserMixin):
    """The signed-in user as Flask-Login sees it (a plain value, not a live ORM row)."""

    user_id: int
    username: str
    display_name: str
    role: str
    session_epoch: int = 0

    def get_id(self) -> str:
        # What Flask-Login keeps in the session: a raised epoch no longer matches it.
        return f"{self.user_id}:{self.session_epoch}"

    @classmethod
    def of(cls, row: User) -> SignedIn:
        return cls(
            row.id, row.username, row.display_name or row.username, row.role, row.session_epoch
        )


def check_name_rules(username: str, display_name: str) -> None:
    """Names fit their columns on every database and hold no spaces or control characters
    (a name is shown in pages and logs, and typed at sign-in)."""
    if len(username) > USERNAME_MAX or not all(
        c.isprintable() and not c.isspace() for c in username
    ):
        raise UserError(
            f"用户名最多 {USERNAME_MAX} 个字符，不能含空格或控制字符。",
            f"A user name has at most {USERNAME_MAX} characters, without spaces or control characters.",
        )
    if len(display_name) > DISPLAY_NAME_MAX or not display_name.isprintable():
        raise UserError(
            f"姓名最多 {DISPLAY_NAME_MAX} 个字符，不能含控制字符。",
            f"A display name has at most {DISPLAY_NAME_MAX} characters, without control characters.",
        )


def check_password_rules(password: str) -> None:
    """Length only (ASVS 2.1.9: no composition rules); raises `UserError` saying what to fix."""
    length = len(re.sub(" {2,}", " ", password))
    if length < MIN_PASSWORD:
        raise UserError(
            f"密码至少 {MIN_PASSWORD} 位（连续空格算一位）。",
            f"The password needs at least {MIN_PASSWORD} characters (a run of spaces counts once).",
        )
    if len(password) > MAX_PASSWORD:
        raise UserError(
            f"密码最多 {MAX_PASSWORD} 位。",
            f"The password may have at most {MAX_PASSWORD} characters.",
        )


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    *,
    actor: str = "system",
    method: str = passwords.DEFAULT_METHOD,
) -> User:
    """Add a user (audited). Raises `UserError` for a taken name, short password or bad role."""
    username, display_name = username.strip(), display_name.strip()
    if not username:
        raise UserError("用户名不能为空。", "The user name must not be empty.")
    check_name_rules(username, display_name)
    if role not in ROLES:
        raise UserError(
            f"角色“{role}”无效，应为 {', '.join(ROLES)} 之一。",
            f"Role '{role}' is not valid; use one of {', '.join(ROLES)}.",
        )
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(
            f"用户名“{username}”已存在，请换一个。",
            f"User name '{username}' is taken; pick another.",
        )
    row = User(
        username=username,
        display_name=display_name or username,
        password_hash=passwords.hash_password(password, method),
        role=role,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "user",
        username,
        None,
        {"role": role, "display_name": row.display_name},
    )
    return row


def ensure_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    *,
    actor: str = "system",
    method: str = passwords.DEFAULT_METHOD,
) -> bool:
    """Create the user unless one with that name exists (for re-runnable demos); True if made."""
    if session.scalar(select(User.id).where(User.username == username.strip())) is not None:
        return False
    create_user(session, username, password, role, display_name, actor=actor, method=method)
    return True


def authenticate(
    session: Session, username: str, password: str, method: str = passwords.DEFAULT_METHOD
) -> User | None:
    """The user if the name and password match an active account, else None.

    Unknown names, wrong passwords and disabled accounts all cost one password check and
    return the same None, so neither the answer nor its time tells which names exist. A hash
    made with weaker parameters than `method` is replaced (audited) once the password matched.
    """
    row = session.scalars(select(User).where(User.username == username.strip())).first()
    if row is None:
        passwords.spend_like_a_check(password, method)
        return None
    if not passwords.matches(row.password_hash, password) or not row.active:
        return None
    if passwords.needs_rehash(row.password_hash, method):
        old = passwords.method_of(row.password_hash)
        row.password_hash = passwords.hash_password(password, method)
        audit.record(
            session,
            row.username,
            "user.password_rehash",
            "user",
            row.username,
            {"method": old},
            {"method": passwords.method_of(row.password_hash)},
        )
    return row


def load_signed_in(session: Session, user_id: str) -> SignedIn | None:
    """The session's user, unless disabled or the session predates their current epoch."""
    number, _, epoch = user_id.partition(":")
    if not (number.isdigit() and epoch.isdigit()):
        return None  # also a session from before epochs existed: sign in again
    row = session.get(User, int(number))
    if row is None or not row.active or row.session_epoch != int(epoch):
        return None
    return SignedIn.of(row)


def end_sessions(session: Session, row: User) -> None:
    """Every session of this user ends at its next request (the caller commits)."""
    row.session_epoch += 1


def set_active(session: Session, row: User, active: bool, *, actor: str) -> None:
    """Disable (ending the user's sessions) or re-enable an account, audited."""
    if row.active == active:
        return
    row.active = active
    if not active:
        end_sessions(session, row)
    audit.record(
        session,
        actor,
        "user.enable" if active else "user.disable",
        "user",
        row.username,
        {"active": not active},
        {"active": active, "session_epoch": row.session_epoch},
    )


def set_password(
    session: Session,
    row: User,
    password: str,
    *,
    actor: str,
    method: str = passwords.DEFAULT_METHOD,
) -> None:
    """Give the user a new password (length rules apply) and end all of their sessions: whoever
    held the old password or a session made with it is out. Audited, without the password."""
    check_password_rules(password)
    row.password_hash = passwords.hash_password(password, method)
    end_sessions(session, row)
    audit.record(
        session,
        actor,
        "user.password_change" if actor == row.username else "user.password_reset",
        "user",
        row.username,
        None,
        {"method": passwords.method_of(row.password_hash), "session_epoch": row.session_epoch},
    )
