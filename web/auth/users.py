"""Accounts: creating users with hashed passwords, checking sign-ins, the signed-in user.

Passwords are stored only as werkzeug scrypt hashes. `create_user` is what `jianguan demo`
calls to make one demo account per role.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from jianguan import audit
from jianguan.errors import JianguanError
from jianguan.models import User
from web.core.access import ROLES

MIN_PASSWORD = 8
# Checked when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class UserError(JianguanError):
    """A user cannot be created as asked."""


@dataclass(frozen=True)
class SignedIn(UserMixin):
    """The signed-in user as Flask-Login sees it (a plain value, not a live ORM row)."""

    user_id: int
    username: str
    display_name: str
    role: str

    def get_id(self) -> str:
        return str(self.user_id)

    @classmethod
    def of(cls, row: User) -> SignedIn:
        return cls(row.id, row.username, row.display_name or row.username, row.role)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    *,
    actor: str = "system",
) -> User:
    """Add a user (audited). Raises `UserError` for a taken name, short password or bad role."""
    username = username.strip()
    if not username:
        raise UserError("用户名不能为空。", "The user name must not be empty.")
    if role not in ROLES:
        raise UserError(
            f"角色“{role}”无效，应为 {', '.join(ROLES)} 之一。",
            f"Role '{role}' is not valid; use one of {', '.join(ROLES)}.",
        )
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"密码至少 {MIN_PASSWORD} 位。",
            f"The password needs at least {MIN_PASSWORD} characters.",
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(
            f"用户名“{username}”已存在，请换一个。",
            f"User name '{username}' is taken; pick another.",
        )
    row = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password),
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
) -> bool:
    """Create the user unless one with that name exists (for re-runnable demos); True if made."""
    if session.scalar(select(User.id).where(User.username == username.strip())) is not None:
        return False
    create_user(session, username, password, role, display_name, actor=actor)
    return True


def authenticate(session: Session, username: str, password: str) -> User | None:
    row = session.scalars(select(User).where(User.username == username.strip())).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return row if check_password_hash(row.password_hash, password) else None


def load_signed_in(session: Session, user_id: str) -> SignedIn | None:
    if not user_id.isdigit():
        return None
    row = session.get(User, int(user_id))
    return SignedIn.of(row) if row else None
