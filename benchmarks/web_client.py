"""What the web load benchmarks share: a free loopback port, waiting for a server, a
signed-in HTTP client (the session cookie a browser would keep, the form's CSRF token) and
percentiles. Loopback only: never point these at another host.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.parse

HOST = "127.0.0.1"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no server answered on {HOST}:{port} within {timeout:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Browser:
    """One keep-alive connection with a browser's cookie jar (one cookie per name is enough
    for this app: the session and the language)."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request (re-connecting once if the server closed the kept connection);
        the status, the headers (lower-case names) and the body."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrf_token": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                reply = self.conn.getresponse()
                data = reply.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        for name, value in reply.getheaders():
            if name.lower() == "set-cookie":
                key, _eq, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data

    def sign_in(self, username: str, password: str) -> None:
        status, _headers, page = self.request("GET", "/login")
        found = CSRF_FIELD.search(page.decode("utf-8", "replace"))
        if status != 200 or found is None:
            raise SystemExit(f"GET /login answered {status} without a CSRF field")
        self.csrf = found.group(1)
        status, _headers, _body = self.request(
            "POST", "/login", {"username": username, "password": password}
        )
        if status != 302:
            raise SystemExit(f"sign-in as {username} failed: HTTP {status}")
        # Signing in starts a fresh session, with a token of its own for later forms.
        status, _headers, body = self.request("GET", "/api/csrf-token")
        if status != 200:
            raise SystemExit(f"GET /api/csrf-token answered {status}")
        self.csrf = json.loads(body)["csrf_token"]

    def close(self) -> None:
        self.conn.close()
