"""Serving the UI with waitress, a production WSGI server (never Flask's development server)."""

from __future__ import annotations

from flask import Flask


def serve(app: Flask, host: str, port: int) -> None:
    from waitress import serve as waitress_serve

    print(f"界面地址 / UI at: http://{host}:{port}/  (Ctrl+C 停止 / to stop)", flush=True)
    waitress_serve(app, host=host, port=port, threads=8, ident="jianguan")
