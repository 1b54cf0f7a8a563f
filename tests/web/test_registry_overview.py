"""The first page: registry counts by district and industry, in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from jianguan.registry_store import import_registry
from tests.jianguan import samples
from tests.web.flows import PASSWORD, signed_in
from web.extensions import store_of


def _load(app: Flask, folder: Path) -> None:
    import_registry(
        store_of(app),
        enterprises=samples.enterprises_csv(folder),
        inspectors=samples.officers_csv(folder),
    )


def test_empty_registry_says_how_to_fill_it(app: Flask) -> None:
    page = signed_in(app, "legal1").get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "名录库为空" in html
    assert "jianguan registry import" in html


def test_counts_by_district_and_industry(app: Flask, tmp_path: Path) -> None:
    _load(app, tmp_path)
    html = signed_in(app, "legal1").get("/").get_data(as_text=True)
    assert '<strong id="enterprise-total">3</strong>' in html
    assert '<strong id="officer-total">4</strong>' in html
    assert '<td>360102</td><td>东湖区</td><td class="num">2</td>' in html
    assert '<td>360103</td><td>西湖区</td><td class="num">1</td>' in html
    assert "<td>F</td><td>批发和零售业</td>" in html


def test_unknown_page_is_a_chinese_404_without_trace(app: Flask) -> None:
    page = signed_in(app, "reg1").get("/no/such/page")
    assert page.status_code == 404
    assert "页面不存在" in page.get_data(as_text=True)


@pytest.mark.browser
def test_page_in_a_real_browser(app: Flask, tmp_path: Path, live_server: str, browser: Any) -> None:
    _load(app, tmp_path)
    page = browser.new_page()
    page.goto(live_server + "/")
    page.fill("input[name=username]", "plan1")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    assert page.locator("h1").inner_text() == "名录库概况"
    assert page.locator("#enterprise-total").inner_text() == "3"
    rows = page.locator("#by-district tbody tr")
    assert rows.count() == 2
    page.screenshot(path=str(tmp_path / "overview.png"))
