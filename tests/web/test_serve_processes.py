"""`jianguan web --processes N`: the kernel deals connections out over every process.

With one shared listening socket, the process that woke first took the connection, and one
process served nearly all clients (browsers keep their connection). Each process now listens
on its own socket bound to the port (SO_REUSEPORT, web/serve.py).
"""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVER = """
import os, sys
from flask import Flask
from web.serve import serve_processes

def make_app():
    app = Flask("pid")
    app.add_url_rule("/", "pid", lambda: str(os.getpid()))
    return app

serve_processes(make_app, "127.0.0.1", int(sys.argv[1]), 2)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:`port` (Linux's /proc/net/tcp, state 0A)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return sum(1 for row in rows if row[1] == wanted and row[3] == "0A")


def _pid_of_new_connection(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        return conn.getresponse().read().decode("ascii")
    finally:
        conn.close()


@pytest.mark.skipif(
    not (hasattr(socket, "SO_REUSEPORT") and Path("/proc/net/tcp").exists()),
    reason="needs SO_REUSEPORT and Linux's /proc/net/tcp",
)
def test_each_process_listens_and_answers() -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT)
    try:
        seen: set[str] = set()
        deadline = time.monotonic() + 60
        # Both processes listen once their apps are built; 60 connections hashed over two
        # sockets all landing on one would happen once in 10^18 runs.
        while time.monotonic() < deadline and len(seen) < 2:
            try:
                seen.update(_pid_of_new_connection(port) for _ in range(60))
            except OSError:
                time.sleep(0.2)  # not listening yet
        assert len(seen) == 2, f"every connection went to process {seen}"
        # One socket each (the parent's only holds the port): the kernel, not a race between
        # the processes' loops, chooses who serves a connection.
        assert _listening_sockets(port) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
