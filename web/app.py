"""The Flask application factory: one store per app, a session per request, blueprints per area."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, render_template

from jianguan.db import Store, open_store


def create_app(db_url: str | None = None, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(JSON_AS_ASCII=False)
    if config:
        app.config.update(config)
    store = open_store(db_url)
    app.extensions["jianguan_store"] = store

    from web.registry_views import registry

    app.register_blueprint(registry)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    @app.errorhandler(404)
    def _not_found(_err: Exception) -> tuple[str, int]:
        return render_template("error.html", title="页面不存在", detail="请检查地址。"), 404

    @app.errorhandler(500)
    def _server_error(_err: Exception) -> tuple[str, int]:
        # Never a stack trace to the user; the server log keeps it.
        return render_template(
            "error.html", title="服务器内部错误", detail="请稍后重试或联系管理员。"
        ), 500

    return app


def store_of(app: Flask) -> Store:
    store: Store = app.extensions["jianguan_store"]
    return store
