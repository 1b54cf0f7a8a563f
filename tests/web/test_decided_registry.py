"""The web's draw follows the rule versions legal staff signed off, like every other web
decision; with none signed off it is the draw the command line makes from the same files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask

from jianguan.registry_store import import_registry, load_enterprises
from rules.versions.decided_registry import decided_enterprises
from scheduler.draw import classify
from tests.jianguan import samples
from tests.web import test_rules_signoff as signoff
from tests.web.flows import E1, E2, OFFICERS, signed_in
from web.extensions import store_of

PERIOD_START = date(2027, 3, 1)
# E1: founded 2012, one penalty → 90 points: tier A under the shipped cut-off (90), B under the
# stricter one (95). Its tier is left to the rules; E2's tier is given and must stay as given.
ROWS = [
    f"{E1},南昌赣江食品有限公司,360102,C14,2012-05-20,true,false,false,1,0,false,,",
    f"{E2},南昌洪城百货商店,360102,F52,2019-11-02,true,false,false,2,3,false,C,false",
]


def _tiers(app: Flask) -> dict[str, tuple[str | None, bool | None]]:
    return {
        e.id: (e.credit_tier, e.key_supervision)
        for e in decided_enterprises(store_of(app), PERIOD_START)
    }


def test_draw_tiers_follow_the_signed_off_version_in_force(app: Flask, tmp_path: Path) -> None:
    store = store_of(app)
    import_registry(
        store,
        enterprises=samples.enterprises_csv(tmp_path, ROWS),
        inspectors=samples.officers_csv(tmp_path, OFFICERS),
    )
    shipped = {
        c.enterprise.id: c.credit_tier for c in classify(load_enterprises(store), PERIOD_START)
    }
    assert _tiers(app) == {E1: ("A", False), E2: ("C", False)}
    assert shipped[E1] == "A"  # no signed-off version yet: the command line's draw

    text = signoff._editor_text(signed_in(app, "legal1")).replace(*signoff.STRICTER)
    signoff._signed_off(app, text)  # in force from today, so on the task's first day too

    assert _tiers(app) == {E1: ("B", False), E2: ("C", False)}
    assert {e.id: e.credit_tier for e in load_enterprises(store)}[E1] is None  # store untouched
