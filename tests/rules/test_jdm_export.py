"""The JDM export, run on GoRules' own engine (`zen-engine`), agrees with `rules decide`.

Every shipped package version is exported for a day in its window and evaluated by ZEN on
generated records, and again on the same records with values as CSV exports write them
(texts, blanks, padded numbers) and as they go wrong (junk, impossible dates, floats,
out-of-range integers): outcome, applied rules, score, points, lists and outputs agree, and a
record is an error for ZEN exactly when it is one for us. ZEN is in the `dev` extra; without
it these tests skip, and fail under JIANGUAN_REQUIRE_ZEN (set in CI).
"""

from __future__ import annotations

import json
import os
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from jianguan.cli import main
from rules.decision import decide_records
from rules.jdm_export import export_jdm
from rules.registry import bound_at, load_packages
from rules.synthetic import generate

try:
    import zen
except ImportError:  # pragma: no cover - depends on the environment
    zen = None
    if os.environ.get("JIANGUAN_REQUIRE_ZEN"):
        raise

pytestmark = pytest.mark.skipif(
    zen is None, reason="zen-engine not installed (pip install -e '.[dev]')"
)

COMPARED = ("outcome", "rules", "score", "points", "lists", "sampling_ratio", "yearly_cap")
RECORDS = 2500


def _versions() -> list[tuple[str, Any, date]]:
    out = []
    for pid, versions in sorted(load_packages().items()):
        for v in versions:
            day = v.effective_to or v.effective_from + timedelta(days=400)
            out.append((pid, v, day))
    return out


def _messy(records: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)

    def mess(value: Any) -> Any:
        c = rng.random()
        if c < 0.25:
            return rng.choice(["", "  ", None, "junk", 3.0, ["coerced", " confessed", ""]])
        if isinstance(value, bool):
            return rng.choice(["true", "false", "是", "否", "1", "0", " TRUE ", 1, 0, 2])
        if isinstance(value, int):
            return rng.choice([str(value), f" {value} ", float(value), -1, 10**10, "1e3"])
        if isinstance(value, str) and len(value) == 10:
            return rng.choice([f" {value}", value.replace("-", "/"), "2023-02-29", "2024-02-29"])
        if isinstance(value, list):
            return ";".join(value)
        return value

    out = []
    for r in records:
        row = dict(r)
        for k in list(row):
            if k != "id" and rng.random() < 0.3:
                row[k] = mess(row[k])
        out.append(row)
    return out


def _disagreements(pid: str, version: Any, day: date, records: list[dict[str, Any]]) -> list[str]:
    graph = export_jdm(bound_at(version, day))
    decision = zen.ZenEngine().create_decision(json.dumps(graph))
    ours = decide_records(pid, records, as_of=day, explained=False, versions=[version])
    bad = []
    for record, mine in zip(records, ours, strict=True):
        theirs = decision.evaluate(record)["result"]
        if (theirs.get("error") is not None) != ("error" in mine):
            bad.append(f"{record}: ours {mine.get('error')!r}, ZEN {theirs.get('error')!r}")
        elif "error" not in mine:
            for key in COMPARED:
                if key in mine and mine[key] != theirs.get(key):
                    bad.append(f"{record}: {key} ours {mine[key]!r}, ZEN {theirs.get(key)!r}")
    return bad


@pytest.mark.parametrize(("pid", "version", "day"), _versions(), ids=lambda x: str(x)[:30])
def test_zen_agrees_on_generated_records(pid: str, version: Any, day: date) -> None:
    records = generate(version, RECORDS, seed=11)
    bad = _disagreements(pid, version, day, records)
    assert not bad, f"{len(bad)} disagreements, first: {bad[:3]}"


@pytest.mark.parametrize(("pid", "version", "day"), _versions(), ids=lambda x: str(x)[:30])
def test_zen_agrees_on_csv_texts_and_bad_values(pid: str, version: Any, day: date) -> None:
    records = _messy(generate(version, RECORDS, seed=12), seed=3)
    bad = _disagreements(pid, version, day, records)
    assert not bad, f"{len(bad)} disagreements, first: {bad[:3]}"


def test_export_command_writes_a_graph_zen_loads(tmp_path: Path) -> None:
    out = tmp_path / "credit-tier.json"
    assert (
        main(["rules", "export", "credit-tier", "--as-of", "2026-06-30", "--output", str(out)]) == 0
    )
    graph = json.loads(out.read_text(encoding="utf-8"))
    assert graph["contentType"] == "application/vnd.gorules.decision"
    kinds = [n["type"] for n in graph["nodes"]]
    assert kinds[0] == "inputNode" and kinds[-1] == "outputNode" and "decisionTableNode" in kinds
    record = {"id": "E1", "established_on": "2010-05-01", "annual_report_filed": True}
    result = zen.ZenEngine().create_decision(json.dumps(graph)).evaluate(record)["result"]
    assert result["outcome"] == "A" and result["rules"] == ["a-score"]


def test_export_says_what_it_leaves_out(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["rules", "export", "penalty-exemption", "--as-of", "2026-06-30", "--lang", "en"]
    assert main(args) == 0
    assert "Art. 37" in capsys.readouterr().err


def test_export_of_an_unknown_package_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "export", "no-such-package"]) == 1
    assert "no-such-package" in capsys.readouterr().err
