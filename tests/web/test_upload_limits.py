"""Only the registry upload may be large; any other oversized request is refused with 413
and a message before it is read (the CSRF check would otherwise buffer it first)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from flask import Flask

from tests.web.flows import signed_in, token


def test_oversized_requests_are_refused_except_the_registry_upload(app: Flask) -> None:
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    legal = signed_in(app, "legal1")
    edit = legal.post(
        "/rules/credit-tier/v/2022.1/edit",
        data={"csrf_token": token(legal), "source": big.decode()},
    )
    assert edit.status_code == 413 and "文件过大" in edit.get_data(as_text=True)

    api = legal.post(
        "/api/rules/credit-tier/decide",
        data=big,
        headers={"X-CSRFToken": token(legal), "Content-Type": "application/json"},
    )
    assert api.status_code == 413 and api.is_json

    regulator = signed_in(app, "reg1")
    upload = regulator.post(
        "/registry/import",
        data={
            "csrf_token": token(regulator),
            "enterprises": (io.BytesIO(b"id,name\n" + big), "e.csv"),
        },
        content_type="multipart/form-data",
    )
    # past the size gate: the file is read and refused for its content, with line-level errors
    assert upload.status_code != 413
    assert "e.csv" in upload.get_data(as_text=True)


def test_the_upload_shares_the_readers_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 18: many bad rows give the first 1,000 problems and a count; a zip bomb is
    refused from its directory, naming the file the user chose (a 64 MiB one against a
    32 MiB limit here: the 2 GiB bomb takes 15 s to write; tests/attack reads that one)."""
    from jianguan import import_limits
    from tests.attack.bad_upload import bad_rows_csv
    from tests.attack.xlsx_craft import zip_bomb

    regulator = signed_in(app, "reg1")
    with tempfile.TemporaryDirectory() as tmp:
        rows = bad_rows_csv(Path(tmp) / "bad.csv", 1_500).read_bytes()
    reply = regulator.post(
        "/registry/import",
        data={
            "csrf_token": token(regulator),
            "enterprises": (io.BytesIO(rows), "名录.csv"),
        },
        content_type="multipart/form-data",
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert html.count("<tr><td>名录.csv</td>") == 1_000
    assert "共发现 4,500 处问题（列出前 1,000 处）" in html

    monkeypatch.setattr(import_limits, "XLSX_PART_BYTES", 32 << 20)
    reply = regulator.post(
        "/registry/import",
        data={
            "csrf_token": token(regulator),
            "enterprises": (io.BytesIO(zip_bomb(64 << 20)), "企业名录.xlsx"),
        },
        content_type="multipart/form-data",
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "<tr><td>企业名录.xlsx</td>" in html and "压缩炸弹" in html
