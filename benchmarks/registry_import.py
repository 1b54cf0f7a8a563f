"""Seconds to validate and import 100,000 enterprises (and their officers) into SQLite, and the
same enterprises as a bureau's system exports them (formats.md §1a).

Targets: under 30 s (issue 2); a Chinese-header GB18030 CSV or .xlsx within 2× of the English
CSV (issue 11). Run: .venv/bin/python benchmarks/registry_import.py [--enterprises N]
Prints the generation time separately; only the imports are measured figures.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from datetime import datetime
from pathlib import Path

from jianguan.db import open_store
from jianguan.registry_columns import ENTERPRISE_COLUMN_NAMES
from jianguan.registry_read import read_enterprises
from jianguan.registry_schema import ENTERPRISE_COLUMNS, Enterprise
from jianguan.registry_store import import_registry
from jianguan.registry_write import enterprise_cells
from simulations.synthetic_registry import write_registry

TITLE = "某县市场监督管理局企业名录"


def _bureau_cells(e: Enterprise) -> list[str]:
    """A bureau export's row: 序号-less, but 登记状态, 年月日 dates and 是/否."""
    cells = enterprise_cells(e, "zh")
    d = e.established_on
    cells[ENTERPRISE_COLUMNS.index("established_on")] = f"{d.year}年{d.month}月{d.day}日"
    return [*cells, "存续", "南昌市某区某路1号"]


def bureau_header() -> list[str]:
    return [*(ENTERPRISE_COLUMN_NAMES.chinese[c] for c in ENTERPRISE_COLUMNS), "登记状态", "住所"]


def write_bureau_csv(path: Path, enterprises: list[Enterprise], header: list[str]) -> Path:
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([TITLE])
        writer.writerow(header)
        writer.writerows(_bureau_cells(e) for e in enterprises)
    return path


def write_bureau_xlsx(path: Path, enterprises: list[Enterprise], header: list[str]) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([TITLE])
    sheet.append(header)
    at = ENTERPRISE_COLUMNS.index("established_on")
    for e in enterprises:
        cells: list[object] = _bureau_cells(e)
        d = e.established_on
        cells[at] = datetime(d.year, d.month, d.day)  # an Excel date cell
        sheet.append(cells)
    book.save(path)
    return path


def _timed_import(folder: Path, name: str, enterprises: Path) -> tuple[float, str]:
    store = open_store(f"sqlite:///{folder / f'{name}.db'}")
    started = time.perf_counter()
    report = import_registry(store, enterprises=enterprises)
    seconds = time.perf_counter() - started
    store.dispose()
    return seconds, report.describe("en").split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--officers", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        e_path, i_path = write_registry(
            folder, enterprises=args.enterprises, officers=args.officers, seed=1
        )
        records = read_enterprises(e_path)
        header = bureau_header()
        zh_csv = write_bureau_csv(folder / "bureau.csv", records, header)
        zh_xlsx = write_bureau_xlsx(folder / "bureau.xlsx", records, header)
        print(f"generate: {time.perf_counter() - started:.2f} s (not part of the figures)")
        store = open_store(f"sqlite:///{folder / 'bench.db'}")
        started = time.perf_counter()
        report = import_registry(store, enterprises=e_path, inspectors=i_path)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = import_registry(store, enterprises=e_path, inspectors=i_path)
        second = time.perf_counter() - started
        store.dispose()
        print(
            f"import {args.enterprises} enterprises + {args.officers} officers into SQLite: "
            f"{first:.2f} s"
        )
        print(f"  ({report.describe('en')})")
        print(f"re-import of the same files (nothing changes): {second:.2f} s")
        print(f"  ({again.describe('en')})")
        print(f"target < 30 s: {'met' if first < 30 else 'MISSED'}")
        print(f"enterprises only, each into an empty store ({args.enterprises} rows):")
        english, _ = _timed_import(folder, "en", e_path)
        print(f"  English-header UTF-8 CSV:         {english:6.2f} s")
        for label, path in (
            ("Chinese-header GB18030 CSV", zh_csv),
            ("Chinese-header .xlsx", zh_xlsx),
        ):
            seconds, summary = _timed_import(folder, path.suffix, path)
            ratio = seconds / english
            verdict = "met" if ratio <= 2 else "MISSED"
            print(f"  {label + ':':33s} {seconds:6.2f} s = {ratio:.2f}× (target ≤ 2×: {verdict})")
            print(f"    ({summary})")


if __name__ == "__main__":
    main()
