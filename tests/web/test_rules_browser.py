"""In Debian's Chromium: a legal officer changes a rule and a second one signs it off.

edit → validation error shown at its line (as typed) → fix → save → the package's tests pass →
impact on the registry shown → submit → legal2 approves → the new version decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.web.browser_steps import console_errors_of, sign_in
from tests.web.flows import E1, SECOND_LEGAL, load_registry

pytestmark = pytest.mark.browser


def test_edit_validate_test_impact_sign_off_decide(
    app: Flask, tmp_path: Path, live_server: str, browser: Any
) -> None:
    load_registry(app, tmp_path)
    author = browser.new_context().new_page()
    console_errors = console_errors_of(author)
    sign_in(author, live_server, "legal1")
    author.goto(live_server + f"/registry/enterprises/{E1}")
    expect(author.locator("#live-decisions tbody tr").first).to_contain_text("2022.1")

    author.click("#nav-rules")
    author.click("#package-credit-tier a >> text=2022.1")
    author.click("#edit")
    expect(author.locator("#issues-summary")).to_have_class("ok")  # the proposed draft is valid
    text = author.input_value("#source")
    # Tier A from 95 points: E1 (90 points) drops to B. First, a typo the server must place.
    line = next(n for n, x in enumerate(text.split("\n"), 1) if "value: 90," in x)
    author.fill("#source", text.replace("value: 90,", "value: ninety,"))
    expect(author.locator(f"#issues li[data-line='{line}']")).to_contain_text("ninety")
    expect(author.locator(f"#gutter div.bad[data-line='{line}']")).to_have_count(1)
    expect(author.locator(f"#notes div.bad[data-line='{line}']")).to_contain_text("ninety")
    author.click(f"#issues a.goto-line[data-line='{line}']")  # jumps to the line
    expect(author.locator(f"#gutter div.bad[data-line='{line}']")).to_be_in_viewport()
    author.screenshot(path=str(tmp_path / "editor-error.png"), full_page=True)
    author.fill("#source", text.replace("value: 90,", "value: 95,"))
    expect(author.locator("#issues")).to_have_attribute("data-count", "0")
    expect(author.locator("#gutter div.bad")).to_have_count(0)
    author.click("#save")
    expect(author.locator("#version-status")).to_have_attribute("data-status", "draft")
    version_url = author.url
    assert version_url.endswith("/rules/credit-tier/v/2022.2")

    author.click("#run-tests")
    expect(author.locator("#tests")).to_have_attribute("data-failed", "0")
    assert author.locator("#test-table tbody tr").count() >= 10  # every case, both engines

    author.click("#impact")
    expect(author.locator("#impact-job")).to_have_attribute("data-status", "done", timeout=20_000)
    expect(author.locator("#transition-matrix td[data-from='A'][data-to='B']")).to_have_text("1")
    expect(author.locator("#impact-summary")).to_contain_text("4")
    expect(author.locator("#diff .add", has_text="value: 95,")).to_have_count(1)
    expect(author.locator("#diff .del", has_text="value: 90,")).to_have_count(1)
    author.screenshot(path=str(tmp_path / "impact.png"), full_page=True)

    author.goto(version_url)
    author.click("#submit-version")
    expect(author.locator("#version-status")).to_have_attribute("data-status", "submitted")
    author.click("#approve")  # the author's own approval is refused (four eyes)
    expect(author.locator(".flash")).to_contain_text("另一名法制人员")
    expect(author.locator("#version-status")).to_have_attribute("data-status", "submitted")
    assert not console_errors, console_errors  # no CSP violations, no script errors

    reviewer = browser.new_context().new_page()
    sign_in(reviewer, live_server, SECOND_LEGAL)
    reviewer.goto(version_url)
    reviewer.click("#approve")
    expect(reviewer.locator("#version-status")).to_have_attribute("data-status", "approved")
    expect(reviewer.locator("#in-force")).to_be_visible()  # effective today
    reviewer.goto(live_server + f"/registry/enterprises/{E1}")
    tier = reviewer.locator("#live-decisions tbody tr").first
    expect(tier).to_contain_text("2022.2")
    expect(tier.locator("td").nth(1)).to_have_text("B")
    reviewer.goto(version_url)
    reviewer.screenshot(path=str(tmp_path / "approved.png"), full_page=True)
