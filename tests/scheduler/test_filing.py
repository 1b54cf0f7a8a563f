"""What a bureau takes out of a stored plan: the results in the national publicity system's
shape (CSV and .xlsx), the plan list, and the two printed documents — the filed plan
(抽查工作方案) and the public notice — as PDFs whose text a reader (pdftotext) can find."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jianguan.audit import record
from jianguan.cli import main
from jianguan.db import Store
from jianguan.registry_store import import_registry
from scheduler.filing import filed_plan, plan_filing_html, plan_filing_pdf, plan_list_workbook
from scheduler.lifecycle import approve, publish, save_draft
from scheduler.pdf_render import html_to_pdf
from scheduler.planner import generate_plan
from scheduler.publication import (
    PLAN_LIST_HEADER,
    RESULT_CATEGORIES,
    RESULTS_HEADER,
    export_publication,
    record_result,
    results_table,
)
from tests.pdf_tools import embedded_fonts, pdf_text, require_pdf_tools
from tests.scheduler import factory as f

FOOD_BASIS = "《中华人民共和国食品安全法》第一百一十条"
ITEMS = [
    {**f.TASK["items"][0], "basis": FOOD_BASIS},
    f.TASK["items"][1],  # no basis given: the document must say so, not invent one
]


class Case:
    def __init__(self, store: Store, folder: Path, *, committed: bool = True) -> None:
        self.firms = f.enterprises(6, districts=("360102", "360103"))
        # SCJG officers in two county units, so a joint inspection names several authorities.
        self.staff = f.officers(4, "SCJG", ["food"], districts=("360102", "360103")) + f.officers(
            4, "SW", ["tax"]
        )
        self.enterprises_csv, inspectors = f.write_registry(folder, self.firms, self.staff)
        import_registry(store, enterprises=self.enterprises_csv, inspectors=inspectors)
        self.task = f.task(
            items=ITEMS, period={"start": date(2026, 3, 2), "end": date(2026, 3, 13)}
        )
        self.task_yaml = f.task_yaml(
            folder / "task.yaml",
            items=ITEMS,
            period={"start": date(2026, 3, 2), "end": date(2026, 3, 13)},
        )
        self.doc = generate_plan(self.firms, self.staff, self.task, f.SEED)
        with store.session() as s:
            if committed:
                commitment = {"inputs_sha256": self.doc["inputs_sha256"]}
                record(s, "planner", "task.inputs_commit", "task", self.task.id, None, commitment)
            self.plan_id = save_draft(s, self.task, self.doc, "planner").id

    def publish(self, store: Store) -> None:
        with store.session() as s:
            approve(s, self.plan_id, "chief")
            publish(s, self.plan_id, "chief")


def test_task_items_carry_a_legal_basis_that_leaves_old_hashes_alone() -> None:
    plain = f.task()
    assert "basis" not in plain.canonical()["items"][0]  # inputs_sha256 of old tasks unchanged
    based = f.task(items=ITEMS)
    assert based.items[0].basis == FOOD_BASIS and based.items[1].basis is None
    assert based.canonical()["items"][0]["basis"] == FOOD_BASIS


def test_results_table_has_the_platform_columns_and_only_recorded_results(
    store: Store, tmp_path: Path
) -> None:
    case = Case(store, tmp_path)
    case.publish(store)
    first, second = case.doc["inspections"][:2]
    with store.session() as s:
        assert results_table(s, case.plan_id, case.task) == []  # nothing recorded yet
        record_result(s, case.plan_id, first["enterprise_id"], "未发现问题", "", "inspector")
        record_result(
            s, case.plan_id, second["enterprise_id"], "发现问题已责令改正", "", "inspector"
        )
    with store.session() as s:
        table = results_table(s, case.plan_id, case.task)
    assert RESULTS_HEADER == (
        "统一社会信用代码",
        "企业名称",
        "抽查事项",
        "检查日期",
        "检查结果",
        "检查实施机关",
    )
    by_id = {row[0]: row for row in table}
    assert set(by_id) == {first["enterprise_id"], second["enterprise_id"]}
    row = by_id[first["enterprise_id"]]
    names = {e.id: e.name for e in case.firms}
    assert row[1] == names[first["enterprise_id"]]
    assert row[2] == "食品经营检查、发票管理检查"  # item names, not codes
    assert row[3] == first["date"] and row[4] == "未发现问题"
    # 检查实施机关: each team member's unit — division of the unit + the department's name
    districts = {o.id: o.district for o in case.staff}
    expected = {
        {"360102": "东湖区", "360103": "西湖区"}[districts[o]] + "市场监督管理局"
        for o in first["team"]["SCJG"]
    } | {"东湖区税务局"}
    assert set(row[5].split("、")) == expected
    assert all(r[4] in RESULT_CATEGORIES for r in table)


def test_filed_plan_pdf_holds_the_task_the_seed_the_basis_and_every_enterprise(
    tmp_path: Path,
) -> None:
    require_pdf_tools()
    store = _sqlite(tmp_path)
    case = Case(store, tmp_path)
    with store.session() as s:
        filed = filed_plan(s, case.plan_id)
    pdf = plan_filing_pdf(filed)
    text = pdf_text(pdf, tmp_path)
    assert case.task.id in text and f.SEED in text and case.doc["plan_sha256"] in text
    assert case.doc["inputs_sha256"] in text and "先于计划生成" in text  # the commitment
    assert "抽查工作方案" in text and "草稿" in text  # a draft says it is one
    assert FOOD_BASIS in text and "任务未载明检查依据" in text  # SW's item has none
    for stratum in case.doc["strata"]:
        assert {"key": "重点监管"}.get(stratum, f"{stratum}类") in text
    for inspection in case.doc["inspections"]:
        officers = {o.id: o.name for o in case.staff}
        assert inspection["enterprise_id"] in text
        assert all(officers[m] in text for team in inspection["team"].values() for m in team)
    for firm in case.firms:
        assert firm.id in text and firm.name in text  # every drawn enterprise (all are drawn)
    fonts = embedded_fonts(pdf, tmp_path)
    assert any("CJK" in name for name in fonts), fonts


def test_filed_plan_without_a_prior_commitment_says_so(tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    case = Case(store, tmp_path, committed=False)
    with store.session() as s:
        filed = filed_plan(s, case.plan_id)
    assert filed.committed is None
    assert "审计链中没有先于计划生成的承诺记录" in plan_filing_html(filed)


def test_a_list_beyond_the_print_limit_points_to_the_spreadsheet(tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    case = Case(store, tmp_path)
    with store.session() as s:
        filed = filed_plan(s, case.plan_id)
    page = plan_filing_html(filed, list_limit=2)
    assert "超过打印上限 2 户次" in page and f"plan-{case.plan_id}.xlsx" in page
    assert case.firms[0].name not in page
    assert case.firms[0].name in plan_filing_html(filed)


def test_plan_list_workbook_has_chinese_headers_dates_and_named_teams(tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    case = Case(store, tmp_path)
    with store.session() as s:
        body = plan_list_workbook(filed_plan(s, case.plan_id))
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["检查安排", "未能安排"]
    rows = list(book["检查安排"].iter_rows(values_only=True))
    assert rows[0] == PLAN_LIST_HEADER
    assert len(rows) - 1 == len(case.doc["inspections"])
    first = case.doc["inspections"][0]
    officer = {o.id: o.name for o in case.staff}[first["team"]["SW"][0]]
    listed = rows[1]
    assert listed[0] == 1 and listed[1] == first["enterprise_id"] and listed[4] == first["date"]
    assert f"{officer}（{first['team']['SW'][0]}）" in listed[6]


def test_export_writes_the_platform_files_and_the_notice_pdf(tmp_path: Path) -> None:
    require_pdf_tools()
    store = _sqlite(tmp_path)
    case = Case(store, tmp_path)
    case.publish(store)
    first = case.doc["inspections"][0]
    with store.session() as s:
        record_result(s, case.plan_id, first["enterprise_id"], "未发现问题", "", "inspector")
        files = export_publication(
            s, case.plan_id, case.task, case.firms, tmp_path / "pub", "chief", pdf=True
        )
    assert [p.name for p in files] == [
        "plan.json",
        "plan.csv",
        "plan.xlsx",
        "results.csv",
        "results.xlsx",
        "publication.json",
        "index.html",
        "notice.pdf",
    ]
    with (tmp_path / "pub" / "results.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == RESULTS_HEADER and len(rows) == 2 and rows[1][4] == "未发现问题"
    sheet = load_workbook(tmp_path / "pub" / "results.xlsx")["检查结果"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == rows
    with (tmp_path / "pub" / "plan.csv").open(encoding="utf-8-sig") as handle:
        plan_rows = list(csv.reader(handle))
    assert tuple(plan_rows[0]) == PLAN_LIST_HEADER
    officer_names = {o.name for o in case.staff}
    assert not any(name in cell for row in plan_rows for cell in row for name in officer_names)
    text = pdf_text((tmp_path / "pub" / "notice.pdf").read_bytes(), tmp_path)
    assert case.task.id in text and f.SEED in text and "未发现问题" in text
    for firm in case.firms:
        assert firm.id in text and firm.name in text
    assert not any(name in text for name in officer_names)  # public: officers by id only


def test_plan_filing_and_export_pdf_from_the_command_line(tmp_path: Path, capsys) -> None:
    require_pdf_tools()
    db = f"sqlite:///{tmp_path / 'store.db'}"
    store = _sqlite(tmp_path)
    case = Case(store, tmp_path)
    store.dispose()
    out, listing = tmp_path / "方案.pdf", tmp_path / "清单.xlsx"
    args = ["plan", "filing", "--id", str(case.plan_id), "--db", db]
    assert main([*args, "--out", str(out), "--xlsx", str(listing)]) == 0
    assert case.task.id in pdf_text(out.read_bytes(), tmp_path)
    assert load_workbook(listing)["检查安排"].max_row == len(case.doc["inspections"]) + 1
    assert main(["plan", "filing", "--id", "999", "--db", db, "--out", str(out)]) == 1
    assert "计划 999 不存在" in capsys.readouterr().err
    # the public notice is only for published plans
    export = ["plan", "export", "--id", str(case.plan_id), "--db", db, "--pdf"]
    files = ["--enterprises", str(case.enterprises_csv), "--task", str(case.task_yaml)]
    assert main([*export, *files, "--out", str(tmp_path / "pub")]) == 1
    assert "尚未公开" in capsys.readouterr().err


def test_rendering_refuses_to_fetch_anything(tmp_path: Path) -> None:
    require_pdf_tools()
    for url in ("http://127.0.0.1:9/x.png", f"file://{tmp_path / 'secret.png'}"):
        page = f'<!DOCTYPE html><html><body><img src="{url}"></body></html>'
        with pytest.raises(RuntimeError, match="offline"):
            html_to_pdf(page)


def _sqlite(folder: Path) -> Store:
    from jianguan.db import open_store

    return open_store(f"sqlite:///{folder / 'store.db'}")
