"""Chinese first, English on request; every UI string has an English translation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from tests.web.flows import signed_in
from web.core.i18n import CATALOGUE_DIRS

WEB = Path(__file__).resolve().parents[2] / "web"
CATALOGUES = [d / "en" / "LC_MESSAGES" for d in CATALOGUE_DIRS]


def test_chinese_by_default_english_on_switch(app: Flask) -> None:
    client = app.test_client()
    assert "<h1>登录</h1>" in client.get("/login").get_data(as_text=True)
    switched = client.get("/lang/en?next=/login")
    assert switched.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "<h1>Sign in</h1>" in page and 'lang="en"' in page
    client.get("/lang/zh_CN")
    assert "<h1>登录</h1>" in client.get("/login").get_data(as_text=True)


def test_language_choice_survives_sign_in_and_names_roles(app: Flask) -> None:
    client = signed_in(app, "reg1")
    client.get("/lang/en")
    page = client.get("/plans/").get_data(as_text=True)
    assert "Inspection tasks and plans" in page and "Regulator" in page


def test_every_string_in_the_ui_has_an_english_translation() -> None:
    translated: dict[object, object] = {}
    for folder in CATALOGUES:
        with (folder / "messages.po").open("rb") as handle:
            translated |= {m.id: m.string for m in read_po(handle) if m.id}
    method_map = [
        ("**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("**/templates/**.html", "jinja2"),
    ]
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(WEB), method_map, keywords={"_": None, "gettext": None}
        )
    }
    from scheduler.plan_state import STATUS_NAMES
    from web.core.access import ROLE_NAMES
    from web.plans.views import SOFT_GOALS

    # names looked up at run time, which extraction cannot see
    found |= {*ROLE_NAMES.values(), *STATUS_NAMES.values(), *SOFT_GOALS.values()}
    missing = sorted(m for m in found if isinstance(m, str) and not translated.get(m))
    assert not missing, f"add English for: {missing[:10]}"


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda f: f.parents[1].name)
def test_compiled_catalogue_matches_its_source(folder: Path) -> None:
    with (folder / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id}
    compiled = read_mo(io.BytesIO((folder / "messages.mo").read_bytes()))
    assert {m.id: m.string for m in compiled if m.id} == source, (
        f"run: pybabel compile -d {folder.parents[1]}"
    )
