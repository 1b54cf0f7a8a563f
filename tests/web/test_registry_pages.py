"""Registry pages: upload with line-level errors, browse and search, the enterprise page."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from jianguan.models import DecisionRow
from tests.jianguan import samples
from tests.web.flows import E1, E3, ENTERPRISES, OFFICERS, load_registry, signed_in, token
from web.extensions import store_of


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_bad_upload_lists_each_problem_with_the_original_file_name(app: Flask) -> None:
    client = signed_in(app, "reg1")
    rows = list(ENTERPRISES)
    cells = rows[1].split(",")
    cells[2], cells[4] = "36010", "2019-13-02"  # a 5-digit district, a 13th month
    rows[1] = ",".join(cells)
    reply = client.post(
        "/registry/import",
        data={
            "csrf_token": token(client, "/registry/import"),
            "enterprises": (io.BytesIO(_csv(samples.ENTERPRISE_HEADER, rows)), "南昌企业名录.csv"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    table = re.search(r'<table id="import-issues">(.*?)</table>', html, re.S)
    assert table
    found = re.findall(
        r"<tr><td>(.*?)</td><td class=\"num\">(\d+)</td><td>(.*?)</td>", table.group(1)
    )
    assert ("南昌企业名录.csv", "3", "district") in found
    assert ("南昌企业名录.csv", "3", "established_on") in found
    assert "/tmp" not in html and "jg-" not in html
    assert "未导入任何数据" in html
    assert (
        signed_in(app, "legal1")
        .get("/registry/enterprises")
        .get_data(as_text=True)
        .count("/registry/enterprises/9")
        == 0
    )


def test_good_upload_imports_both_files(app: Flask) -> None:
    client = signed_in(app, "reg1")
    reply = client.post(
        "/registry/import",
        data={
            "csrf_token": token(client, "/registry/import"),
            "enterprises": (io.BytesIO(_csv(samples.ENTERPRISE_HEADER, ENTERPRISES)), "e.csv"),
            "inspectors": (io.BytesIO(_csv(samples.OFFICER_HEADER, OFFICERS)), "i.csv"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 200
    assert "企业：新增 4" in reply.get_data(as_text=True)
    page = client.get("/registry/officers?department=SW").get_data(as_text=True)
    assert "王芳" in page and "张伟" not in page


def test_search_and_paging(app: Flask, tmp_path: Path) -> None:
    rows = [
        f"{samples.credit_code(100 + n)},测试企业{n:03d}有限公司,360102,F52,2015-01-01,true,false,false,0,0,false,B,false"
        for n in range(60)
    ]
    from jianguan.registry_store import import_registry

    import_registry(store_of(app), enterprises=samples.enterprises_csv(tmp_path, rows))
    client = signed_in(app, "plan1")
    first = client.get("/registry/enterprises").get_data(as_text=True)
    assert "第 1 / 2 页，共 60 条" in first and 'rel="next"' in first
    second = client.get("/registry/enterprises?page=2").get_data(as_text=True)
    assert second.count("/registry/enterprises/9") == 10
    found = client.get("/registry/enterprises?q=测试企业007").get_data(as_text=True)
    assert "测试企业007有限公司" in found and "测试企业008" not in found


def test_enterprise_page_shows_tier_lists_decisions_and_history(app: Flask, tmp_path: Path) -> None:
    load_registry(app, tmp_path)
    with store_of(app).session() as session:
        session.add(
            DecisionRow(
                package_id="penalty-exemption",
                package_version="2021.1",
                content_sha256="0" * 64,
                subject_id=E1,
                as_of=date(2027, 3, 15),
                outcome="no_penalty",
                basis=["《中华人民共和国行政处罚法》第三十三条第一款"],
                rules=["art33-1-minor"],
                explanation="违法行为轻微并及时改正，没有造成危害后果",
            )
        )
    client = signed_in(app, "legal1")
    html = client.get(f"/registry/enterprises/{E1}").get_data(as_text=True)
    assert "南昌赣江食品有限公司" in html
    assert re.search(r'id="credit-tier">A<', html)
    assert "第三十三条第一款" in html and "no_penalty" in html
    live = re.search(r'<table id="live-decisions">(.*?)</table>', html, re.S)
    assert live and "国市监信发〔2022〕6号" in live.group(1)  # the credit-tier basis
    assert "<strong>key</strong>" in live.group(1)  # a high-risk licence means key supervision
    assert "尚无检查记录" in html
    # after a plan exists the enterprise's inspection shows up in its history
    from tests.web.flows import create_task, generate

    regulator = signed_in(app, "reg1")
    create_task(regulator)
    plan_id = generate(regulator)
    html = client.get(f"/registry/enterprises/{E3}").get_data(as_text=True)
    assert f"/plans/{plan_id}" in html and "草稿" in html
    assert client.get("/registry/enterprises/NOPE").status_code == 404


def test_xlsx_upload_reports_rows_of_the_workbook(app: Flask) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(samples.OFFICER_HEADER.split(","))
    for row in OFFICERS:
        sheet.append(row.split(","))
    sheet.append(["T0099", "赵敏", "SW", "360102", "赣税1", "tax", "zero", "", ""])  # bad cap
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    client = signed_in(app, "admin1")
    reply = client.post(
        "/registry/import",
        data={
            "csrf_token": token(client, "/registry/import"),
            "inspectors": (data, "人员名录.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert re.search(
        r"<tr><td>人员名录\.xlsx</td><td class=\"num\">7</td><td>max_per_day</td>", html
    ), html[-2000:]


def _upload(client: FlaskClient, files: dict[str, tuple[bytes, str]]) -> tuple[int, str]:
    data: dict[str, object] = {"csrf_token": token(client, "/registry/import")}
    data.update({slot: (io.BytesIO(body), name) for slot, (body, name) in files.items()})
    reply = client.post("/registry/import", data=data, content_type="multipart/form-data")
    return reply.status_code, reply.get_data(as_text=True)


def test_a_bureau_export_uploads_as_on_the_command_line_in_both_languages(
    app: Flask, tmp_path: Path
) -> None:
    from tests.jianguan import bureau_samples as bureau

    gb18030 = bureau.enterprises_csv(tmp_path).read_bytes()
    xlsx = bureau.enterprises_xlsx(tmp_path).read_bytes()
    client = signed_in(app, "reg1")
    status, html = _upload(client, {"enterprises": (gb18030, "东湖区企业名录.csv")})
    assert status == 200
    assert "企业：新增 3" in html and "非存续跳过 2（注销 1，吊销 1）" in html
    client.get("/lang/en")
    status, html = _upload(client, {"enterprises": (xlsx, "东湖区企业名录.xlsx")})
    assert status == 200
    assert "0 new, 0 updated, 3 unchanged; not inspection objects, skipped: 2" in html

    rows = bureau.enterprise_rows()
    rows[3][6] = "36010"  # the district of the row on physical line 6
    body = "\r\n".join(",".join(str(c) for c in row) for row in rows)
    bad = f"{bureau.TITLE}\r\n\r\n{body}\r\n".encode("gb18030")
    for lang, fragment in (("en", "must be a 6-digit"), ("zh_CN", "应为 6 位数字")):
        client.get(f"/lang/{lang}")
        status, html = _upload(client, {"enterprises": (bad, "名录.csv")})
        assert status == 400
        assert '<td>名录.csv</td><td class="num">6</td><td>所属区划代码</td>' in html
        assert fragment in html
    status, html = _upload(client, {"enterprises": ("id,name\n".encode("utf-16"), "e.csv")})
    assert status == 400 and "UTF-8" in html and "GB18030" in html
