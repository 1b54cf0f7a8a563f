"""The app's extension slot: what one application holds for every request, read through
`current_app.extensions` as Flask's own extensions do, so no view imports the app factory."""

from __future__ import annotations

from flask import Flask

from jianguan.db import Store
from web.core.login_limit import LoginLimiter

STORE = "jianguan_store"
LOGIN_LIMIT = "jianguan_login_limit"


def install(app: Flask, store: Store, limiter: LoginLimiter) -> None:
    app.extensions[STORE] = store
    app.extensions[LOGIN_LIMIT] = limiter


def store_of(app: Flask) -> Store:
    store: Store = app.extensions[STORE]
    return store


def login_limiter(app: Flask) -> LoginLimiter:
    limiter: LoginLimiter = app.extensions[LOGIN_LIMIT]
    return limiter
