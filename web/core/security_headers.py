"""Headers on every response — pages, JSON, error pages, downloads and static files alike.

The policy allows scripts and styles from this site only: no inline script, no inline style,
no eval (htmx is told not to eval in base.html), no plugins, and no framing by any site.
API answers are attachments. Pages behind sign-in are never stored by the browser or a proxy (`no-store`), so the back
button after sign-out, or the next person at a shared desk, sees nothing. Behind HTTPS
(JIANGUAN_SECURE_COOKIES=1) browsers are also told to use HTTPS only (HSTS).
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
_CACHEABLE = ("/public/", "/static/")  # the same for everyone; the rest may be personal


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
        headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(_CACHEABLE):
            headers["Cache-Control"] = "no-store"
        if request.path.startswith("/api/") and response.mimetype == "application/json":
            # Opened in a browser tab, API JSON is saved as a file, never shown as a page
            # (ASVS 14.4.2); scripts and htmx read it the same either way.
            name = request.path.rsplit("/", 1)[-1] if request.path.endswith(".json") else "api.json"
            headers.setdefault("Content-Disposition", f'attachment; filename="{name}"')
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
