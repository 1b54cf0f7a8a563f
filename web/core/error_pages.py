"""Error pages: a short message that says what to do, never a stack trace.

API paths get JSON with the same message; the server log keeps the details of a 500. When
the database is away (PostgreSQL restarting, the network to it down) a request gets the 503
page and the next one after the database is back works again, without restarting the server:
the page itself is drawn without asking the database who is signed in.
"""

from __future__ import annotations

import contextlib

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

DATABASE_AWAY = 503


def _messages() -> dict[int, tuple[str, str, str]]:
    # (title, what to do, English for API clients)
    return {
        400: (_("请求无效"), _("请返回上一页刷新后重试。"), "Bad request."),
        401: (_("请先登录"), _("请登录后再访问此页面。"), "Sign in first."),
        403: (
            _("无权访问"),
            _("您的角色无权执行此操作，如需权限请联系系统管理员。"),
            "Your role may not do this.",
        ),
        404: (_("页面不存在"), _("请检查地址。"), "Not found."),
        405: (_("不支持的请求方式"), _("请从页面上的按钮操作。"), "Method not allowed."),
        413: (_("文件过大"), _("请拆分文件后分批导入。"), "Upload too large."),
        429: (_("尝试次数过多"), _("请稍后再试。"), "Too many attempts; wait and retry."),
        500: (_("服务器内部错误"), _("请稍后重试或联系管理员。"), "Internal server error."),
        DATABASE_AWAY: (
            _("数据库暂时不可用"),
            _("请稍后重试；如持续出现，请联系系统管理员检查数据库服务。"),
            "The database is unavailable; try again shortly.",
        ),
    }


def _as_visitor() -> None:
    """Finish this request without the database: roll its session back (the connection may
    be gone) and let the page see a visitor, so drawing it asks nobody who is signed in."""
    session = g.get("db_session")
    if session is not None:
        # The connection may be gone already; closing the session at teardown is then enough.
        with contextlib.suppress(SQLAlchemyError):
            session.rollback()
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]


def error_response(code: int, detail: str | None = None) -> tuple[Response | str, int]:
    title, hint, english = _messages().get(code, _messages()[500])
    if request.path.startswith("/api/"):
        return jsonify(error=detail or title, error_en=english), code
    try:
        return render_template("error.html", title=title, detail=detail or hint, code=code), code
    except SQLAlchemyError:
        # The page's header asks who is signed in, and the database did not answer.
        _as_visitor()
        return render_template("error.html", title=title, detail=detail or hint, code=code), code


def install_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> tuple[Response | str, int]:
        if request.path.startswith("/api/"):
            # A missing token is missing credentials for the API (openapi.json: 401), like
            # a missing session; the body says which one and how to get it.
            return jsonify(
                error=_(
                    "缺少或无效的安全令牌（CSRF）：请先 GET /api/csrf-token，再放在 X-CSRFToken 请求头中。"
                ),
                error_en="Missing or invalid CSRF token: GET /api/csrf-token and send it in "
                "the X-CSRFToken header.",
            ), 401
        return error_response(400, _("表单已过期或缺少安全令牌（CSRF），请刷新页面后重试。"))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_away(err: SQLAlchemyError) -> tuple[Response | str, int]:
        # One line in the log: an outage fills it with the same traceback on every request.
        app.logger.error("database unavailable (%s): %s", request.path, str(err).splitlines()[0])
        _as_visitor()
        return error_response(DATABASE_AWAY)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> tuple[Response | str, int]:
        return error_response(err.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> tuple[Response | str, int]:
        app.logger.exception("unhandled error", exc_info=err)
        return error_response(InternalServerError.code)
