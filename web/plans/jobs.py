"""Plan generation as a background job: a thread per job, progress kept in memory.

A request only starts the job and returns; the browser polls the job's status with htmx.
The solver runs in one process here (`processes=1`): forking a process pool from a threaded
web server is unsafe, and the plan is the same for every setting (scheduler.planner).
Jobs live in memory: a server restart forgets running jobs, never finished plans (those are
in the store as soon as a job ends).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask

from jianguan.db import Store
from jianguan.errors import JianguanError
from jianguan.models import TaskRow
from jianguan.registry_store import load_officers
from rules.versions.decided_registry import decided_enterprises
from scheduler.lifecycle import approved_counts_in, save_draft
from scheduler.planner import PlanSettings, generate_plan
from scheduler.task_file import Task
from web.core.background_jobs import BackgroundJobs, JobState


@dataclass
class Job(JobState):
    task_id: str
    actor: str
    started_at: datetime
    plan_id: int | None = None


class JobRegistry:
    """Plan generation jobs by id; finished jobs beyond the newest `keep` are forgotten (their
    plans stay)."""

    def __init__(self, keep: int = 200) -> None:
        self._jobs: BackgroundJobs[Job] = BackgroundJobs("生成计划", "generating the plan", keep)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def start(self, task_id: str, actor: str, work: Callable[[Job], int]) -> tuple[Job, bool]:
        """Start generating a plan for `task_id`, or — while one is being generated for it —
        return that job: a double submit must not draw and save two drafts. True when this
        call started the job."""

        def body(job: Job) -> None:
            job.plan_id = work(job)

        new = Job(task_id, actor, datetime.now(UTC), id=secrets.token_hex(8))
        job = self._jobs.start(new, body, same_work=lambda running: running.task_id == task_id)
        return job, job is new


def jobs_of(app: Flask) -> JobRegistry:
    registry: JobRegistry = app.extensions["jianguan_jobs"]
    return registry


def generation_work(store: Store, task_id: str, seed: str, actor: str) -> Callable[[Job], int]:
    """The job body: read the registry from the store, draw and schedule, save a draft."""

    def work(job: Job) -> int:
        with store.session() as session:
            row = session.get(TaskRow, task_id)
            if row is None:
                raise JianguanError(f"任务 {task_id} 不存在。", f"Task {task_id} does not exist.")
            task = Task.model_validate(row.spec)
            prior = approved_counts_in(session, task)
        job.say("读取名录库 …")
        enterprises = decided_enterprises(store, task.period.start)
        officers = load_officers(store)
        job.say(f"名录库：{len(enterprises)} 家企业，{len(officers)} 名执法人员")
        document = generate_plan(
            enterprises,
            officers,
            task,
            seed,
            prior_counts=prior,
            settings=PlanSettings(processes=1),
            progress=job.say,
        )
        with store.session() as session:
            plan = save_draft(session, task, document, actor)
            plan_id = plan.id
        job.say(f"计划已保存（编号 {plan_id}），等待审批")
        return plan_id

    return work
