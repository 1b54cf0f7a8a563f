"""Steps the Chromium walks share: signing in through the form, collecting console errors
(a CSP violation or a script error shows up there and fails the walk)."""

from __future__ import annotations

from typing import Any

from tests.web.flows import PASSWORD


def sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-submit")
    page.wait_for_selector("#whoami")


def console_errors_of(page: Any) -> list[str]:
    """A list that fills with the page's console errors as the walk goes on."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors
