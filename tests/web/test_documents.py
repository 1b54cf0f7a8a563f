"""What a bureau takes out of the web: the filed plan (PDF) and the plan list (.xlsx) from the
review page, the results in the national publicity system's shape (.xlsx), the public notice
(PDF), result entry limited to the platform's categories, and pages that print cleanly."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from jianguan.models import AuditEvent, InspectionRow, TaskRow
from scheduler.filing import filed_plan, plan_filing_html
from scheduler.publication import PLAN_LIST_HEADER, RESULT_CATEGORIES, RESULTS_HEADER
from tests.pdf_tools import embedded_fonts, pdf_text, require_pdf_tools
from tests.web.browser_steps import sign_in
from tests.web.flows import (
    ENTERPRISES,
    OFFICERS,
    SECOND_REGULATOR,
    TASK_FORM,
    TASK_ID,
    generate,
    load_registry,
    post,
    publish,
    signed_in,
)
from web.extensions import store_of

SEED = "ab" * 16  # flows.generate's default
FIRMS = [(row.split(",")[0], row.split(",")[1]) for row in ENTERPRISES]  # all four are drawn
OFFICER_NAMES = [row.split(",")[1] for row in OFFICERS]


def _inspections(app: Flask, plan_id: int) -> list[InspectionRow]:
    with store_of(app).session() as session:
        return list(
            session.scalars(
                select(InspectionRow)
                .where(InspectionRow.plan_id == plan_id)
                .order_by(InspectionRow.date, InspectionRow.enterprise_id)
            )
        )


def _filename(reply: Any) -> str:
    found = re.search(r"filename\*=UTF-8''([^;]+)", reply.headers["Content-Disposition"])
    assert found, reply.headers["Content-Disposition"]
    return unquote(found.group(1))


def test_result_entry_offers_exactly_the_platform_categories(app: Flask, draft: int) -> None:
    publish(app, draft)
    client = signed_in(app, "reg1")
    first = _inspections(app, draft)[0].id
    form = client.get(f"/plans/{draft}/inspections/{first}/result").get_data(as_text=True)
    select_html = re.search(r'<select name="category"[^>]*>(.*?)</select>', form, re.S)
    assert select_html
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select_html.group(1))
    assert (
        tuple(options)
        == RESULT_CATEGORIES
        == (
            "未发现问题",
            "发现问题已责令改正",
            "未按规定公示应当公示的信息",
            "通过登记的住所（经营场所）无法联系",
            "未发现开展本次抽查涉及的经营活动",
            "发现问题待后续处理",
        )
    )
    with store_of(app).session() as session:
        events = session.scalar(select(func.count(AuditEvent.id)))
    reply = post(client, f"/plans/{draft}/inspections/{first}/result", {"category": "合格"})
    assert reply.status_code == 400 and "不在规定类别中" in reply.get_data(as_text=True)
    with store_of(app).session() as session:
        assert session.get(InspectionRow, first).result_category is None
        assert session.scalar(select(func.count(AuditEvent.id))) == events  # nothing written


def test_task_form_takes_each_items_legal_basis_as_a_fifth_cell(app: Flask, tmp_path: Path) -> None:
    load_registry(app, tmp_path)
    client = signed_in(app, "reg1")
    basis = "《中华人民共和国食品安全法》第一百一十条，第一百一十一条"
    form = {**TASK_FORM, "items": f"SCJG-FOOD-01，食品经营者监督检查,SCJG,food,{basis}"}
    reply = post(client, "/plans/tasks/new", {**form, "districts": ["360102", "360103"]})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    with store_of(app).session() as session:
        task = session.get(TaskRow, TASK_ID)
        assert task is not None
        assert task.spec["items"] == [
            {
                "code": "SCJG-FOOD-01",
                "name": "食品经营者监督检查",
                "department": "SCJG",
                "field": "food",
                "basis": basis,  # as written, its own comma kept
            }
        ]
    plan_id = generate(client)
    with store_of(app).session() as session:
        page = plan_filing_html(filed_plan(session, plan_id))
    assert basis in page and "任务未载明检查依据" not in page


def test_review_page_serves_the_filed_plan_as_pdf(app: Flask, draft: int, tmp_path: Path) -> None:
    require_pdf_tools()
    client = signed_in(app, "reg1")
    review = client.get(f"/plans/{draft}").get_data(as_text=True)
    for link in (f"/plans/{draft}/plan.pdf", f"/plans/{draft}/plan.xlsx"):
        assert f'href="{link}"' in review
    assert "results.xlsx" not in review  # a draft has no results yet
    reply = client.get(f"/plans/{draft}/plan.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert _filename(reply) == f"抽查工作方案-{TASK_ID}-计划{draft}.pdf"
    text = pdf_text(reply.data, tmp_path)
    assert TASK_ID in text and SEED in text and "抽查工作方案" in text and "草稿" in text
    assert "食品经营者监督检查" in text and "任务未载明检查依据" in text  # the form gave none
    for credit_code, name in FIRMS:
        assert credit_code in text and name in text
    team = {o for i in _inspections(app, draft) for m in i.team.values() for o in m}
    names = {row.split(",")[0]: row.split(",")[1] for row in OFFICERS}
    assert all(names[o] in text for o in team)  # internal: officers by name
    assert any("CJK" in font for font in embedded_fonts(reply.data, tmp_path))
    # approving changes what the document says about itself
    other = signed_in(app, SECOND_REGULATOR)
    post(other, f"/plans/{draft}/approve")
    approved = pdf_text(client.get(f"/plans/{draft}/plan.pdf").data, tmp_path)
    assert "已审批" in approved and SECOND_REGULATOR in approved


def test_plan_list_and_results_as_workbooks_with_chinese_headers(app: Flask, draft: int) -> None:
    client = signed_in(app, "reg1")
    reply = client.get(f"/plans/{draft}/plan.xlsx")
    assert reply.status_code == 200 and _filename(reply).endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(reply.data))["检查安排"].iter_rows(values_only=True))
    assert rows[0] == PLAN_LIST_HEADER
    assert sorted(r[1] for r in rows[1:]) == sorted(code for code, _ in FIRMS)
    assert {r[3] for r in rows[1:]} == {"东湖区", "西湖区"}
    publish(app, draft)
    review = client.get(f"/plans/{draft}").get_data(as_text=True)
    assert f'href="/plans/{draft}/results.xlsx"' in review
    first = _inspections(app, draft)[0]
    post(client, f"/plans/{draft}/inspections/{first.id}/result", {"category": "未发现问题"})
    book = load_workbook(io.BytesIO(client.get(f"/plans/{draft}/results.xlsx").data))
    results = list(book["检查结果"].iter_rows(values_only=True))
    assert results[0] == RESULTS_HEADER and len(results) == 2
    code, name, items, day, result, authority = results[1]
    assert (code, name) in FIRMS and items == "食品经营者监督检查" and day == first.date.isoformat()
    assert result == "未发现问题"
    # the team's units: each officer's division + 市场监督管理局 (flows' officers: 东湖区/西湖区)
    assert set(authority.split("、")) <= {"东湖区市场监督管理局", "西湖区市场监督管理局"}
    results_page = client.get(f"/plans/{draft}/results").get_data(as_text=True)
    assert f'href="/plans/{draft}/results.xlsx"' in results_page


def test_public_notice_pdf_for_published_plans_only(app: Flask, draft: int, tmp_path: Path) -> None:
    require_pdf_tools()
    anonymous = app.test_client()
    assert anonymous.get(f"/public/plans/{draft}/notice.pdf").status_code == 404
    publish(app, draft)
    page = anonymous.get(f"/public/plans/{draft}").get_data(as_text=True)
    assert f'href="/public/plans/{draft}/notice.pdf"' in page
    reply = anonymous.get(f"/public/plans/{draft}/notice.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    text = pdf_text(reply.data, tmp_path)
    assert TASK_ID in text and SEED in text and "jianguanplanverify" in text
    for credit_code, name in FIRMS:
        assert credit_code in text and name in text
    assert not any(name in text for name in OFFICER_NAMES)  # public: officer ids only
    assert "未发现问题" not in text
    # a newly recorded result shows in the next download (the audit chain versions it)
    first = _inspections(app, draft)[0].id
    client = signed_in(app, "reg1")
    post(client, f"/plans/{draft}/inspections/{first}/result", {"category": "未发现问题"})
    assert "未发现问题" in pdf_text(
        anonymous.get(f"/public/plans/{draft}/notice.pdf").data, tmp_path
    )


@pytest.mark.browser
def test_review_and_public_pages_print_without_navigation_and_with_running_heads(
    app: Flask, draft: int, live_server: str, browser: Any, tmp_path: Path
) -> None:
    require_pdf_tools()
    publish(app, draft)
    page = browser.new_context().new_page()
    sign_in(page, live_server, "reg1")
    page.goto(f"{live_server}/plans/{draft}")
    assert page.locator("header.top").is_visible() and page.locator("#plan-downloads").is_visible()
    page.emulate_media(media="print")
    for hidden in ("header.top", "#plan-actions", "#plan-downloads", "footer"):
        assert not page.locator(hidden).is_visible(), hidden
    style = page.evaluate(
        """() => {
        const head = getComputedStyle(document.querySelector('#inspections thead'));
        const row = getComputedStyle(document.querySelector('#inspections tbody tr'));
        return [head.display, row.breakInside];
    }"""
    )
    assert style == ["table-header-group", "avoid"]
    text = pdf_text(page.pdf(format="A4"), tmp_path)
    assert "内部审核用" in text and "第1页，共" in text and TASK_ID not in text[:40]
    public = browser.new_context().new_page()
    public.goto(f"{live_server}/public/plans/{draft}")
    public.emulate_media(media="print")
    assert not public.locator("#verify-link").is_visible()
    printed = pdf_text(public.pdf(format="A4"), tmp_path)
    assert "抽查计划与结果公示" in printed and SEED in printed


def test_without_weasyprint_the_review_says_what_to_install(
    app: Flask, draft: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if pango could not be loaded
    client = signed_in(app, "reg1")
    reply = client.get(f"/plans/{draft}/plan.pdf")
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/plans/{draft}")
    review = client.get(f"/plans/{draft}").get_data(as_text=True)
    assert "无法生成 PDF" in review and "libpango-1.0-0" in review
    assert client.get(f"/plans/{draft}/plan.xlsx").status_code == 200  # the list still comes
    publish(app, draft)
    reply = app.test_client().get(f"/public/plans/{draft}/notice.pdf")
    assert reply.status_code == 503 and "libpango-1.0-0" in reply.get_data(as_text=True)
