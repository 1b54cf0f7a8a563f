"""Time to make what a bureau takes out of a published county plan: the filed plan
(抽查工作方案) and the public notice as PDF (WeasyPrint), the plan list and the results as .xlsx.

    .venv/bin/python benchmarks/documents_pdf.py [--inspections 2000]

The store is benchmarks/web_plan_store.py's (real pipeline and lifecycle); at the default size
the whole list is printed (scheduler.pdf_render.PRINTED_LIST_LIMIT is 2,000 rows), and every
inspection has a result. Prints wall and CPU seconds per document and the process's peak
memory; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import update

from benchmarks.web_plan_store import build
from jianguan.db import open_store
from jianguan.models import InspectionRow, PlanRow
from scheduler.filing import filed_plan, plan_filing_pdf, plan_list_workbook
from scheduler.publication import notice_pdf, results_table, results_workbook
from scheduler.task_file import Task

T = TypeVar("T")


def _timed(label: str, work: Callable[[], T]) -> T:
    # CPU seconds beside the wall clock: on a shared machine the wall clock mostly measures
    # the neighbours.
    began, cpu = time.perf_counter(), time.process_time()
    result = work()
    size = len(result) / 1e6 if isinstance(result, bytes) else 0.0
    wall, used = time.perf_counter() - began, time.process_time() - cpu
    print(f"{label}: {wall:.2f} s wall, {used:.2f} s CPU, {size:.2f} MB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspections", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, plan_id = build(Path(tmp), inspections=args.inspections)
        store = open_store(url)
        with store.session() as session:  # every inspection has a result (setup, not timed)
            session.execute(
                update(InspectionRow)
                .where(InspectionRow.plan_id == plan_id)
                .values(result_category="未发现问题", result_recorded_at=datetime(2027, 4, 1))
            )
        with store.session() as session:
            filed = _timed("read the plan and its names", lambda: filed_plan(session, plan_id))
            plan = session.get(PlanRow, plan_id)
            assert plan is not None
            task = Task.model_validate(plan.task.spec)
            rows = len(filed.document["inspections"])
            _timed(f"filed plan PDF ({rows} rows listed)", lambda: plan_filing_pdf(filed))
            _timed("plan list .xlsx", lambda: plan_list_workbook(filed))
            _timed("public notice PDF", lambda: notice_pdf(session, plan, task))
            table = results_table(session, plan_id, task)
            _timed(f"results .xlsx ({len(table)} recorded)", lambda: results_workbook(table))
        store.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
