"""Draw and schedule a task: the whole `plan generate` pipeline, returning plan.json data."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from jianguan.errors import JianguanError
from jianguan.registry_schema import Enterprise, Officer
from rules.gc_pause import collector_paused
from scheduler.canonical_json import Encoded
from scheduler.day_model import DayModelError
from scheduler.draw import classify, draw, in_population, inputs_sha256
from scheduler.officer_pool import city_of, qualified_slots, staff_by_region
from scheduler.plan_document import assemble
from scheduler.region_problem import RegionProblem
from scheduler.region_solver import largest_first, regions_are_pieces, solve_regions
from scheduler.region_task import (
    CheckedRegion,
    RegionTask,
    check_region,
    crosses_regions,
    region_task,
    solve_and_check,
)
from scheduler.task_file import Task
from scheduler.team_figures import added, team_figures
from scheduler.verify import HARD_CONSTRAINTS, check_inspections
from scheduler.work_calendar import build_calendar
from scheduler.work_pool import WorkPool, open_pool

Progress = Callable[[str], None]
V = TypeVar("V")


class PlanInvariantError(JianguanError):
    """The planner produced something its own checker rejects (a bug, never bad data)."""


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """How to run, never what comes out: the plan is the same for every setting."""

    num_workers: int = 1  # CP-SAT workers per region
    # pieces (regions, or a region's day model and departments) solved in parallel processes;
    # None: every core for plans of several regions and at least PARALLEL_FROM drawn
    # enterprises, else this process (a single county gains less than processes cost to start)
    processes: int | None = None
    time_limit_s: float = 300.0
    cluster: str | None = None  # a Dask scheduler (tcp://HOST:PORT) instead of processes


# Below this many drawn enterprises a plan takes less than starting worker processes (about
# a second: they import OR-Tools, which imports pandas).
PARALLEL_FROM = 4000


def generate_plan(
    enterprises: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
    seed: str,
    *,
    prior_counts: dict[str, dict[int, int]] | None = None,
    settings: PlanSettings | None = None,
    progress: Progress | None = None,
    lang: str = "zh",
) -> dict[str, object]:
    """Draw per formats.md §3, schedule, and return the plan document (formats.md §4).

    `progress` receives messages for long runs (in `lang`); it never changes the result.
    The cyclic collector is paused meanwhile: a plan builds millions of small acyclic objects
    over a heap that holds the registry, and each full collection rescans that heap (about a
    fifth of a county's planning time; rules/gc_pause.py)."""
    with collector_paused():
        return _generate_plan(
            enterprises,
            officers,
            task,
            seed,
            prior_counts,
            settings or PlanSettings(),
            progress,
            lang,
        )


def _generate_plan(
    enterprises: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
    seed: str,
    prior_counts: dict[str, dict[int, int]] | None,
    settings: PlanSettings,
    progress: Progress | None,
    lang: str,
) -> dict[str, object]:
    sink = progress or (lambda _m: None)

    def say(zh: str, en: str) -> None:
        sink(en if lang == "en" else zh)

    calendar = build_calendar(task)
    say(calendar.source_zh, calendar.source_en)
    population = classify([e for e in enterprises if in_population(e, task)], task.period.start)
    result = draw(population, task, seed)
    say(
        f"抽取 {len(result.drawn)} 家企业（总体 {len(population)} 家）",
        f"drew {len(result.drawn)} of {len(population)} enterprises",
    )
    by_id = {c.enterprise.id: c.enterprise for c in population}
    drawn = [by_id[d.enterprise_id] for d in result.drawn]
    days = calendar.schedulable_days
    problems = _region_problems(drawn, officers, task, seed, days, prior_counts, settings)
    _capacity_messages(problems, say)
    say(
        f"分 {len(problems)} 个区域排期，{len(days)} 个可安排日",
        f"scheduling {len(problems)} region(s) over {len(days)} days",
    )
    by_officer = {o.id: o for o in officers}
    jobs = [region_task(p, task, by_officer, prior_counts) for p in problems]
    worth_it = len(problems) > 1 and len(drawn) >= PARALLEL_FROM
    with open_pool(settings.processes, settings.cluster, worth_it) as pool:
        pool.warm()  # worker processes start while this one hashes the inputs
        # The inputs' hash needs nothing the solver makes: with workers elsewhere (even one
        # Dask worker) it is computed here meanwhile (a thread: the main one only waits on
        # the workers).
        hashing = _Background(lambda: inputs_sha256(population, officers, task))
        # so is the plan's draw list with its bytes for the seal
        encoding = _Background(lambda: Encoded.of(result.draw_json()))
        for background in (hashing, encoding):
            if pool.elsewhere:
                background.start()
            else:
                background.run()
        checked = _solve_all(problems, jobs, pool, settings, say)
        inputs_hash = hashing.result()
        draw_json = encoding.result()
    results = [c.result for c in checked]
    used_staff = [s for p in problems for s in p.officers]
    district_of = {e.id: e.district for e in drawn}
    # Each region's rows come sorted; Timsort merges such runs in about linear time, and the
    # sort is stable, so equal keys keep the regions' order as before.
    rows = [row for c in checked for row in c.rows]
    rows.sort(key=lambda i: (i["date"], i["enterprise_id"]))
    # The independent checker runs on every plan before it leaves: a violation is a bug here.
    # It ran on each region where the region was solved; when those found something, or
    # regions share officers or enterprises, the whole plan is checked at once, and what that
    # finds is the answer (a region's check also refuses what is merely outside the region).
    regional = [c.figures for c in checked if not c.problems and c.figures is not None]
    if len(regional) < len(checked) or crosses_regions(jobs):
        broken = check_inspections(rows, officers, task, prior_counts)
        if broken:
            raise PlanInvariantError(
                "内部错误：生成的计划违反硬约束（请报告此问题）：" + broken[0].zh,
                "internal error: the generated plan breaks a hard constraint (please report): "
                + broken[0].en,
            )
        figures = team_figures(rows, district_of)
    else:
        figures = added(regional)  # each officer in one region: the regions' sums are the plan's
    violations = dict.fromkeys(HARD_CONSTRAINTS, 0)
    return assemble(
        task,
        seed,
        inputs_hash,
        result,
        calendar,
        results,
        used_staff,
        violations,
        rows,
        figures,
        draw_json,
    )


def aggregate_capacity(problem: RegionProblem) -> list[tuple[str, int, int]]:
    """(department, officer-slots needed, officer-slots available over the schedulable days)."""
    out = []
    for dept in problem.departments:
        capacity = sum(
            o.cap
            for o in problem.officers
            if o.department == dept
            for day in problem.days
            if day not in o.unavailable
        )
        out.append((dept, problem.per_department * len(problem.enterprises), capacity))
    return out


class _Background(Generic[V]):
    """A computation run in a thread (`start`) or right here (`run`), its result or error
    delivered by `result`."""

    def __init__(self, work: Callable[[], V]) -> None:
        self._work = work
        self._thread: threading.Thread | None = None
        self._value: V | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # re-raised by result(), in the caller's thread
            self._error = exc

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="plan-background", daemon=True)
        self._thread.start()

    def result(self) -> V:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _region_problems(
    drawn: Sequence[Enterprise],
    officers: Sequence[Officer],
    task: Task,
    seed: str,
    days: tuple[date, ...],
    prior_counts: dict[str, dict[int, int]] | None,
    settings: PlanSettings,
) -> list[RegionProblem]:
    slots = qualified_slots(officers, task)
    regions, staff_of = staff_by_region([e.district for e in drawn], slots, task)
    # One pass over the drawn enterprises, not one per region (11 cities × 20,000 firms took
    # a tenth of a second); each region's members stay in draw order.
    members_of: dict[str, list[tuple[str, str]]] = {region: [] for region in staff_of}
    region_of = {d: regions[city_of(d)] for d in {e.district for e in drawn}}
    for e in drawn:
        members_of[region_of[e.district]].append((e.id, e.district))
    prior = prior_counts or {}
    problems = []
    for region, staff in staff_of.items():
        members = tuple(members_of[region])
        problems.append(
            RegionProblem(
                region=region,
                task_id=task.id,
                seed=seed,
                per_department=task.officers_per_department,
                days=days,
                departments=task.departments,
                fields={d: task.fields_of(d) for d in task.departments},
                enterprises=members,
                officers=tuple(staff),
                yearly_cap=task.max_inspections_per_enterprise_per_year,
                # only enterprises with inspections already (a missing one has none): a
                # province's members with an empty dict each were half of what went to workers
                prior_counts={e: prior[e] for e, _ in members if prior.get(e)},
                num_workers=settings.num_workers,
                time_limit_s=settings.time_limit_s,
            )
        )
    return problems


def _capacity_messages(problems: list[RegionProblem], say: Callable[[str, str], None]) -> None:
    for p in problems:
        for dept, demand, capacity in aggregate_capacity(p):
            lost = -(-(demand - capacity) // p.per_department)
            if demand > capacity:
                say(
                    f"容量预检：区域 {p.region} 的 {dept}（{'、'.join(p.fields[dept])}）需要 "
                    f"{demand} 人次，可用仅 {capacity} 人次，至少 {lost} 家企业将无法安排",
                    f"capacity pre-check: region {p.region}, {dept} "
                    f"({', '.join(p.fields[dept])}) needs {demand} officer-slots but has only "
                    f"{capacity}; at least {lost} enterprises will not fit",
                )


def _solve_all(
    problems: list[RegionProblem],
    jobs: list[RegionTask],
    pool: WorkPool,
    settings: PlanSettings,
    say: Callable[[str, str], None],
) -> list[CheckedRegion]:
    """Every region solved, its rows written and checked: on the workers when a region is
    one piece of work, else here after the rounds."""

    def done(p: RegionProblem) -> None:
        say(
            f"区域 {p.region} 完成（{len(p.enterprises)} 家）",
            f"region {p.region} done ({len(p.enterprises)} enterprises)",
        )

    try:
        if regions_are_pieces(len(problems), pool):
            checked = largest_first(
                pool, solve_and_check, jobs, lambda j: len(j.problem.enterprises)
            )
            for p in problems:
                done(p)
            return checked
        results = solve_regions(problems, pool, done)
    except DayModelError as exc:
        raise JianguanError(
            f"排期模型未能在时限 {settings.time_limit_s:.0f} 秒内求得最优解（{exc}）；"
            "只有最优解才唯一、可复算，请用 --time-limit 放宽时限后重试",
            f"the day model was not solved to optimality within {settings.time_limit_s:.0f} s "
            f"({exc}); only an optimum is unique and reproducible: raise --time-limit and retry",
        ) from None
    return [check_region(j, r) for j, r in zip(jobs, results, strict=True)]
