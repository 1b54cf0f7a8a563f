"""Every reader a user feeds files to, fuzzed with a small budget (issue 14): no input
crashes it or takes more than 5 s or 500 MB; each is read or refused with a message.
benchmarks/fuzz_readers.py runs the large budget and prints the counts per reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jianguan.errors import DataFileError
from tests.attack.reader_fuzz import READERS, big_inputs_run, fuzz_reader
from tests.attack.xlsx_craft import billion_laughs, huge_shared_string, many_columns, zip_bomb

pytestmark = pytest.mark.slow

BUDGET = {  # inputs per reader here: a few seconds each on a busy machine
    "enterprises.csv": 150,
    "inspectors.csv": 150,
    "enterprises.xlsx": 60,
    "inspectors.xlsx": 60,
    "task.yaml": 150,
    "scenario.yaml": 150,
    "rule file (rules check)": 40,
    "plan.json (plan verify)": 100,
}


@pytest.mark.parametrize("name", list(BUDGET))
def test_no_input_crashes_the_reader_or_runs_over(name: str) -> None:
    counts = fuzz_reader(READERS[name], BUDGET[name], seconds=60)
    assert counts.tried >= min(BUDGET[name], 20), counts.line()
    assert counts.clean, f"{counts.line()}\n" + "\n".join(counts.crashes)
    assert counts.outcomes["refused"] > 0, counts.line()  # the damage reached the checks


def test_mutants_also_get_through_where_the_format_allows() -> None:
    """Not all refusals: light mutations of the YAML and JSON files are read as valid."""
    for name in ("task.yaml", "scenario.yaml", "plan.json (plan verify)"):
        assert fuzz_reader(READERS[name], 60, seconds=60).outcomes["accepted"] > 0, name


def test_crafted_big_workbooks_are_refused_within_the_limits() -> None:
    results = big_inputs_run(
        {
            "zip bomb, 2 GiB of rows in ~3 MB": zip_bomb(2 << 30),
            "huge shared string, 50 M characters": huge_shared_string(50_000_000),
            "cell at XFD1048576": many_columns(200),
            "billion laughs": billion_laughs(),
        }
    )
    bad = [r for r in results if r.outcome not in ("accepted", "refused")]
    assert not bad, bad


def test_a_workbook_row_wider_than_its_header_gets_the_workbook_hint(tmp_path: Path) -> None:
    """Found by the big inputs: the .xlsx with a cell at XFD was told to quote its commas."""
    from jianguan.registry_read import read_enterprises

    path = tmp_path / "wide.xlsx"
    path.write_bytes(many_columns(200))
    with pytest.raises(DataFileError) as caught:
        read_enterprises(path)
    zh, en = caught.value.message("zh"), caught.value.message("en")
    assert f"{path}:2:" in zh and "200 个单元格" in zh and "表头最后一列右侧" in zh, zh
    assert "right of the header's last column" in en and "quote" not in en, en
