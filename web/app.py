"""The Flask application factory: one store per app, a session per request, blueprints per area."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, g
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import make_url

from jianguan.config import database_url, instance_dir
from jianguan.db import Store, open_store
from jianguan.errors import JianguanError
from web import extensions
from web.auth.passwords import DEFAULT_METHOD
from web.core.login_limit import LoginLimiter
from web.core.url_ids import RowIdConverter

SECRET_KEY_MIN = 32
_HOW_TO_SET = (
    'export JIANGUAN_SECRET_KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))")'
)


def _secret_key(dialect: str) -> str:
    """From JIANGUAN_SECRET_KEY; without it, on SQLite only, a random key kept in the instance
    folder (created owner-only; sessions survive restarts on one machine).

    On PostgreSQL the store is shared by several processes or machines, which must all sign
    sessions with the same key and should not each keep a copy beside the code: the key has
    to come from the environment (a secrets manager, a systemd credential), or we refuse.
    """
    given = os.environ.get("JIANGUAN_SECRET_KEY")
    if given is not None:
        if len(given) < SECRET_KEY_MIN:
            raise JianguanError(
                f"JIANGUAN_SECRET_KEY 太短（{len(given)} 个字符），至少需要 {SECRET_KEY_MIN} 个；"
                f"可以这样生成：{_HOW_TO_SET}",
                f"JIANGUAN_SECRET_KEY is too short ({len(given)} characters, at least "
                f"{SECRET_KEY_MIN} needed); make one with: {_HOW_TO_SET}",
            )
        return given
    if dialect != "sqlite":
        raise JianguanError(
            "使用 PostgreSQL 时必须通过环境变量 JIANGUAN_SECRET_KEY 提供会话密钥"
            f"（所有服务器进程使用同一个），例如：{_HOW_TO_SET}",
            "With PostgreSQL the session key must come from the environment variable "
            f"JIANGUAN_SECRET_KEY (the same for every server process), e.g.: {_HOW_TO_SET}",
        )
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="ascii")
    return path.read_text(encoding="ascii").strip()


def _defaults() -> dict[str, Any]:
    secure = os.environ.get("JIANGUAN_SECURE_COOKIES", "0") == "1"
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,  # set JIANGUAN_SECURE_COOKIES=1 behind HTTPS
        # Behind HTTPS the "__Host-" prefix makes browsers refuse the cookie from a sibling
        # host or a plain-HTTP page, and send it to this host only (ASVS 3.4.4).
        "SESSION_COOKIE_NAME": "__Host-session" if secure else "session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # Requests are small (forms, rule files, scenario files); only a registry upload may be
        # large (a province's enterprises.csv is ~100 MB). See _install_upload_limits.
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # 10,000 API records fit
        "REGISTRY_UPLOAD_MAX_BYTES": 256 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BEHIND_PROXY": os.environ.get("JIANGUAN_BEHIND_PROXY", "0") == "1",
        "PASSWORD_HASH_METHOD": DEFAULT_METHOD,  # see web/auth/passwords.py
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_S": 300.0,
    }


def create_app(db_url: str | None = None, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(_defaults())
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in JSON
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):  # before opening the store: refuse without a trace
        app.config["SECRET_KEY"] = _secret_key(make_url(database_url(db_url)).get_backend_name())
    store = open_store(db_url)
    limiter = LoginLimiter(app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_WINDOW_S"])
    extensions.install(app, store, limiter)

    from web.core.access import install_gate
    from web.core.error_pages import install_error_pages
    from web.core.i18n import install_babel
    from web.core.paging import page_url
    from web.core.security_headers import install_security_headers

    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    _install_upload_limits(app)  # before CSRF: its check reads the whole form first
    CSRFProtect(app)
    install_babel(app)
    _install_login(app)
    install_gate(app)
    install_error_pages(app)
    install_security_headers(app)
    _register_blueprints(app)
    _install_jobs(app, store)
    app.jinja_env.globals["page_url"] = page_url

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    if app.config.get("BEHIND_PROXY"):
        # Behind one reverse proxy (nginx, HTTPS termination): take the client address from
        # X-Forwarded-For, so the login limit counts per client, not per proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    return app


def _install_upload_limits(app: Flask) -> None:
    """The registry upload alone may exceed MAX_CONTENT_LENGTH; everything else is refused
    (413, with a message) before Werkzeug buffers it."""
    from flask import request

    @app.before_request
    def _registry_upload_limit() -> None:
        if request.method == "POST" and request.path == "/registry/import":
            request.max_content_length = app.config["REGISTRY_UPLOAD_MAX_BYTES"]


def _install_login(app: Flask) -> None:
    from web.auth import sessions
    from web.auth.users import SignedIn
    from web.core.db_session import db

    manager = LoginManager(app)
    manager.session_protection = "strong"

    @manager.user_loader
    def _load(user_id: str) -> SignedIn | None:
        return sessions.load(db(), user_id)


def _register_blueprints(app: Flask) -> None:
    from web import api, audit, auth, plans, public, registry, rules, simulations

    for area in (auth, registry, plans, audit, public, api, rules, simulations):
        for blueprint in area.BLUEPRINTS:
            app.register_blueprint(blueprint)


def _install_jobs(app: Flask, store: Store) -> None:
    from simulations.job_kinds import KINDS
    from web.core.background_jobs import install_jobs
    from web.plans.review_cache import KindsRenderingReviews
    from web.plans.views import soft_goal_name, status_name

    install_jobs(app, store, KindsRenderingReviews(KINDS, app))
    app.jinja_env.globals["plan_status"] = status_name
    app.jinja_env.globals["soft_goal"] = soft_goal_name
