"""Serving the UI with waitress, a production WSGI server (never Flask's development server).

`serve` runs one process (threads inside); `serve_processes` forks several, each with its own
app (store connections, worker thread) accepting on one shared listening socket: the kernel
spreads connections over them. Everything they share lives in the store (sessions are signed
cookies, jobs and the login limit are rows), so any process can serve any request.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

THREADS = 8


def make_server(app: Flask, host: str, port: int) -> Any:
    """The server `jianguan web` runs (the test suite's live server is this one too): its
    Server header says "jianguan" and no version numbers."""
    from waitress.server import create_server

    return create_server(app, host=host, port=port, threads=THREADS, ident="jianguan")


def serve(app: Flask, host: str, port: int) -> None:
    import logging

    logging.basicConfig()  # as waitress.serve does: its warnings reach the console
    server = make_server(app, host, port)
    print(f"界面地址 / UI at: http://{host}:{port}/  (Ctrl+C 停止 / to stop)", flush=True)
    server.run()


def _child(make_app: Callable[[], Flask], listening: socket.socket) -> None:
    from waitress.server import create_server

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    server = create_server(make_app(), sockets=[listening], threads=THREADS, ident="jianguan")
    server.run()


def serve_processes(make_app: Callable[[], Flask], host: str, port: int, processes: int) -> None:
    """Serve from `processes` forked processes; Ctrl+C or SIGTERM stops them all. A process
    that dies is started again (its requests in flight are lost, the others go on)."""
    import logging

    logging.basicConfig()
    listening = socket.create_server((host, port), backlog=1024, reuse_port=False)
    children: set[int] = set()

    def start() -> None:
        pid = os.fork()
        if pid == 0:
            try:
                _child(make_app, listening)
            finally:
                os._exit(1)
        children.add(pid)

    def stop(_signum: int, _frame: object) -> None:
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                children.discard(pid)
        for pid in list(children):
            os.waitpid(pid, 0)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(processes):
        start()
    print(
        f"界面地址 / UI at: http://{host}:{port}/  ({processes} 个进程 / processes; "
        "Ctrl+C 停止 / to stop)",
        flush=True,
    )
    while True:
        pid, status = os.wait()
        if pid in children:
            children.discard(pid)
            print(f"web process {pid} ended ({status}); starting another", file=sys.stderr)
            time.sleep(1)  # a process that cannot start must not spin
            start()
