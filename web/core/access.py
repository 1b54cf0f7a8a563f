"""Who may open which page: every endpoint declares its roles, and one gate enforces them.

Deny by default: an endpoint that declares nothing is refused to everyone, so a new page can
never be left open by forgetting a decorator. Unauthenticated API calls get a 401 JSON body,
never a redirect to the login page (a script cannot follow a login form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

ROLES = ("regulator", "legal", "planner", "admin")
ROLE_NAMES = {
    "regulator": "监管人员",
    "legal": "法制人员",
    "planner": "政策研究人员",
    "admin": "系统管理员",
}
EVERYONE = ROLES
PUBLIC = "public"

F = TypeVar("F", bound=Callable[..., Any])


def allow(*roles: str) -> Callable[[F], F]:
    """Mark a view as open to signed-in users holding one of `roles`."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown or no roles: {sorted(unknown)}")

    def mark(view: F) -> F:
        view.jianguan_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Mark a view as open without signing in (/public/*, /login)."""
    view.jianguan_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def role_name(role: str) -> str:
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else role


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _gate(app: Flask) -> Callable[[], Response | None]:
    def check() -> Response | None:
        if request.endpoint is None or request.endpoint == "static":
            return None  # 404s and static files
        view = app.view_functions.get(request.endpoint)
        roles = getattr(view, "jianguan_roles", None)
        if roles == PUBLIC:
            return None
        if not current_user.is_authenticated:
            if _is_api():
                body = jsonify(error=_("请先登录。"), error_en="Sign in first.")
                body.status_code = 401
                return body
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if roles is None or current_user.role not in roles:
            # The server log keeps every refusal (ASVS 7.2.2); %r escapes line breaks and
            # control characters, so a crafted path cannot forge a log line.
            app.logger.warning(
                "access refused: user=%r role=%r %s %r",
                current_user.username,
                current_user.role,
                request.method,
                request.path,
            )
            raise Forbidden()
        return None

    return check


def install_gate(app: Flask) -> None:
    app.before_request(_gate(app))
    app.jinja_env.globals["role_name"] = role_name
