"""Only the registry upload may be large; any other oversized request is refused with 413
and a message before it is read (the CSRF check would otherwise buffer it first)."""

from __future__ import annotations

import io

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
