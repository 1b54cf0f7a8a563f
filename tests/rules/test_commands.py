"""`jianguan rules check | test | decide | diff` as formats §6 describes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jianguan.cli import main
from rules.loader import PACKAGES_DIR
from tests.rules.conftest import CREDIT, write

CASE = {
    "minor": True,
    "harm": "none",
    "corrected_in_time": True,
    "first_offence": False,
    "no_fault_proven": False,
    "occurred_on": "2024-03-01",
    "discovered_on": "2024-05-01",
    "life_health_financial_safety": False,
}


def test_check_passes_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check"]) == 0
    shipped = len(list(PACKAGES_DIR.glob("*/*.yaml")))
    assert f"{shipped} 个规则文件" in capsys.readouterr().out


def test_check_reports_file_line_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path,
        "bad.yaml",
        CREDIT.read_text(encoding="utf-8").replace(
            "    priority: 6\n", "    priority: 6\n    weight: 2\n"
        ),
    )
    assert main(["rules", "check", str(bad), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "weight" in err


def test_test_command_runs_rule_file_tests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "test", "supervision"]) == 0
    out = capsys.readouterr().out
    assert "PASS supervision" in out and "[durable]" in out and "[vector]" in out


@pytest.mark.parametrize("engine", ["durable", "vector"])
def test_decide_writes_one_line_per_input(tmp_path: Path, engine: str) -> None:
    lines = [
        json.dumps({"id": "a", **CASE}),
        "{broken",
        json.dumps({"id": "b", **CASE, "harm": "x"}),
        json.dumps({"id": "c", **CASE, "minor": False}),
    ]
    source = write(tmp_path, "in.jsonl", "\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "rules",
            "decide",
            "penalty-exemption",
            "--input",
            str(source),
            "--output",
            str(out),
            "--as-of",
            "2026-01-01",
            "--engine",
            engine,
        ]
    )
    assert code == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, "b", "c"]
    assert rows[0]["outcome"] == "no_penalty" and rows[3]["outcome"] == "penalise"
    assert "error" in rows[1] and "harm" in rows[2]["error"]
    assert set(rows[0]) >= {"id", "outcome", "basis", "rules", "explanation"}


def test_decide_unknown_package_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, "in.jsonl", json.dumps({"id": "a"}) + "\n")
    assert main(["rules", "decide", "nope", "--input", str(source)]) == 1
    assert "nope" in capsys.readouterr().err


def test_diff_shows_transitions_lists_workload_and_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = write(
        tmp_path,
        "new.yaml",
        CREDIT.read_text(encoding="utf-8").replace(
            "- {from: 2022-01-14, value: 90, reference: *sample}",
            "- {from: 2022-01-14, value: 100, reference: *sample}",
        ),
    )
    population = tmp_path / "pop.jsonl"
    rows = [
        {
            "id": f"e{i}",
            "established_on": "2012-01-01",
            "annual_report_filed": True,
            "penalties_3y": i % 2,
        }
        for i in range(10)
    ]
    population.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code = main(
        [
            "rules",
            "diff",
            str(CREDIT),
            str(new),
            "--population",
            str(population),
            "--as-of",
            "2026-06-30",
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    # Clean enterprises scored 100 stay A; those with one penalty (90) fall from A to B.
    assert report["transitions"]["A"]["B"] == 5 and report["transitions"]["A"]["A"] == 5
    assert report["changed"] == 5
    assert float(report["workload_new"]) > float(report["workload_old"])
    sample = report["samples"][0]
    assert sample["old"]["outcome"] == "A" and sample["new"]["outcome"] == "B"
    assert sample["old"]["explanation"] and sample["new"]["explanation"]
