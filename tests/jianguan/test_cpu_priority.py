"""A job worker takes only the CPU the web processes leave free (jianguan/cpu_priority.py).

The started `jianguan worker` is checked from outside, as an operator would with `chrt -p`:
its process and every thread it has started run in the idle class, or at the nice level asked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_WORKER = "import sys; from jianguan.cli import main; sys.exit(main())"

pytestmark = pytest.mark.skipif(
    not hasattr(os, "SCHED_IDLE"), reason="the idle scheduling class is Linux's"
)


def _started_worker(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JIANGUAN_INSTANCE": str(tmp_path)}
    return subprocess.Popen(
        [sys.executable, "-c", START_WORKER, "worker", "--db", url, "--poll", "0.1", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )


def _started_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    for line in proc.stdout:  # log lines may come first; the start-up line ends the wait
        if "worker started" in line:
            return line
    raise AssertionError(f"the worker stopped before it started (exit {proc.wait(10)})")


def _threads(pid: int) -> list[int]:
    return [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]


def test_the_worker_and_its_threads_run_in_the_idle_class_by_default(tmp_path: Path) -> None:
    proc = _started_worker(tmp_path)
    try:
        line = _started_line(proc)
        assert "SCHED_IDLE" in line
        assert {os.sched_getscheduler(tid) for tid in _threads(proc.pid)} == {os.SCHED_IDLE}
    finally:
        proc.terminate()
        proc.wait(10)


def test_low_priority_is_nice_ten_above_the_shell(tmp_path: Path) -> None:
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    proc = _started_worker(tmp_path, "--priority", "low")
    try:
        assert "nice 10" in _started_line(proc)
        assert os.sched_getscheduler(proc.pid) == os.SCHED_OTHER
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) == min(19, ours + 10)
    finally:
        proc.terminate()
        proc.wait(10)


def test_an_unknown_priority_is_refused_with_the_choices(tmp_path: Path) -> None:
    proc = _started_worker(tmp_path, "--priority", "urgent")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "idle" in out and "low" in out and "normal" in out
