"""Fixtures every area shares: a fresh store on SQLite and, where configured, PostgreSQL.

PostgreSQL tests run when JIANGUAN_TEST_PG_URL is set (CI sets it and JIANGUAN_REQUIRE_PG=1,
which turns a missing server into a failure instead of a skip). Each pytest-xdist worker gets
its own database, and each test a freshly migrated schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jianguan.db import Store, open_store
from tests.random_budget import load_profile

load_profile()

PG_URL = os.environ.get("JIANGUAN_TEST_PG_URL")


def _worker_pg_url(worker: str) -> str:
    assert PG_URL
    url = make_url(PG_URL)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("select 1 from pg_database where datname=:n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'create database "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _fresh_pg(worker: str) -> str:
    url = _worker_pg_url(worker)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("drop schema public cascade"))
        conn.execute(text("create schema public"))
    engine.dispose()
    return url


def empty_database(backend: str, tmp_path: Path, own: str = "") -> str:
    """The URL of an empty database on `backend` ("sqlite" or "postgresql"; skipped, or
    failed under JIANGUAN_REQUIRE_PG, when PostgreSQL is not configured). On PostgreSQL the
    database is shared by the tests of one xdist worker, unless `own` names one apart."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    if not PG_URL:
        if os.environ.get("JIANGUAN_REQUIRE_PG"):
            pytest.fail("JIANGUAN_REQUIRE_PG is set but JIANGUAN_TEST_PG_URL is not")
        pytest.skip("PostgreSQL not configured (set JIANGUAN_TEST_PG_URL)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return _fresh_pg(f"{worker}_{own}" if own else worker)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each database backend."""
    opened = open_store(empty_database(request.param, tmp_path))
    yield opened
    opened.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def jobs_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store for tests that decide which worker runs a job: on PostgreSQL a database apart,
    since the in-process workers of earlier tests' apps poll the shared one for up to
    IDLE_EXIT_S and would claim these tests' jobs."""
    opened = open_store(empty_database(request.param, tmp_path, own="jobs"))
    yield opened
    opened.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty SQLite store, for tests that are not about the backend."""
    opened = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.dispose()


# The audit log's key (jianguan.audit_key): fixed for the suite, so no test writes a key file
# into the working directory; tests of the key file itself unset it.
os.environ.setdefault("JIANGUAN_AUDIT_KEY", "jianguan-test-suite-audit-key-0123456789abcdef")
