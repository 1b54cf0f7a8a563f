"""Browsing latency of signed-in reviewers while plan and simulation jobs run, on PostgreSQL.

    .venv/bin/python benchmarks/web_load.py --db postgresql+psycopg://USER:PW@127.0.0.1/DB \\
        [--clients 100] [--seconds 120] [--think 1.0] [--reset] [--worker-priority idle|low|normal]

The province deployment in small (README, "Province deployment"): `jianguan web --processes 2
--no-worker` and two `jianguan worker` processes (at the CPU priority `--worker-priority` names,
jianguan/cpu_priority.py), all on one PostgreSQL store, on loopback.
The store is built first, as `jianguan demo` builds it (web/demo.py: the synthetic Nanchang
County registry imported, the demo users, the demo task planned), and the demo plan approved
and published; four more tasks (the demo task under other ids) wait to be planned. None of
that is timed.

Then `--clients` signed-in reviewers (regulator, regulator2 and admin in turn) browse for
`--seconds`: the plan list, a plan's review page, the API's plan list, a plan's JSON and its
server-side verification, the task page — each picking a plan from the API's list, so the
drafts the jobs save are browsed too — waiting about `--think` seconds between clicks (0.5× to
1.5×, at random), as a person does. As browsing starts, two regulators start generating the
four plans and a planner starts a simulation from the form (the form's defaults); the second
simulation (another seed) is started as soon as the first ends (the server runs one at a
time). Each starter polls its job's progress page every second, as the page's htmx does;
those polls are reported apart. Job times come from the store's job rows.

Latency is measured by the client from send to the last byte; the first request of every
client goes after all have signed in. The load average is printed beside the figures: other
work on the machine counts against them. Every child process is stopped at exit, also on
Ctrl-C. Beside the latencies, the web processes' threads' time on a CPU and time waiting
runnable for one (the kernel's schedstat) are printed while the jobs ran and after: what the
slow requests were waiting on. Loopback only: never point this at another host.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from benchmarks.web_client import Browser, free_port, percentile, wait_until_up
from jianguan.cpu_priority import PRIORITIES
from jianguan.db import Store, open_store
from jianguan.models import JobRow, PlanRow, TaskRow
from scheduler import lifecycle
from scheduler.task_file import read_task
from web.demo import (
    DEMO_TASK,
    DemoSize,
    build_registry,
    create_demo_users,
    demo_password,
    plan_demo_task,
)
from web.simulations.scenario_form import blank_form

ROOT = Path(__file__).resolve().parent.parent
REVIEWERS = ("regulator", "regulator2", "admin")
PLAN_JOBS = 4
LOAD_TASKS = tuple(f"LOAD-360121-2027-{n:02d}" for n in range(1, PLAN_JOBS + 1))
JOB_LOCATION = re.compile(r"/jobs/([0-9a-f]+)")


def load_average() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


# --- the store -------------------------------------------------------------------------------


def checked_url(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend != "postgresql":
        raise SystemExit(
            f"--db must be a PostgreSQL URL (postgresql+psycopg://…), not {backend}: the "
            "benchmark measures several web processes and workers on one store, which SQLite "
            "(one writer at a time, one in-process worker) does not support."
        )
    return url


def empty_schema(url: str, reset: bool) -> None:
    """Start from an empty database; a database with tables is wiped only with --reset."""
    engine = create_engine(url)
    try:
        tables = inspect(engine).get_table_names()
        if tables and not reset:
            raise SystemExit(
                f"the database already holds {len(tables)} tables ({', '.join(tables[:4])}, …); "
                "give an empty database, or add --reset to drop its public schema first "
                "(everything in it is lost)."
            )
        if tables:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def build_store(url: str, folder: Path, size: DemoSize) -> int:
    """The demo county in the store, its plan published, the load tasks waiting; returns the
    published plan's id."""
    store = open_store(url)
    try:
        enterprises_csv, inspectors_csv = build_registry(store, size, folder / "demo")
        create_demo_users(store)
        began = time.perf_counter()
        plan_demo_task(store, enterprises_csv, inspectors_csv)
        print(f"      (demo plan generated in {time.perf_counter() - began:.1f} s)", flush=True)
        with store.session() as session:
            plan_id = session.scalars(select(PlanRow.id).order_by(PlanRow.id)).first()
            assert plan_id is not None
            lifecycle.approve(session, plan_id, "regulator2")
            lifecycle.publish(session, plan_id, "regulator2")
            demo = read_task(DEMO_TASK)
            for task_id in LOAD_TASKS:
                task = demo.model_copy(update={"id": task_id})
                session.add(
                    TaskRow(
                        id=task_id,
                        title=f"{task.title}（负载测试 {task_id}）",
                        lead_department=task.lead_department,
                        spec=task.canonical(),
                        created_by="regulator",
                    )
                )
        return int(plan_id)
    finally:
        store.dispose()


# --- the processes ---------------------------------------------------------------------------


def jianguan_command() -> list[str]:
    found = Path(sys.executable).with_name("jianguan")
    if found.exists():
        return [str(found)]
    on_path = shutil.which("jianguan")
    if on_path:
        return [on_path]
    return [sys.executable, "-c", "import sys; from jianguan.cli import main; sys.exit(main())"]


@contextmanager
def children(
    env: dict[str, str], logs: Path
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Started processes, each in its own process group (so the web's forked processes go
    with it); all stopped on the way out, whatever the way out is."""
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        yield started
    finally:
        for _name, proc in started:
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in started:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop on SIGTERM; killed", file=sys.stderr)
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        print(f"stopped {len(started)} child processes; their logs were in {logs}", flush=True)


def start(
    started: list[tuple[str, subprocess.Popen[bytes]]],
    name: str,
    args: list[str],
    env: dict[str, str],
    logs: Path,
) -> None:
    log = (logs / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        [*jianguan_command(), *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: Ctrl-C reaches us, and we stop it
    )
    log.close()
    started.append((name, proc))


# --- the browsing clients --------------------------------------------------------------------


@dataclass
class Sample:
    route: str
    seconds: float
    at: float  # time.time() when sent
    status: int


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    polls: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, into: list[Sample], sample: Sample) -> None:
        with self.lock:
            into.append(sample)
            if sample.status >= 400:
                self.errors.append(f"{sample.route}: HTTP {sample.status}")


def timed(browser: Browser, path: str) -> tuple[float, float, int, bytes]:
    at = time.time()
    began = time.perf_counter()
    status, _headers, body = browser.request("GET", path)
    return at, time.perf_counter() - began, status, body


def browsed_pages(plan: int) -> list[tuple[str, str]]:
    """What a reviewer clicks, in turn: (route, path) with `plan` the plan looked at."""
    return [
        ("plan list", "/plans/"),
        ("review page", f"/plans/{plan}"),
        ("api plans", "/api/plans"),
        ("api plan", f"/api/plans/{plan}"),
        ("api verify", f"/api/plans/{plan}/verify"),
        ("task page", f"/plans/tasks/{LOAD_TASKS[plan % PLAN_JOBS]}"),
    ]


def reviewer(
    browser: Browser,
    first_plan: int,
    seconds: float,
    think: float,
    results: Results,
    go: threading.Barrier,
    seed: int,
    without: frozenset[str] = frozenset(),
) -> None:
    rng = random.Random(seed)
    plan_ids = [first_plan]
    go.wait()
    until = time.monotonic() + seconds
    time.sleep(rng.uniform(0, think))  # people do not all click at the same instant
    step = rng.randrange(6)
    while time.monotonic() < until:
        pages = [(r, p) for r, p in browsed_pages(rng.choice(plan_ids)) if r not in without]
        route, path = pages[step % len(pages)]
        step += 1
        try:
            at, took, status, body = timed(browser, path)
        except OSError as err:
            with results.lock:
                results.errors.append(f"{route}: {err}")
            continue
        results.add(results.samples, Sample(route, took, at, status))
        if route == "api plans" and status == 200:
            plan_ids = [p["id"] for p in json.loads(body)["plans"]] or plan_ids
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))
    browser.close()


# --- the jobs --------------------------------------------------------------------------------


@dataclass
class Started:
    label: str
    job_id: str
    poll: str
    done: bool = False


def start_job(browser: Browser, label: str, path: str, form: dict[str, str]) -> Started:
    status, headers, body = browser.request("POST", path, form)
    found = JOB_LOCATION.search(headers.get("location", ""))
    if status != 302 or found is None:
        raise SystemExit(
            f"starting {label} (POST {path}) answered {status}: {body[:300].decode('utf-8', 'replace')}"
        )
    poll = urllib.parse.urlsplit(headers["location"]).path.rstrip("/") + "/status"
    return Started(label, found.group(1), poll)


def simulation_form(seed: int) -> dict[str, str]:
    return {**blank_form(), "seed": str(seed), "name": f"负载测试模拟 seed {seed}"}


def run_jobs(
    port: int,
    results: Results,
    go: threading.Barrier,
    stop: threading.Event,
    jobs: list[Started],
    loads: dict[str, str],
) -> None:
    """Start the jobs through the web, as users do, and poll their pages until they end;
    the load average when the last one ended goes to `loads["jobs"]`."""
    starters = {name: Browser(port) for name in ("regulator", "regulator2", "planner")}
    for name, browser in starters.items():
        browser.sign_in(name, demo_password(name))
    go.wait()
    jobs.extend(
        start_job(
            starters["regulator" if n % 2 == 0 else "regulator2"],
            f"plan {task_id}",
            f"/plans/tasks/{task_id}/generate",
            {"seed": secrets.token_hex(32)},
        )
        for n, task_id in enumerate(LOAD_TASKS)
    )
    planner = starters["planner"]
    jobs.append(start_job(planner, "simulation 1", "/simulations/run", simulation_form(42)))
    second_started = False
    while not stop.is_set() and not (second_started and all(j.done for j in jobs)):
        for job in [j for j in jobs if not j.done]:
            who = starters["planner"] if job.label.startswith("simulation") else None
            browser = who or starters["regulator" if jobs.index(job) % 2 == 0 else "regulator2"]
            at, took, status, body = timed(browser, job.poll)
            results.add(results.polls, Sample("progress poll", took, at, status))
            job.done = b'data-status="running"' not in body
            if job.done and job.label == "simulation 1" and not second_started:
                jobs.append(
                    start_job(planner, "simulation 2", "/simulations/run", simulation_form(43))
                )
                second_started = True
        stop.wait(1.0)
    loads["jobs"] = load_average()


def job_rows(store: Store, ids: list[str]) -> dict[str, JobRow]:
    with store.session() as session:
        rows = session.scalars(select(JobRow).where(JobRow.id.in_(ids))).all()
        session.expunge_all()
        return {r.id: r for r in rows}


def watch_runs(store: Store, stop: threading.Event, first_running: dict[str, float]) -> None:
    """When each job was first seen running (the store keeps no claim time)."""
    while not stop.is_set():
        with store.session() as session:
            for job_id in session.scalars(select(JobRow.id).where(JobRow.state == "running")):
                first_running.setdefault(job_id, time.time())
        stop.wait(0.5)


def web_cpu(group: int) -> tuple[float, float]:
    """Seconds the web processes' threads (process group `group`) have run on a CPU, and
    waited runnable for one (the kernel's /proc/<pid>/task/<tid>/schedstat)."""
    ran = waited = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                if int(f.read().rsplit(")", 1)[1].split()[2]) != group:
                    continue
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/schedstat", encoding="ascii") as f:
                    on_cpu, runnable, _slices = f.read().split()
                ran, waited = ran + int(on_cpu), waited + int(runnable)
        except (OSError, ValueError):  # gone meanwhile
            continue
    return ran / 1e9, waited / 1e9


def watch_cpu(group: int, stop: threading.Event, into: list[tuple[float, float, float]]) -> None:
    """(time, ran, waited) of the web processes every second while the benchmark runs."""
    while not stop.is_set():
        into.append((time.time(), *web_cpu(group)))
        stop.wait(1.0)


# --- the report ------------------------------------------------------------------------------


def cpu_waits(cpu: list[tuple[float, float, float]], since: float, until: float) -> str:
    inside = [c for c in cpu if since <= c[0] <= until]
    if len(inside) < 2:
        return "too short to tell"
    (t0, ran0, waited0), (t1, ran1, waited1) = inside[0], inside[-1]
    wall = t1 - t0
    return f"ran {(ran1 - ran0) / wall:.2f} s, waited for a CPU {(waited1 - waited0) / wall:.2f} s"


def utc_seconds(at: datetime) -> float:
    return at.replace(tzinfo=UTC).timestamp()


def line(label: str, values: list[float], load: str) -> str:
    if not values:
        return f"{label:<22} {0:>6}"
    ms = [v * 1000 for v in values]
    return (
        f"{label:<22} {len(ms):>6} {percentile(ms, 0.5):>8.1f} {percentile(ms, 0.99):>8.1f} "
        f"{max(ms):>8.1f}   {load}"
    )


def slow_timeline(samples: list[Sample], began: float, every_s: int = 5) -> str:
    """Where the requests over 500 ms fell in the run: a start-up burst or the jobs' work."""
    slow: dict[int, list[Sample]] = {}
    for s in samples:
        if s.seconds > 0.5:
            slow.setdefault(int((s.at - began) // every_s) * every_s, []).append(s)
    if not slow:
        return "requests over 500 ms: none"
    parts = [
        f"{start}–{start + every_s} s: {len(group)} (worst {max(x.seconds for x in group):.1f} s, "
        f"{'/'.join(sorted({x.route for x in group}))})"
        for start, group in sorted(slow.items())
    ]
    return "requests over 500 ms, by when they were sent:\n  " + "\n  ".join(parts)


def report(
    results: Results,
    jobs: list[Started],
    rows: dict[str, JobRow],
    first_running: dict[str, float],
    began: float,
    loads: dict[str, str],
    args: argparse.Namespace,
    cpu: list[tuple[float, float, float]],
) -> None:
    busy = [
        (utc_seconds(rows[j.job_id].created_at), utc_seconds(rows[j.job_id].finished_at))
        for j in jobs
        if j.job_id in rows and rows[j.job_id].finished_at is not None
    ]
    end_of_jobs = max((b for _a, b in busy), default=began)
    during = [s for s in results.samples if s.at <= end_of_jobs]
    after = [s for s in results.samples if s.at > end_of_jobs]
    print()
    print(
        f"{args.clients} signed-in reviewers, {args.seconds:.0f} s, think {args.think} s; "
        f"2 web processes (--no-worker) + 2 workers (--priority {args.worker_priority}) "
        "on PostgreSQL"
    )
    print(f"{'requests':<22} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   load average")
    print(line("browsing (all)", [s.seconds for s in results.samples], loads["end"]))
    print(line("  while jobs ran", [s.seconds for s in during], loads["jobs"]))
    print(line("  after the jobs", [s.seconds for s in after], loads["end"]))
    for route in dict.fromkeys(s.route for s in results.samples):
        print(line(f"  {route}", [s.seconds for s in results.samples if s.route == route], ""))
    print(line("progress polls", [s.seconds for s in results.polls], ""))
    print("target: browsing p99 < 500 ms")
    print("the web processes' threads, per second (all threads summed; /proc schedstat):")
    print(f"  while jobs ran: {cpu_waits(cpu, began, end_of_jobs)}")
    print(f"  after the jobs: {cpu_waits(cpu, end_of_jobs, float('inf'))}")
    print(slow_timeline(results.samples, began))
    print()
    print(f"{'job':<30} {'state':<7} {'started':>8} {'waited':>7} {'ran':>7} {'total':>7}")
    for job in jobs:
        row = rows.get(job.job_id)
        if row is None:
            print(f"{job.label:<30} missing")
            continue
        queued = utc_seconds(row.created_at)
        running = first_running.get(job.job_id, queued)
        finished = utc_seconds(row.finished_at) if row.finished_at else None
        total = f"{finished - queued:>6.1f}s" if finished else "      -"
        ran = f"{finished - running:>6.1f}s" if finished else "      -"
        print(
            f"{job.label:<30} {row.state:<7} {queued - began:>7.1f}s {running - queued:>6.1f}s "
            f"{ran} {total}"
        )
    print("(started: seconds after browsing began; waited: queued until a worker took it, ±0.5 s)")
    print()
    print(
        f"load average (1, 5, 15 min): before our processes {loads['before']}, "
        f"when the last job ended {loads['jobs']}, at the end {loads['end']}"
    )
    print(
        f"{len(results.errors)} errors"
        + (": " + "; ".join(results.errors[:5]) if results.errors else "")
    )


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (postgresql+psycopg://…)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long clients browse")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between clicks")
    parser.add_argument("--enterprises", type=int, default=DemoSize().enterprises)
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="ROUTE",
        help='leave a route out of the browsing, e.g. --without "api verify" (to see its share)',
    )
    parser.add_argument("--reset", action="store_true", help="drop the database's tables first")
    parser.add_argument(
        "--worker-priority",
        choices=PRIORITIES,
        default="idle",
        help="the workers' CPU priority (jianguan worker --priority; default idle, as deployed)",
    )
    parser.add_argument(
        "--job-timeout", type=float, default=900.0, help="seconds to wait for the jobs"
    )
    args = parser.parse_args()
    url = checked_url(args.db)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up as on Ctrl-C
    loads = {"before": load_average()}
    with tempfile.TemporaryDirectory(prefix="web-load-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "JIANGUAN_INSTANCE": str(folder),
            "JIANGUAN_SECRET_KEY": secrets.token_hex(32),
            "JIANGUAN_AUDIT_KEY": secrets.token_hex(32),
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        os.environ.update(env)
        empty_schema(url, args.reset)
        print("setup (not timed):", flush=True)
        plan_id = build_store(url, folder, DemoSize(enterprises=args.enterprises))
        port = free_port()
        with children(env, folder) as started:
            start(
                started,
                "web",
                ["web", "--db", url, "--port", str(port), "--processes", "2", "--no-worker"],
                env,
                folder,
            )
            for n in (1, 2):
                worker = ["worker", "--db", url, "--priority", args.worker_priority]
                start(started, f"worker{n}", worker, env, folder)
            wait_until_up(port)
            run(args, url, port, plan_id, loads, web_group=started[0][1].pid)


def run(
    args: argparse.Namespace,
    url: str,
    port: int,
    plan_id: int,
    loads: dict[str, str],
    web_group: int,
) -> None:
    browsers = [Browser(port) for _ in range(args.clients)]
    sign_ins = [
        threading.Thread(target=b.sign_in, args=(REVIEWERS[n % 3], demo_password(REVIEWERS[n % 3])))
        for n, b in enumerate(browsers)
    ]
    for t in sign_ins:
        t.start()
    for t in sign_ins:
        t.join()
    print(f"{args.clients} clients signed in; browsing for {args.seconds:.0f} s", flush=True)
    results = Results()
    go = threading.Barrier(args.clients + 2)
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=reviewer,
            args=(b, plan_id, args.seconds, args.think, results, go, n, frozenset(args.without)),
            daemon=True,
        )
        for n, b in enumerate(browsers)
    ]
    jobs: list[Started] = []
    jobs_thread = threading.Thread(
        target=run_jobs, args=(port, results, go, stop, jobs, loads), daemon=True
    )
    store = open_store(url)
    first_running: dict[str, float] = {}
    watcher = threading.Thread(target=watch_runs, args=(store, stop, first_running), daemon=True)
    cpu: list[tuple[float, float, float]] = []
    browsed = threading.Event()  # the CPU is watched while the reviewers browse
    cpu_watcher = threading.Thread(target=watch_cpu, args=(web_group, browsed, cpu), daemon=True)
    for t in [*threads, jobs_thread, watcher, cpu_watcher]:
        t.start()
    go.wait()
    began = time.time()
    for t in threads:
        t.join()
    browsed.set()
    loads["end"] = load_average()
    jobs_thread.join(timeout=args.job_timeout)
    loads.setdefault("jobs", f"{load_average()} (jobs not all ended)")
    stop.set()
    jobs_thread.join(timeout=10)
    watcher.join(timeout=10)
    cpu_watcher.join(timeout=10)
    rows = job_rows(store, [j.job_id for j in jobs])
    store.dispose()
    report(results, jobs, rows, first_running, began, loads, args, cpu)


if __name__ == "__main__":
    main()
