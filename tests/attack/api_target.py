"""A server for the API fuzzer: a fresh store with demo-like data, served by waitress on
127.0.0.1 at a free port, and one signed-in `requests` session per role.

The store holds every plan state a caller can meet: a published plan (everyone who reads
plans sees it), an approved one and a draft (regulator and admin only; 404 to legal and
planner), so the fuzzer walks the role matrix and not only the 404 branch.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import Flask

from scheduler import lifecycle
from tests.web.flows import (
    PASSWORD,
    ROLE_USERS,
    SECOND_REGULATOR,
    create_task,
    generate,
    load_registry,
    make_users,
    post,
    signed_in,
)
from web.app import create_app
from web.extensions import store_of

SIGNED_OUT = "signed-out"
CALLERS = (SIGNED_OUT, *ROLE_USERS)  # signed out, then regulator, legal, planner, admin


@dataclass(frozen=True)
class FuzzStore:
    app: Flask
    published: int
    approved: int
    draft: int


def build_app(folder: Path, db_url: str | None = None) -> FuzzStore:
    """An app on a fresh store (SQLite in `folder` unless `db_url`) with users per role, the
    registry of tests/web/flows.py and three plans: published, approved, draft."""
    url = db_url or f"sqlite:///{folder / 'fuzz.db'}"
    app = create_app(url, {"SECRET_KEY": "api-fuzz-secret"})
    make_users(app)
    load_registry(app, folder)
    author = signed_in(app, ROLE_USERS["regulator"])
    create_task(author)
    approver = signed_in(app, SECOND_REGULATOR)
    published = generate(author, "ab" * 16)
    assert post(approver, f"/plans/{published}/approve").status_code == 302
    with store_of(app).session() as session:
        lifecycle.publish(session, published, SECOND_REGULATOR)
    approved = generate(author, "cd" * 16)
    assert post(approver, f"/plans/{approved}/approve").status_code == 302
    draft = generate(author, "ef" * 16)
    return FuzzStore(app, published, approved, draft)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """`app` under waitress on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    from waitress.server import create_server

    port = _free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=10)


@dataclass
class Caller:
    """How one caller talks to the API: its cookie jar and the CSRF header for POSTs."""

    name: str
    session: requests.Session
    headers: dict[str, str]


def _login_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert found, "the login page has no CSRF token"
    return found.group(1)


def caller(base_url: str, name: str) -> Caller:
    """A signed-out caller, or one signed in through the login form as ROLE_USERS[name]
    (session cookie) holding a token from GET /api/csrf-token (X-CSRFToken header)."""
    session = requests.Session()
    if name == SIGNED_OUT:
        return Caller(name, session, {})
    page = session.get(f"{base_url}/login", timeout=30)
    reply = session.post(
        f"{base_url}/login",
        data={
            "username": ROLE_USERS[name],
            "password": PASSWORD,
            "csrf_token": _login_token(page.text),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 302, f"{name} could not sign in: {reply.status_code}"
    csrf = session.get(f"{base_url}/api/csrf-token", timeout=30).json()["csrf_token"]
    return Caller(name, session, {"X-CSRFToken": csrf})
