"""Junk sent to the rules and simulations pages (review of issue 7): empty, huge, binary and
wrongly typed input gets a page that says what to fix, never a server error, and saves nothing.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from jianguan.models import AuditEvent, RulePackageVersion
from jianguan.yaml_shape import shape_problem
from tests.web.flows import post, signed_in, token
from tests.web.simulation_flows import SMALL_FORM, use_instance
from web.extensions import store_of
from web.simulations.jobs import running as running_simulation

TRY = "/rules/credit-tier/v/2022.1/try"
EDIT = "/rules/credit-tier/v/2022.1/edit"

# Text that has broken parsers and number readers before: control and NUL bytes, a lone
# surrogate's UTF-8 look-alike, numbers past int()'s 4300-digit limit, YAML tags that would
# build Python objects under an unsafe loader, an alias bomb, deep nesting.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
JUNK = [
    "",
    " ",
    "\x00\x01\x02\xff",
    "9" * 5000,
    "-1e999",
    "²",
    "[" * 5000,
    "{a: " * 2000,
    "!!python/object/apply:os.system ['echo pwned']",
    "package: !!python/name:os.system\n",
    ALIAS_BOMB,
    "- 1\n- 2\n",
    "package: [1, 2]\n",
    "package:\n  id: credit-tier\n  version: {x: 1}\n  effective_from: 99999-01-01\n",
    "\ufeff\u202e" * 100,
]


def _raw_post(client: FlaskClient, path: str, body: bytes) -> int:
    """A url-encoded body as raw bytes (to send what no browser would, e.g. invalid UTF-8)."""
    reply = client.post(
        path,
        data=b"csrf_token=" + token(client, "/login").encode() + b"&" + body,
        content_type="application/x-www-form-urlencoded",
    )
    return reply.status_code


def _rule_rows(app: Flask) -> int:
    with store_of(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(RulePackageVersion)) or 0)


def _audit_rows(app: Flask) -> int:
    with store_of(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_the_editor_check_and_save_answer_junk_with_messages(app: Flask, junk: str) -> None:
    legal = signed_in(app, "legal1")
    checked = post(legal, "/rules/validate", {"source": junk, "editing": junk})
    assert checked.status_code == 200, checked.get_data(as_text=True)[:500]
    saved = post(legal, EDIT, {"source": junk})
    assert saved.status_code == 422, saved.get_data(as_text=True)[:500]
    assert 'id="save-refused"' in saved.get_data(as_text=True)
    assert _rule_rows(app) == 0


def test_the_editor_check_ignores_a_malformed_draft_id(app: Flask) -> None:
    """`editing` names the user's own draft; "²" passes str.isdigit() but not int()."""
    legal = signed_in(app, "legal1")
    for editing in ("²", "٣", "9" * 30, "-1", "1.5"):
        reply = post(legal, "/rules/validate", {"source": "package: {}\n", "editing": editing})
        assert reply.status_code == 200, (editing, reply.status_code)


def test_binary_and_oversized_bodies_to_the_rules_area_are_no_server_error(app: Flask) -> None:
    legal = signed_in(app, "legal1")
    for path in ("/rules/validate", EDIT, TRY):
        assert _raw_post(legal, path, b"source=%FF%FE%00%C3%28&as_of=%FF") < 500, path
    huge = "x: " + "y" * 500_000
    assert post(legal, "/rules/validate", {"source": huge}).status_code == 200
    assert post(legal, EDIT, {"source": huge}).status_code == 422
    assert _rule_rows(app) == 0


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_try_it_answers_junk_in_every_field(app: Flask, junk: str) -> None:
    legal = signed_in(app, "legal1")
    fields = [
        "established_on",
        "annual_report_filed",
        "penalties_3y",
        "complaints_12m",
        "district",
        "as_of",
    ]
    reply = post(legal, TRY, dict.fromkeys(fields, junk))
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]


def test_try_it_with_a_number_too_long_to_read_says_so(app: Flask) -> None:
    legal = signed_in(app, "legal1")
    page = post(legal, TRY, {"established_on": "2010-01-01", "penalties_3y": "9" * 5000}).get_data(
        as_text=True
    )
    assert "penalties_3y" in page or "处罚" in page


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_instance(tmp_path, monkeypatch)


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_the_scenario_form_answers_junk_in_every_field(
    app: Flask, instance: Path, junk: str
) -> None:
    planner = signed_in(app, "plan1")
    before = _audit_rows(app)
    form = dict.fromkeys(SMALL_FORM, junk)
    reply = post(planner, "/simulations/run", form)
    assert reply.status_code == 400, reply.get_data(as_text=True)[:500]
    assert 'id="sim-errors"' in reply.get_data(as_text=True)
    assert _no_simulation(app) and _audit_rows(app) == before


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_a_junk_scenario_upload_is_refused_with_a_message(
    app: Flask, instance: Path, junk: str
) -> None:
    planner = signed_in(app, "plan1")
    before = _audit_rows(app)
    reply = post(
        planner,
        "/simulations/upload",
        {"scenario_file": (io.BytesIO(junk.encode("utf-8", "surrogatepass")), "x.yaml")},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 400, reply.get_data(as_text=True)[:500]
    page = reply.get_data(as_text=True)
    assert 'id="sim-errors"' in page
    if junk == ALIAS_BOMB:  # refused before loading (loading it took minutes of CPU)
        assert "展开别名后超过" in page
    if junk.startswith("[["):  # refused before yaml.compose recursed too deep
        assert "嵌套超过" in page
    assert _no_simulation(app) and _audit_rows(app) == before


def test_a_scenario_file_with_a_few_anchors_still_loads_its_shape(app: Flask) -> None:
    """The shape check counts expanded nodes; a hand-written file sharing a block is fine."""
    shared = "base: &b {A: 0.1, B: 0.2}\nscenarios:\n  - {name: x, rates: *b}\n" * 1
    assert shape_problem(shared) is None
    assert shape_problem(ALIAS_BOMB) is not None
    assert "aliases" in str(shape_problem(ALIAS_BOMB))


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00binary", b"a: 1\n" * 60_000, b"", b"\x89PNG\r\n\x1a\n" + bytes(range(256))],
    ids=["binary", "oversized", "empty", "png"],
)
def test_binary_or_oversized_uploads_are_refused(app: Flask, instance: Path, body: bytes) -> None:
    planner = signed_in(app, "plan1")
    reply = post(
        planner,
        "/simulations/upload",
        {"scenario_file": (io.BytesIO(body), "../../etc/passwd\x00.yaml")},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 400, reply.get_data(as_text=True)[:500]
    assert _no_simulation(app)


def _no_simulation(app: Flask) -> bool:
    from web.extensions import store_of

    with store_of(app).session() as session:
        return running_simulation(session) is None
