"""What every response must carry, whatever it is: a page, a redirect, JSON, an error page,
a download or a static file."""

from __future__ import annotations

from typing import Any


def assert_security_headers(reply: Any) -> None:
    headers = reply.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ") if d}
    assert directives.get("default-src") == ["'self'"], policy
    assert directives.get("script-src") == ["'self'"], policy  # no inline script, no eval
    assert directives.get("frame-ancestors") == ["'none'"], policy
    assert directives.get("object-src") == ["'none'"], policy
    assert "unsafe" not in policy, policy
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "same-origin"
    assert "Access-Control-Allow-Origin" not in headers  # no CORS: other sites cannot read us
    kind = headers.get("Content-Type", "")
    if kind.startswith("application/json") and reply.request.path.startswith("/api/"):
        assert headers.get("Content-Disposition", "").startswith("attachment;"), kind
    assert kind, f"{reply.status_code} without a Content-Type"
    if kind.startswith(("text/", "application/javascript")):
        assert "charset=utf-8" in kind.lower(), kind
