"""A plain SQLAlchemy session per request, closed at the end of the request."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from web.extensions import store_of


def db() -> Session:
    if "db_session" not in g:
        g.db_session = Session(store_of(current_app).engine)
    session: Session = g.db_session
    return session
