"""Serving the UI with waitress, a production WSGI server (never Flask's development server).

`serve` runs one process (threads inside); `serve_processes` forks several, each with its own
app (store connections, worker thread). Everything they share lives in the store (sessions are
signed cookies, jobs and the login limit are rows), so any process can serve any request.

Each process listens on a socket of its own bound to the one port (SO_REUSEPORT), and the
kernel deals new connections out over them by a hash of the addresses. With one shared
socket, whichever process woke first took the connection: under a burst of sign-ins one
process took nine in ten of the clients, and since browsers keep their connection, it served
their every click alone — one process (one GIL) doing the work of all. The price: connections
waiting in the accept queue of a process that dies are reset (those in flight are lost either
way). Where the system has no SO_REUSEPORT, the processes share one socket as before.
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
# Browsers keep their connection open: waitress's default of 100 open connections per process
# made a process that took a burst of sign-ins stop accepting, and with SO_REUSEPORT the
# connections already dealt to it then waited in its queue until the clients gave up.
CONNECTION_LIMIT = 1000


def make_server(app: Flask, host: str, port: int) -> Any:
    """The server `jianguan web` runs (the test suite's live server is this one too): its
    Server header says "jianguan" and no version numbers."""
    from waitress.server import create_server

    return create_server(
        app,
        host=host,
        port=port,
        threads=THREADS,
        connection_limit=CONNECTION_LIMIT,
        ident="jianguan",
    )


def serve(app: Flask, host: str, port: int) -> None:
    import logging

    logging.basicConfig()  # as waitress.serve does: its warnings reach the console
    server = make_server(app, host, port)
    print(f"界面地址 / UI at: http://{host}:{port}/  (Ctrl+C 停止 / to stop)", flush=True)
    server.run()


BACKLOG = 1024


def _child(
    make_app: Callable[[], Flask], shared: socket.socket | None, address: tuple[str, int]
) -> None:
    from waitress.server import create_server

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Our socket first, then the app: all processes join the port within moments of each
    # other, so a burst of clients at start is dealt out over all of them (a process that
    # listened a second before the others took every client of the benchmark's sign-ins, and
    # kept them). Connections dealt to us wait in the queue while the app is built.
    listening = shared or socket.create_server(address, backlog=BACKLOG, reuse_port=True)
    server = create_server(
        make_app(),
        sockets=[listening],
        threads=THREADS,
        connection_limit=CONNECTION_LIMIT,
        ident="jianguan",
    )
    server.run()


def _reserve(host: str, port: int) -> tuple[socket.socket, bool]:
    """The port, bound by the parent: a listening socket the children share, or — with
    SO_REUSEPORT — a bound one that never listens (it only holds the port, and names it when
    `port` is 0), beside which each child opens its own. True for the latter."""
    if not hasattr(socket, "SO_REUSEPORT"):
        return socket.create_server((host, port), backlog=BACKLOG), False
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    held.bind((host, port))
    return held, True


def serve_processes(make_app: Callable[[], Flask], host: str, port: int, processes: int) -> None:
    """Serve from `processes` forked processes; Ctrl+C or SIGTERM stops them all. A process
    that dies is started again (its requests in flight are lost, the others go on)."""
    import logging

    logging.basicConfig()
    held, own_sockets = _reserve(host, port)
    address = (host, held.getsockname()[1])
    children: set[int] = set()

    def start() -> None:
        pid = os.fork()
        if pid == 0:
            try:
                if own_sockets:
                    held.close()
                _child(make_app, None if own_sockets else held, address)
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
        f"界面地址 / UI at: http://{host}:{address[1]}/  ({processes} 个进程 / processes; "
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
