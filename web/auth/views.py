"""Signing in and out, changing one's password, the language switch, and the admin's user
list."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.models import User
from web.auth import sessions
from web.auth.users import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    UserError,
    authenticate,
    create_user,
    set_active,
    set_password,
)
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
    session_db = db()
    wait = limiter.retry_after(session_db, address, username)
    if wait:
        message = _("登录失败次数过多，请 %(s)s 秒后再试。", s=wait)
        return render_template("login.html", error=message, next=request.form.get("next", "")), 429
    row = authenticate(session_db, username, password, current_app.config["PASSWORD_HASH_METHOD"])
    if row is None:
        limiter.failed(session_db, address, username)
        audit.record(session_db, username[:60] or "?", "auth.login_failed", "user", username[:120])
        session_db.commit()
        return render_template(
            "login.html", error=_("用户名或密码不正确。"), next=request.form.get("next", "")
        ), 401
    limiter.succeeded(session_db, address, username)
    sessions.begin(row)  # a fresh session on sign-in: no fixation
    audit.record(session_db, row.username, "auth.login", "user", row.username)
    session_db.commit()
    return redirect(_safe_next(request.form.get("next")))


@auth.post("/logout")
@allow(*EVERYONE)
def logout() -> Response:
    name = current_user.username
    sessions.end(db(), db().get(User, current_user.user_id))
    audit.record(db(), name, "auth.logout", "user", name)
    db().commit()
    reply = redirect(url_for("auth.login"))
    # The browser drops cached pages and any storage of this site (the cookie goes by itself).
    reply.headers["Clear-Site-Data"] = '"cache", "storage"'
    return reply


@auth.route("/account/password", methods=["GET", "POST"])
@allow(*EVERYONE)
def change_password() -> str | Response | tuple[str, int]:
    """The current password and the new one twice. A wrong current password counts towards the
    sign-in limit (a borrowed session must not become a password-guessing oracle); success
    ends every other session of the user and starts a fresh one here."""
    if request.method == "GET":
        return _password_page()
    address, name = request.remote_addr or "?", current_user.username
    limiter = login_limiter(current_app)
    session_db = db()
    wait = limiter.retry_after(session_db, address, name)
    if wait:
        return _password_page(_("登录失败次数过多，请 %(s)s 秒后再试。", s=wait), 429)
    row = session_db.get(User, current_user.user_id)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if (
        row is None
        or authenticate(session_db, name, request.form.get("current", ""), method) is None
    ):
        session_db.rollback()  # nothing of this attempt stays but the failure
        limiter.failed(session_db, address, name)
        session_db.commit()
        return _password_page(_("当前密码不正确。"), 400)
    new = request.form.get("new", "")
    if new != request.form.get("again", ""):
        session_db.rollback()
        return _password_page(_("两次输入的新密码不一致。"), 400)
    try:
        set_password(session_db, row, new, actor=name, method=method)
    except UserError as err:
        session_db.rollback()
        return _password_page(err.message(short_language()), 400)
    limiter.succeeded(session_db, address, name)
    sessions.begin(row)  # this browser stays signed in, under the new epoch
    session_db.commit()
    flash(_("密码已修改，其他设备上的会话已结束。"))
    return redirect(url_for("registry.overview"))


def _password_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "password.html", error=error, min_password=MIN_PASSWORD, max_password=MAX_PASSWORD
    )
    return page, status


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
                method=current_app.config["PASSWORD_HASH_METHOD"],
            )
            session_db.commit()
            flash(_("已创建用户。"))
        except UserError as err:
            session_db.rollback()
            error, status = err.message(short_language()), 400
    rows = session_db.scalars(select(User).order_by(User.username)).all()
    return render_template(
        "users.html",
        users=rows,
        roles=ROLES,
        role_names=ROLE_NAMES,
        error=error,
        min_password=MIN_PASSWORD,
        max_password=MAX_PASSWORD,
    ), status


@auth.post("/admin/users/<int:user_id>/active")
@allow("admin")
def set_user_active(user_id: int) -> Response:
    """Disable an account (its open sessions end at their next request) or enable it again."""
    session_db = db()
    row = session_db.get(User, user_id)
    if row is None:
        abort(404)
    active = request.form.get("active") == "1"
    if row.id == current_user.user_id and not active:
        flash(_("不能停用自己的账号，请由另一位系统管理员操作。"))
        return redirect(url_for("auth.users"))
    set_active(session_db, row, active, actor=current_user.username)
    session_db.commit()
    if active:
        flash(_("已启用用户 %(name)s。", name=row.username))
    else:
        flash(_("已停用用户 %(name)s，其会话已全部结束。", name=row.username))
    return redirect(url_for("auth.users"))
