"""No script runs on our pages but the site's own files: templates carry no inline script,
handler attribute or inline style (the CSP would block them, breaking the page), htmx is told
never to eval, and in Chromium an injected inline script stays dead while the pages work."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.browser_steps import console_errors_of, sign_in
from tests.web.flows import post, signed_in

WEB = Path(__file__).resolve().parents[2] / "web"
TEMPLATES = sorted(WEB.rglob("templates/*.html"))
OUR_SCRIPTS = sorted(p for p in (WEB / "static").glob("*.js"))
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) >= 30 and (WEB / "templates" / "base.html") in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(WEB)))
def test_template_has_no_inline_script_handlers_or_styles(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for tag in TAG.findall(text):
        name = tag[1:].split(None, 1)[0].rstrip(">").lower()
        if name == "script":
            assert "src=" in tag or 'type="application/json"' in tag, tag  # data, not code
        assert not HANDLER.search(tag), f"inline event handler: {tag}"
        assert "hx-on" not in tag and "hx-vars" not in tag, f"htmx evaluates these: {tag}"
        assert "javascript:" not in tag.lower() and "js:" not in tag, tag
        assert not re.search(r"\sstyle\s*=", tag), f"inline style (CSP style-src): {tag}"
        assert name != "style", "inline <style> (CSP style-src)"
    for trigger in re.findall(r'hx-trigger="([^"]*)"', text):
        assert "[" not in trigger, f"an event filter is evaluated JavaScript: {trigger}"


@pytest.mark.parametrize("script", OUR_SCRIPTS, ids=lambda p: p.name)
def test_our_scripts_build_no_code_from_strings(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    for sink in ("eval(", "new Function", "innerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in text, f"{script.name} uses {sink}"


def test_htmx_is_configured_not_to_eval(app: Flask) -> None:
    page = signed_in(app, "reg1").get("/plans/").get_data(as_text=True)
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert found, "base.html sets htmx's configuration in a meta tag"
    config = json.loads(found.group(1))
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["selfRequestsOnly"] is True and config["historyCacheSize"] == 0
    vendored = (WEB / "static" / "vendor" / "htmx.min.js").read_text(encoding="utf-8")
    assert 'version:"2.' in vendored and "htmx-config" in vendored  # reads that meta tag


@pytest.mark.browser
def test_in_chromium_injected_script_stays_dead_and_pages_work(
    app: Flask, live_server: str, browser: Any
) -> None:
    admin = signed_in(app, "admin1")
    hostile = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
    post(
        admin,
        "/admin/users",
        {
            "username": "xss1",
            "password": "long-enough-12",
            "role": "legal",
            "display_name": hostile,
        },
    )
    page = browser.new_context().new_page()
    errors = console_errors_of(page)
    sign_in(page, live_server, "admin1")
    page.goto(live_server + "/admin/users")
    assert hostile in page.inner_text("#users")  # shown as text, not run
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.cookie") == ""  # HttpOnly: scripts cannot read the session
    config = page.evaluate("[htmx.config.allowEval, htmx.config.allowScriptTags]")
    assert config == [False, False]
    assert page.evaluate("htmx.config.historyCacheSize") == 0
    assert not errors, errors  # the page itself needs nothing the policy forbids
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.pwned = 3'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(100)
    assert page.evaluate("window.pwned") is None  # the CSP refused the inline script
    assert any("Content Security Policy" in e for e in errors), errors
