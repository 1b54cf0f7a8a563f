"""Web fixtures: an app on a fresh SQLite store, a live waitress server, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.flows import create_task, generate, load_registry, signed_in
from web.app import create_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store with one user per role, made once: each test copies the file
    (migrating and hashing passwords for every test would dominate the suite's time)."""
    from jianguan.db import open_store
    from tests.web.flows import make_users_in

    path = tmp_path_factory.mktemp("template") / "web.db"
    store = open_store(f"sqlite:///{path}")
    make_users_in(store)
    with store.engine.connect() as conn:  # fold the WAL into the main file before copying
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture
def app(tmp_path: Path, template_store: Path) -> Flask:
    """An app on a fresh store with one user per role (tests/web/flows.py names them)."""
    target = tmp_path / "web.db"
    shutil.copyfile(template_store, target)
    from tests.web.flows import TEST_CONFIG

    return create_app(f"sqlite:///{target}", TEST_CONFIG)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    from web.serve import make_server

    port = _free_port()
    server = make_server(app, "127.0.0.1", port)  # what `jianguan web` runs
    closing = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:  # its sockets closed under its select() at teardown
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    closing.set()
    server.close()
    thread.join(timeout=5)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("JIANGUAN_REQUIRE_BROWSER"):
            pytest.fail("JIANGUAN_REQUIRE_BROWSER is set but Debian's chromium is not installed")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def draft(app: Flask, tmp_path: Path) -> int:
    """A draft plan of the sample registry, generated through the web by reg1."""
    load_registry(app, tmp_path)
    client = signed_in(app, "reg1")
    create_task(client)
    return generate(client)
