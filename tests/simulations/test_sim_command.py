"""`jianguan sim run SCENARIO.yaml --out result.json`: result, charts and report; errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jianguan.cli import main
from simulations.demo import run_demo_comparison
from tests.simulations.scenarios import TINY


def test_sim_run_writes_result_charts_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path / "instance"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text(TINY.replace("replications: 3", "replications: 2"), encoding="utf-8")
    out = tmp_path / "out" / "result.json"
    args = ["sim", "run", str(scenario), "--out", str(out), "--workers", "1", "--lang", "en"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "2/2" in captured.err  # the progress bar
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["name"] == "tiny" and len(result["scenario_id"]) == 64
    d_all = result["scenarios"]["D-all"]["metrics"]["inspections"]
    assert set(d_all) >= {"mean", "ci95", "change", "change_ci95"}
    for key in (
        "inspections",
        "violations_found",
        "hit_rate",
        "burden_A",
        "burden_D",
        "officer_utilisation",
        "unscheduled",
    ):
        assert key in result["baseline"]["metrics"]
    page = (tmp_path / "out" / "result.html").read_text(encoding="utf-8")
    assert "D-all" in page and "data:image/png;base64," in page and "<script" not in page
    assert (tmp_path / "out" / "result.png").stat().st_size > 1000
    assert (tmp_path / "out" / "result.svg").exists()
    assert (tmp_path / "out" / "result-change.png").exists()  # paired changes with intervals
    assert page.count("data:image/png;base64,") == 2

    assert main(args) == 0  # same scenario id: served from the cache
    assert "from the cache" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8")) == result


def test_bad_scenario_file_exits_1_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(TINY.replace("periods: 2", "periods: 0"), encoding="utf-8")
    code = main(["sim", "run", str(scenario), "--out", str(tmp_path / "r.json")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{scenario}:3:" in err and "periods" in err
    assert not (tmp_path / "r.json").exists()


def test_demo_comparison_writes_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path / "instance"))
    page = run_demo_comparison(tmp_path / "demo", workers=1)
    text = page.read_text(encoding="utf-8")
    assert page.name == "sim-demo.html" and "half-officers" in text and "quiet-1-20" in text


def test_unknown_holiday_year_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path / "instance"))
    scenario = tmp_path / "long.yaml"
    # Quarters 5–8 fall in 2027, a year the statutory calendar data does not know.
    scenario.write_text(TINY.replace("periods: 2", "periods: 8"), encoding="utf-8")
    args = ["sim", "run", str(scenario), "--out", str(tmp_path / "r.json"), "--lang", "en"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "2027" in err and "baseline.calendar.holidays" in err
    assert not (tmp_path / "r.json").exists()
