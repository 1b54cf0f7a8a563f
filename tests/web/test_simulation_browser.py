"""In Debian's Chromium: a planner defines a small scenario, follows its progress, reads the
charts and downloads the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.web.browser_steps import console_errors_of, sign_in
from tests.web.simulation_flows import use_instance

pytestmark = pytest.mark.browser

# Painted pixels of a canvas: Chart.js drew on it (a blank canvas has none).
PAINTED = """(canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) painted++; }
  return painted;
}"""


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_instance(tmp_path, monkeypatch)


def test_planner_defines_runs_and_reads_a_scenario(
    app: Flask,
    tmp_path: Path,
    instance: Path,
    live_server: str,
    browser: Any,
) -> None:
    page = browser.new_context(accept_downloads=True).new_page()
    console_errors = console_errors_of(page)
    sign_in(page, live_server, "plan1")
    page.click("#nav-simulations")

    # a small scenario: the baseline and one with half the officers and D sampled at half
    page.fill("#f-name", "浏览器：人员减半")
    page.fill("#f-enterprises", "600")
    page.fill("#f-periods", "2")
    page.fill("#f-replications", "4")
    page.fill("#f-s1_name", "half-officers")
    page.fill("#f-s1_officers_scale", "0.5")
    page.fill("#f-s2_name", "D-sampled")
    page.fill("#f-s2_D", "0.5")
    page.select_option("#f-s2_d_key", "false")
    page.select_option("#f-s2_leniency", "")  # the form suggests "no leniency" here
    page.click("#sim-submit")

    expect(page.locator("#sim-progress")).to_be_visible()  # the job page, polled by htmx
    page.wait_for_selector("#open-results", timeout=30_000)
    expect(page.locator("#sim-job")).to_have_attribute("data-status", "done")
    expect(page.locator("#sim-progress-text")).to_contain_text("4 / 4")
    page.click("#open-results")

    expect(page.locator("#comparison thead")).to_contain_text("half-officers")
    expect(page.locator("#comparison thead")).to_contain_text("D-sampled")
    burden = page.locator("#chart-burden")
    expect(burden).to_have_attribute("data-rendered", "1")
    assert burden.evaluate(PAINTED) > 500
    inspections = page.locator("#chart-inspections")
    expect(inspections).to_have_attribute("data-rendered", "1")
    assert inspections.evaluate(PAINTED) > 500
    assert page.locator("#change-charts canvas[data-rendered='1']").count() >= 9
    # D sampled at half instead of all under key supervision: a lower D-tier burden
    d_row = page.locator("#burden tbody tr").nth(3)
    expect(d_row).to_contain_text("Δ -")

    with page.expect_download() as download:
        page.click("#download-report")
    saved = tmp_path / "report.html"
    download.value.save_as(saved)
    report = saved.read_text(encoding="utf-8")
    assert "浏览器：人员减半" in report and "data:image/png;base64," in report
    assert page.inner_text("#run-sid") in report
    assert not console_errors, console_errors  # no CSP violations, no script errors
    page.screenshot(path=str(tmp_path / "simulation.png"), full_page=True)
