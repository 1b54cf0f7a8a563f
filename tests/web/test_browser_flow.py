"""In Debian's Chromium: the whole plan loop, and a bad upload's line-level errors.

login → new task → generate (background job, htmx polling) → review → approve as a second
user → publish → the public page shows the plan and verifies it on the server.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.jianguan import samples
from tests.web.browser_steps import console_errors_of, sign_in
from tests.web.flows import ENTERPRISES, SECOND_REGULATOR, TASK_FORM, load_registry

pytestmark = pytest.mark.browser


def test_generate_review_approve_publish_verify(
    app: Flask, tmp_path: Path, live_server: str, browser: Any
) -> None:
    load_registry(app, tmp_path)
    author = browser.new_context().new_page()
    console_errors = console_errors_of(author)
    sign_in(author, live_server, "reg1")
    author.goto(live_server + "/plans/")
    author.click("#new-task")
    for name in ("id", "title", "start", "end", "A", "B", "C", "D", "holidays", "quiet_days"):
        author.fill(f"[name={name}]", TASK_FORM[name])
    author.fill("[name=items]", TASK_FORM["items"])
    author.click("#task-submit")
    author.click("#commit-inputs")
    expect(author.locator("#inputs-commitment")).to_contain_text("inputs_sha256")
    author.click("#generate")
    author.wait_for_selector("#open-plan", timeout=60_000)  # htmx polls the job until done
    author.click("#open-plan")
    expect(author.locator("#plan-status")).to_have_attribute("data-status", "draft")
    assert author.locator("#calendar-officers tbody tr").count() >= 2  # page loaded above
    # March 1-10 are quiet days; the 6th and 7th are a weekend, shaded as days off instead
    assert author.locator("#calendar-officers thead th.quiet").count() == 8
    review_url = author.url
    assert not console_errors, console_errors  # no CSP violations, no script errors, no 404s
    # htmx requests carry the CSRF token from the meta tag: this POST gets past CSRF and is
    # refused only for its (form-encoded) body.
    with author.expect_response("**/decide") as answer:
        author.evaluate("htmx.ajax('POST', '/api/rules/penalty-exemption/decide', {swap: 'none'})")
    assert "records" in answer.value.json()["error_en"]

    approver = browser.new_context().new_page()
    sign_in(approver, live_server, SECOND_REGULATOR)
    approver.goto(review_url)
    approver.click("#approve")
    expect(approver.locator("#plan-status")).to_have_attribute("data-status", "approved")
    approver.click("#publish")
    expect(approver.locator("#plan-status")).to_have_attribute("data-status", "published")

    public = browser.new_context().new_page()
    public.goto(live_server + "/public/")
    public.click("#public-plans a >> nth=0")
    expect(public.locator("#public-inspections tbody tr")).to_have_count(4)
    assert re.fullmatch(r"[0-9a-f]{64}", public.inner_text("#plan-sha"))
    public.click("#verify-link")
    expect(public.locator("#verify-result")).to_have_attribute("data-ok", "1")
    assert public.locator("#verify-checks li").count() >= 5
    public.screenshot(path=str(tmp_path / "verified.png"))


def test_bad_upload_shows_line_level_errors(
    app: Flask, tmp_path: Path, live_server: str, browser: Any
) -> None:
    rows = list(ENTERPRISES)
    cells = rows[2].split(",")
    cells[3] = "Z99"  # no such GB/T 4754 section
    rows[2] = ",".join(cells)
    bad = samples.enterprises_csv(tmp_path, rows, name="企业名录-有误.csv")
    page = browser.new_page()
    sign_in(page, live_server, "reg1")
    page.goto(live_server + "/registry/import")
    page.set_input_files("input[name=enterprises]", str(bad))
    page.click("#import-submit")
    page.wait_for_selector("#import-issues")
    first = page.locator("#import-issues tbody tr").first.locator("td")
    assert first.nth(0).inner_text() == "企业名录-有误.csv"
    assert first.nth(1).inner_text() == "4"
    assert first.nth(2).inner_text() == "industry"
    assert "未导入任何数据" in page.inner_text("#import-summary")
