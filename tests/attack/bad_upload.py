"""A registry file of many bad rows under a real header, imported by `jianguan registry
import` in a child process whose own peak memory comes back (issue 18: 1,000,000 such rows
took the web process past 9 GB). The web upload hands the file to the same reader.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.jianguan.samples import ENTERPRISE_HEADER

ROOT = Path(__file__).resolve().parents[2]


def bad_rows_csv(path: Path, rows: int) -> Path:
    """`rows` rows, each with three problems: a credit code ending in Z (a letter GB 32100
    never uses, so it is refused as malformed before any check character is computed), a
    5-digit district and a 13th month. Distinct ids (each one is remembered to find repeats)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(ENTERPRISE_HEADER + "\n")
        for i in range(rows):
            out.write(f"91360102MA{i % 10_000_000:07d}Z,企业{i},36010,C14,2019-13-01,,,,,,,,\n")
    return path


@dataclass(frozen=True)
class ImportRun:
    exit_code: int
    seconds: float
    peak_mb: float
    stderr: str

    @property
    def listed(self) -> int:
        return sum(1 for line in self.stderr.splitlines() if ".csv:" in line)


def import_in_child(path: Path, db: str, lang: str = "en") -> ImportRun:
    """`jianguan registry import --enterprises PATH` in a fresh interpreter; its peak
    resident memory from the kernel's accounting of that child alone (wait4)."""
    argv = [
        sys.executable,
        "-m",
        "jianguan.cli",
        "registry",
        "import",
        "--enterprises",
        str(path),
        "--db",
        db,
        "--lang",
        lang,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    with subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as child:
        assert child.stderr is not None
        stderr = child.stderr.read().decode("utf-8")
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    return ImportRun(child.returncode, time.monotonic() - started, usage.ru_maxrss / 1024, stderr)
