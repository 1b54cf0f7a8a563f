"""Serving the UI with waitress, a production WSGI server (never Flask's development server)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def make_server(app: Flask, host: str, port: int) -> Any:
    """The server `jianguan web` runs (the test suite's live server is this one too): its
    Server header says "jianguan" and no version numbers."""
    from waitress.server import create_server

    return create_server(app, host=host, port=port, threads=8, ident="jianguan")


def serve(app: Flask, host: str, port: int) -> None:
    import logging

    logging.basicConfig()  # as waitress.serve does: its warnings reach the console
    server = make_server(app, host, port)
    print(f"界面地址 / UI at: http://{host}:{port}/  (Ctrl+C 停止 / to stop)", flush=True)
    server.run()
