"""One region solved, written as plan rows and checked, in one piece of work for a worker.

The plan's serial part used to build every inspection row and run the independent checker
over all of them after the last region came back (a third of a province plan's time on one
core, a cap on what a second worker can gain). Both are a region's own business: its rows are
made from its result alone, and every hard constraint `verify.check_inspections` checks is
about one inspection, one officer's day or one enterprise's year. So the worker that solved a
region also writes its rows and checks them against the registry records of the region's
officers; the caller checks what crosses regions (`crosses_regions`). The rows' team figures
(travel, load) are counted there too.

The check here is the same independent code as `plan verify` (scheduler/verify.py), fed the
registry's `Officer` records, not the solver's `OfficerSlot` view of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jianguan.registry_schema import Officer
from scheduler.plan_document import inspection_rows
from scheduler.region_problem import RegionProblem, RegionResult
from scheduler.region_solver import solve_region
from scheduler.task_file import Task
from scheduler.team_figures import TeamFigures, team_figures
from scheduler.verify import Problem, check_inspections


@dataclass(frozen=True, slots=True)
class RegionTask:
    """A region's problem with what the checker needs: the task, the registry records of the
    region's officers, and the prior inspection counts of its enterprises (None: no store)."""

    problem: RegionProblem
    task: Task
    officers: tuple[Officer, ...]
    prior_counts: dict[str, dict[int, int]] | None


@dataclass(slots=True)
class CheckedRegion:
    """A solved region: its result without the inspections, which travel as `rows` (the plan's
    own form, so the caller does not rebuild them), and what the checker found."""

    result: RegionResult
    rows: list[dict[str, Any]]
    problems: list[Problem]
    # the rows' team figures; None when the rows name an enterprise of another region
    figures: TeamFigures | None


def region_task(
    problem: RegionProblem,
    task: Task,
    officers_by_id: dict[str, Officer],
    prior_counts: dict[str, dict[int, int]] | None,
) -> RegionTask:
    members = (eid for eid, _district in problem.enterprises)
    return RegionTask(
        problem=problem,
        task=task,
        officers=tuple(officers_by_id[s.id] for s in problem.officers),
        prior_counts=(
            None
            if prior_counts is None
            else {eid: prior_counts[eid] for eid in members if eid in prior_counts}
        ),
    )


def solve_and_check(job: RegionTask) -> CheckedRegion:
    """Run on a worker: solve the region, write its rows, check them."""
    solved = solve_region(job.problem)
    return check_region(job, solved)


def check_region(job: RegionTask, solved: RegionResult) -> CheckedRegion:
    rows = inspection_rows(job.task, [solved])
    problems = check_inspections(rows, job.officers, job.task, job.prior_counts)
    members = {eid for eid, _district in job.problem.enterprises}
    outsiders = sorted({str(r["enterprise_id"]) for r in rows} - members)
    if outsiders:
        # Not a hard constraint by itself, but the region's annual-cap counts would miss the
        # firm's other inspections: the caller then checks the whole plan at once.
        problems.append(
            Problem(
                f"区域 {job.problem.region} 安排了不属于本区域的企业 {outsiders[:3]}",
                f"region {job.problem.region} scheduled enterprises of another region "
                f"{outsiders[:3]}",
                "region",
            )
        )
    figures = None if outsiders else team_figures(rows, dict(job.problem.enterprises))
    result = RegionResult(solved.region, {}, solved.unscheduled, solved.report)
    return CheckedRegion(result, rows, problems, figures)


def crosses_regions(jobs: Sequence[RegionTask]) -> bool:
    """Whether two regions share an officer or an enterprise. When they do not, each region's
    rows name only its own officers and enterprises (the region's check refuses any other), so
    each officer's days and each enterprise's years are all in one region, and the regions'
    checks together are the check of the whole plan."""
    officers: set[str] = set()
    enterprises: set[str] = set()
    count_o = count_e = 0
    for job in jobs:
        officers.update(o.id for o in job.officers)
        enterprises.update(eid for eid, _district in job.problem.enterprises)
        count_o += len(job.officers)
        count_e += len(job.problem.enterprises)
    return len(officers) != count_o or len(enterprises) != count_e
