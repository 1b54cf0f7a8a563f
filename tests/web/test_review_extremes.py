"""Valid but extreme input (review of issue 7): the first and last dates a date can hold, ids
that try to leave the simulations cache. A message or a 404, never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.web.flows import post, signed_in
from tests.web.simulation_flows import use_instance

TRY = "/rules/credit-tier/v/2022.1/try"
EXTREME_DAYS = ["0001-01-01", "9999-12-31", "1970-01-01"]


@pytest.mark.parametrize("as_of", EXTREME_DAYS)
@pytest.mark.parametrize("established", EXTREME_DAYS)
def test_try_it_on_the_edges_of_the_calendar(app: Flask, as_of: str, established: str) -> None:
    legal = signed_in(app, "legal1")
    reply = post(legal, TRY, {"as_of": as_of, "established_on": established, "penalties_3y": "2"})
    assert reply.status_code == 200, reply.get_data(as_text=True)[:800]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "x"])
def test_reinstating_at_an_extreme_date_is_a_message(app: Flask, day: str) -> None:
    legal = signed_in(app, "legal1")
    reply = post(legal, "/rules/credit-tier/v/2022.1/reinstate", {"effective_from": day})
    assert reply.status_code == 302, reply.get_data(as_text=True)[:800]


@pytest.mark.parametrize(
    "sid",
    ["..", "..%2F..%2Fetc", "A" * 64, "a" * 63, "a" * 65, "%00" + "a" * 61, "a" * 64 + "%0a"],
)
def test_run_ids_that_are_not_cache_entries_are_not_found(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sid: str
) -> None:
    instance = use_instance(tmp_path, monkeypatch)
    planner = signed_in(app, "plan1")
    for tail in ("", "/result.json", "/report.html", "/scenario.yaml"):
        assert planner.get(f"/simulations/runs/{sid}{tail}").status_code == 404, (sid, tail)
    assert post(planner, f"/simulations/runs/{sid}/rerun").status_code == 404
    assert not (instance / "simulations").exists()  # a look-up creates nothing
