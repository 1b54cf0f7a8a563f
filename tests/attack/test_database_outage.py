"""PostgreSQL stopped and started under a running `jianguan web` (issue 14): while it is away
every page answers the usual short error page (503, 数据库暂时不可用) and the API its JSON
error — no traceback, no hang — and once it is back the same web process serves again, from
the first request on. The server is a throw-away one of this test's own (pg_instance.py): the
suite's shared PostgreSQL is never stopped."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import requests

from jianguan.db import open_store
from tests.attack.pg_instance import PgInstance, available, throwaway_pg
from tests.attack.web_process import WebProcess, web_process
from tests.web.flows import ROLE_USERS, make_users_in

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PAGES = ["/plans/", "/admin/audit/", "/public/"]


@pytest.fixture(scope="module")
def pg() -> Iterator[PgInstance]:
    why = available()
    if why:
        if os.environ.get("JIANGUAN_REQUIRE_PG"):
            pytest.fail(f"JIANGUAN_REQUIRE_PG is set but {why}")
        pytest.skip(why)
    with throwaway_pg() as instance:
        store = open_store(instance.url)
        make_users_in(store)
        store.dispose()
        yield instance


@pytest.fixture(scope="module")
def web(pg: PgInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebProcess]:
    with web_process(pg.url, tmp_path_factory.mktemp("outage")) as running:
        yield running


def _get(client: requests.Session, url: str) -> requests.Response:
    started = time.monotonic()
    reply = client.get(url, timeout=30, allow_redirects=False)
    assert time.monotonic() - started < 15, f"{url} took {time.monotonic() - started:.0f} s"
    return reply


def _all_served(web: WebProcess, admin: requests.Session) -> None:
    for page in PAGES:
        assert _get(admin, web.base + page).status_code == 200, page
    assert _get(admin, web.base + "/api/plans").json() == {"plans": []}


def test_requests_fail_with_the_short_page_and_recover_without_a_restart(
    pg: PgInstance, web: WebProcess
) -> None:
    admin = web.sign_in(ROLE_USERS["admin"])
    visitor = requests.Session()
    _all_served(web, admin)

    pg.stop("immediate")  # as a crash: no checkpoint, the next start recovers from the WAL
    for client, pages in ((admin, PAGES), (visitor, ["/public/"])):  # signed out: login first
        for page in pages:
            reply = _get(client, web.base + page)
            assert reply.status_code == 503, (page, reply.status_code, reply.text[:300])
            assert reply.headers["Content-Type"].startswith("text/html")
            assert 'id="error-detail"' in reply.text and "数据库暂时不可用" in reply.text
            assert "Traceback" not in reply.text and "psycopg" not in reply.text
    api = _get(admin, web.base + "/api/plans")
    assert api.status_code == 503
    assert api.json()["error_en"] == "The database is unavailable; try again shortly."

    pg.start()
    _all_served(web, admin)  # the same session, the same process: no restart, no sign-in

    pg.stop("fast")  # and when nobody asked while it was away: pooled connections are stale
    pg.start()
    _all_served(web, admin)

    assert web.process.poll() is None
    log = web.log.read_text(encoding="utf-8")
    assert "database unavailable (/plans/)" in log
    assert "Traceback" not in log  # one line per failed request, not a stack each
