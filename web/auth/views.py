"""Signing in and out, the language switch, and the admin's user list."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.models import User
from web.auth.users import SignedIn, UserError, authenticate, create_user
from web.core.access import EVERYONE, ROLE_NAMES, ROLES, allow, public
from web.core.db_session import db
from web.core.i18n import LANGUAGES, short_language
from web.core.safe_redirect import same_site_path
from web.extensions import login_limiter

auth = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never bounce a user to another host (sign-in, language switch).
    return same_site_path(target, url_for("registry.overview"))


@auth.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    address = request.remote_addr or "?"
    limiter = login_limiter(current_app)
    wait = limiter.retry_after(address, username)
    if wait:
        message = _("登录失败次数过多，请 %(s)s 秒后再试。", s=wait)
        return render_template("login.html", error=message, next=request.form.get("next", "")), 429
    session_db = db()
    row = authenticate(session_db, username, password)
    if row is None:
        limiter.failed(address, username)
        audit.record(session_db, username[:60] or "?", "auth.login_failed", "user", username[:120])
        session_db.commit()
        return render_template(
            "login.html", error=_("用户名或密码不正确。"), next=request.form.get("next", "")
        ), 401
    limiter.succeeded(address, username)
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation
    if lang:
        session["lang"] = lang
    login_user(SignedIn.of(row))
    audit.record(session_db, row.username, "auth.login", "user", row.username)
    session_db.commit()
    return redirect(_safe_next(request.form.get("next")))


@auth.post("/logout")
@allow(*EVERYONE)
def logout() -> Response:
    name = current_user.username
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    audit.record(db(), name, "auth.logout", "user", name)
    db().commit()
    return redirect(url_for("auth.login"))


@auth.get("/lang/<code>")
@public
def switch_language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@auth.route("/admin/users", methods=["GET", "POST"])
@allow("admin")
def users() -> str | tuple[str, int]:
    session_db = db()
    error = None
    status = 200
    if request.method == "POST":
        try:
            create_user(
                session_db,
                request.form.get("username", ""),
                request.form.get("password", ""),
                request.form.get("role", ""),
                request.form.get("display_name", ""),
                actor=current_user.username,
            )
            session_db.commit()
            flash(_("已创建用户。"))
        except UserError as err:
            session_db.rollback()
            error, status = err.message(short_language()), 400
    rows = session_db.scalars(select(User).order_by(User.username)).all()
    return render_template(
        "users.html", users=rows, roles=ROLES, role_names=ROLE_NAMES, error=error
    ), status
