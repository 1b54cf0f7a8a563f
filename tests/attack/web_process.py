"""`jianguan web` as its own process on a free port of 127.0.0.1, and signing in to it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.attack.api_target import _free_port, _login_token
from tests.web.flows import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WebProcess:
    process: subprocess.Popen[str]
    base: str
    log: Path

    def sign_in(self, username: str) -> requests.Session:
        client = requests.Session()
        page = client.get(f"{self.base}/login", timeout=30)
        reply = client.post(
            f"{self.base}/login",
            data={
                "username": username,
                "password": PASSWORD,
                "csrf_token": _login_token(page.text),
            },
            allow_redirects=False,
            timeout=30,
        )
        assert reply.status_code == 302, reply.text[:500]
        return client


@contextmanager
def web_process(db_url: str, folder: Path) -> Iterator[WebProcess]:
    """`python -m jianguan.cli web --db DB_URL --port P`, ready to answer; stopped after."""
    port = _free_port()
    log = folder / "web.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JIANGUAN_SECRET_KEY": "fault-test-secret-key-0123456789abcdef",
        "JIANGUAN_INSTANCE": str(folder / "instance"),
    }
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "jianguan.cli", "web", "--db", db_url, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"{base}/login", timeout=5)
                break
            except requests.ConnectionError:
                assert process.poll() is None, log.read_text(encoding="utf-8")[-3000:]
                assert time.monotonic() < deadline, "jianguan web did not answer in 120 s"
                time.sleep(0.2)
        yield WebProcess(process, base, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
