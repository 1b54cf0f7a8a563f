"""Durable jobs through the web, on each backend: workers share the store, not a process.

Two workers never run the same job; a worker killed with SIGKILL leaves its job to another,
which reruns it to the same plan (and saves it once); a job started through one app shows its
progress through another app on the same database; the login limit holds across two apps.
"""

from __future__ import annotations

import os
import re
import select as io_select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from jianguan import job_queue
from jianguan.db import Store
from jianguan.job_worker import JobContext, JobKind, Worker
from jianguan.models import JobRow, PlanRow
from simulations.job_kinds import KINDS
from tests.web.flows import (
    PASSWORD,
    TASK_ID,
    TEST_CONFIG,
    create_task,
    load_registry,
    make_users_in,
    post,
    signed_in,
    token,
)
from web.app import create_app

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
SEED = "cd" * 16


def _app(store: Store) -> Flask:
    """An app without its own worker: the tests decide who runs the jobs."""
    return create_app(store.url, {**TEST_CONFIG, "JOBS_IN_PROCESS": False})


@pytest.fixture
def store(jobs_store: Store) -> Store:
    return jobs_store


@pytest.fixture
def two_apps(store: Store) -> Iterator[tuple[Flask, Flask]]:
    make_users_in(store)
    first, second = _app(store), _app(store)
    with tempfile.TemporaryDirectory(prefix="jg") as folder:
        load_registry(first, Path(folder))
    yield first, second
    for app in (first, second):
        app.extensions["jianguan_store"].dispose()


def _job_id(location: str) -> str:
    found = re.search(r"/jobs/([0-9a-f]+)$", location)
    assert found, location
    return found.group(1)


def _row(store: Store, job_id: str) -> JobRow:
    with store.session() as session:
        row = job_queue.get(session, job_id)
        assert row is not None
        return row


def test_two_workers_never_run_the_same_job(store: Store) -> None:
    ran: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(job: JobContext) -> dict[str, Any]:
        with lock:
            ran.append((job.id, threading.current_thread().name))
        time.sleep(0.01)  # long enough for the other worker to try the same row
        return {"i": job.inputs["i"]}

    kinds = {"count": JobKind(record, "计数", "counting")}
    for i in range(40):
        with store.session() as session:
            job_queue.enqueue(session, "count", {"i": i}, f"user{i}")
    barrier = threading.Barrier(2)

    def work(name: str) -> None:
        worker = Worker(store, kinds, name=name)
        barrier.wait()
        worker.run(once=True)

    threads = [threading.Thread(target=work, args=(n,), name=n) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    ids = [job_id for job_id, _ in ran]
    assert len(ids) == len(set(ids)) == 40
    assert {name for _, name in ran} == {"w1", "w2"}  # both took part
    with store.session() as session:
        rows = list(session.scalars(select(JobRow)))
    assert {r.state for r in rows} == {"done"} and all(r.tries == 1 for r in rows)


# A worker process that claims the plan job, reports its first step and then hangs, beating its
# heartbeat: the moment to kill it is known, not guessed.
HANGING_WORKER = """
import sys, threading
from jianguan.db import open_store
from jianguan.job_worker import JobKind, Worker
from scheduler.plan_job import run_plan

def hang(job):
    say = job.say
    def say_then_hang(message):
        say(message)
        print("running", flush=True)
        threading.Event().wait()
    job.say = say_then_hang
    return run_plan(job)

kinds = {"plan": JobKind(hang, "x", "x")}
Worker(open_store(sys.argv[1]), kinds, heartbeat_s=0.3, stale_after_s=1.0, poll_s=0.1).run()
"""


def test_a_killed_workers_job_is_rerun_to_the_same_plan(
    store: Store, two_apps: tuple[Flask, Flask]
) -> None:
    web, _ = two_apps
    author = signed_in(web, "reg1")
    create_task(author)
    reply = post(author, f"/plans/tasks/{TASK_ID}/generate", {"seed": SEED})
    job_id = _job_id(reply.headers["Location"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    hanging = subprocess.Popen(
        [sys.executable, "-c", HANGING_WORKER, store.url],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert hanging.stdout is not None
        # A deadline, so a worker that never reaches the job fails the test instead of hanging it.
        ready, _, _ = io_select.select([hanging.stdout], [], [], 60)
        assert ready, f"the worker never ran the job (state {_row(store, job_id).state})"
        assert hanging.stdout.readline().strip() == "running"
        assert _row(store, job_id).state == "running"
        os.kill(hanging.pid, signal.SIGKILL)  # no clean-up runs: the row stays "running"
        hanging.wait(10)
    finally:
        if hanging.poll() is None:
            hanging.kill()
    assert _row(store, job_id).state == "running"
    survivor = Worker(store, KINDS, heartbeat_s=0.3, stale_after_s=1.0)
    assert not survivor.run_one()  # the heartbeat is still fresh: not taken yet
    time.sleep(1.2)
    assert survivor.run_one()
    row = _row(store, job_id)
    assert row.state == "done" and row.tries == 2 and row.result
    rerun_plan = row.result["plan_id"]
    # The same seed once more, from scratch: the same plan, byte for byte.
    again = post(author, f"/plans/tasks/{TASK_ID}/generate", {"seed": SEED})
    assert survivor.run_one()
    fresh = _row(store, _job_id(again.headers["Location"]))
    assert fresh.state == "done" and fresh.result
    with store.session() as session:
        plans = {p.id: p for p in session.scalars(select(PlanRow))}
    assert len(plans) == 2  # the killed run saved nothing; each finished job saved one draft
    assert plans[rerun_plan].document == plans[fresh.result["plan_id"]].document


def test_after_repeated_deaths_the_job_fails_with_a_message_on_the_page(
    store: Store, two_apps: tuple[Flask, Flask]
) -> None:
    web, other = two_apps
    author = signed_in(web, "reg1")
    create_task(author)
    reply = post(author, f"/plans/tasks/{TASK_ID}/generate", {"seed": SEED})
    job_id = _job_id(reply.headers["Location"])
    for _ in range(2):  # two workers claim it and vanish
        assert job_queue.claim(store, "lost", ["plan"], stale_after_s=0.2, max_tries=2)
        time.sleep(0.3)
    assert job_queue.claim(store, "w", ["plan"], stale_after_s=0.2, max_tries=2) is None
    page = signed_in(other, "reg1").get(f"/plans/jobs/{job_id}/status").get_data(as_text=True)
    assert 'data-status="failed"' in page and "2 次" in page


def test_progress_of_a_job_started_in_one_app_shows_in_another(
    store: Store, two_apps: tuple[Flask, Flask]
) -> None:
    first, second = two_apps
    author = signed_in(first, "reg1")
    create_task(author)
    reply = post(author, f"/plans/tasks/{TASK_ID}/generate", {"seed": SEED})
    path = reply.headers["Location"]
    watcher = signed_in(second, "reg2")
    queued = watcher.get(path + "/status").get_data(as_text=True)
    assert 'data-status="running"' in queued and 'id="job-queued"' in queued
    release, said = threading.Event(), threading.Event()

    def held(job: JobContext) -> Any:
        say = job.say

        def say_then_wait(message: str) -> None:
            say(message)
            said.set()
            release.wait(30)

        job.say = say_then_wait  # type: ignore[method-assign]
        from scheduler.plan_job import run_plan

        return run_plan(job)

    worker = Worker(store, {"plan": JobKind(held, "生成计划", "generating the plan")})
    thread = threading.Thread(target=worker.run_one)
    thread.start()
    assert said.wait(30)
    running = watcher.get(path + "/status").get_data(as_text=True)
    assert 'data-status="running"' in running and "读取名录库" in running
    assert 'id="job-queued"' not in running
    release.set()
    thread.join(120)
    done = watcher.get(path + "/status").get_data(as_text=True)
    assert 'data-status="done"' in done and re.search(r"/plans/\d+\"", done)
    # The plan's page in the second app is the one the first app's job saved.
    assert "计划已保存" in done


def test_the_login_limit_holds_across_two_apps(two_apps: tuple[Flask, Flask]) -> None:
    first, second = two_apps

    def attempt(app: Flask, password: str) -> int:
        client = app.test_client()
        data = {"username": "reg1", "password": password, "csrf_token": token(client)}
        return client.post("/login", data=data).status_code

    codes = [attempt(first if i % 2 else second, "wrong") for i in range(5)]
    assert codes == [401] * 5
    assert attempt(first, "wrong") == 429
    assert attempt(second, PASSWORD) == 429  # even the right password waits, in either app
