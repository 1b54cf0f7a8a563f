"""Plan generation jobs as the plan pages see them (the work: scheduler/plan_job.py).

A request enqueues the job with the request's session and returns; the browser polls the
job's row with htmx, through any web process.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from jianguan import audit, job_queue
from scheduler.plan_job import KIND, plan_inputs
from web.core.background_jobs import JobView, job_row_or_404, jobs_enqueued
from web.core.db_session import db


@dataclass
class Job(JobView):
    @property
    def task_id(self) -> str:
        return str(self.inputs["task_id"])

    @property
    def plan_id(self) -> int | None:
        return int(self.result["plan_id"]) if self.result else None


def start_generation(task_id: str, seed: str, actor: str) -> tuple[Job, bool]:
    """Queue generating a plan for `task_id`, or — while one is queued or running for it, in
    any process — return that job: a double submit must not draw and save two drafts. True
    when this call queued the job. Commits the request's session."""
    session = db()
    row, started = job_queue.enqueue(
        session,
        KIND,
        plan_inputs(task_id, seed),
        actor,
        exclusive_key=f"plan:{task_id}",
        same_work=lambda _running: True,
    )
    if started:  # who asked for which task, in the job's own transaction (not the seed)
        audit.record(session, actor, "plan.generate_queued", "task", task_id, None, {"job": row.id})
    session.commit()
    jobs_enqueued(current_app)
    return Job.of(row), started


def job_or_404(job_id: str) -> Job:
    return Job.of(job_row_or_404(KIND, job_id))
