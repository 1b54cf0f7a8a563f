"""Rule sign-off on each database backend (PostgreSQL for real deployments)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from jianguan.audit import verify_chain
from jianguan.db import Store
from jianguan.models import RulePackageVersion
from tests.web.flows import SECOND_LEGAL, TEST_CONFIG, make_users, post, signed_in, token
from web.app import create_app

pytestmark = pytest.mark.postgres


def test_draft_sign_off_and_roll_back(store: Store) -> None:
    app = create_app(store.url, TEST_CONFIG)
    make_users(app)
    author = signed_in(app, "legal1")
    page = author.get("/rules/credit-tier/v/2022.1/edit").get_data(as_text=True)
    found = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)
    assert found
    text = html.unescape(found.group(1)).replace("value: 90,", "value: 95,")
    path = post(author, "/rules/credit-tier/v/2022.1/edit", {"source": text}).headers["Location"]
    post(author, path + "/submit")
    reviewer = signed_in(app, SECOND_LEGAL)
    shown = re.search(
        r'<dd class="hash">([0-9a-f]{64})</dd>', reviewer.get(path).get_data(as_text=True)
    )
    assert shown
    post(reviewer, path + "/approve", {"sha256": shown.group(1)})
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    back = post(author, "/rules/credit-tier/v/2022.1/reinstate", {"effective_from": tomorrow})
    assert back.headers["Location"].endswith("/v/2022.3")
    reg = signed_in(app, "reg1")
    reply = reg.post(
        "/api/rules/credit-tier/decide",
        json={"records": [{"id": "X", "established_on": "2010-01-01", "penalties_3y": 1}]},
        headers={"X-CSRFToken": token(reg)},
    )
    assert reply.get_json()["results"][0]["package_version"] == "2022.2"
    with store.session() as session:
        rows = session.scalars(select(RulePackageVersion).order_by(RulePackageVersion.id)).all()
        assert [(r.version, r.status) for r in rows] == [
            ("2022.2", "approved"),
            ("2022.3", "draft"),
        ]
        assert rows[0].reviewed_by == SECOND_LEGAL and rows[0].reviewed_at is not None
        assert verify_chain(session).intact
    store.dispose()
