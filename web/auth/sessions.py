"""The signed-in session's life: begun fresh at sign-in, checked on every request, ended at
sign-out — all of the user's sessions, since a signed cookie cannot be recalled one by one.

Flask keeps the session in a cookie signed with SECRET_KEY. What makes it end on the server's
word is the user's session epoch inside the user id (`SignedIn.get_id`): sign-out and
disabling raise it, and the loader refuses a session whose epoch is not the current one. The
sign-in time is kept too, so a session ends after PERMANENT_SESSION_LIFETIME however often the
cookie is rewritten in between.
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import Session

from jianguan.models import User
from web.auth.users import SignedIn, end_sessions, load_signed_in

SIGNED_IN_AT = "signed_in_at"
KEPT = ("lang",)  # all a visitor's session may carry into the signed-in one


def _fresh_session() -> None:
    kept = {key: session[key] for key in KEPT if key in session}
    session.clear()  # new cookie content: nothing planted before sign-in survives it
    session.update(kept)


def begin(row: User) -> None:
    _fresh_session()
    login_user(SignedIn.of(row))
    session[SIGNED_IN_AT] = int(time.time())


def end(db: Session, row: User | None) -> None:
    """Sign out here and, by raising the epoch, everywhere else (the caller commits)."""
    if row is not None:
        end_sessions(db, row)
    logout_user()
    _fresh_session()


def load(db: Session, user_id: str) -> SignedIn | None:
    """Flask-Login's user loader: None (signed out) for an old, stale-epoch or disabled one."""
    started = session.get(SIGNED_IN_AT)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(started, int) or time.time() - started > lifetime:
        return None
    return load_signed_in(db, user_id)
