"""Plan generation as a durable job (kind "plan"): inputs {task_id, seed}, result {plan_id}.

Run by any worker (jianguan/job_worker.py). The solver runs in the worker's process
(`processes=1`: a worker is one of several on a machine), or on the Dask cluster named by
`JIANGUAN_DASK` when set; the plan is the same for every setting (scheduler.planner). The draft is saved in the same transaction that marks the job
done, so a worker killed at any point leaves either no draft (the job is rerun, and the seeded
draw gives the same plan) or a done job with its one draft. The draft's server-side
verification (scheduler/stored_verification.py) is saved with it, and whatever `after_save`
keeps for the draft (the web renders its review page's plan part there: web/plans/
review_cache.py), in the same transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from jianguan.errors import JianguanError
from jianguan.job_worker import JobContext
from jianguan.models import PlanRow, TaskRow
from jianguan.registry_store import load_officers
from rules.versions.decided_registry import decided_enterprises
from scheduler.lifecycle import approved_counts_in, save_draft
from scheduler.planner import PlanSettings, generate_plan
from scheduler.stored_verification import inputs_version, store_answer, verification_of
from scheduler.task_file import Task

KIND = "plan"
DASK_ENV = "JIANGUAN_DASK"  # as scheduler/commands.py reads it

# Called with the draft in the job's transaction, before the job is marked done.
AfterSave = Callable[[Session, PlanRow], None]


def plan_inputs(task_id: str, seed: str) -> dict[str, Any]:
    return {"task_id": task_id, "seed": seed}


def run_plan(job: JobContext, after_save: AfterSave | None = None) -> dict[str, Any] | None:
    """Read the registry from the store, draw and schedule, save a draft."""
    store = job.store
    task_id, seed = job.inputs["task_id"], job.inputs["seed"]
    with store.session() as session:
        row = session.get(TaskRow, task_id)
        if row is None:
            raise JianguanError(f"任务 {task_id} 不存在。", f"Task {task_id} does not exist.")
        task = Task.model_validate(row.spec)
        # Before the inputs are read: a change after this moves the stored answer's key.
        version = inputs_version(session)
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
        settings=PlanSettings(processes=1, cluster=os.environ.get(DASK_ENV) or None),
        progress=job.say,
    )
    # Verified here, in the background, and stored with the draft: the first reviewers to open
    # its check (every web process shares the answer) do not wait seconds for it.
    # The checker re-derives the draw and every constraint from the same inputs the planner
    # read (reading them again cost a third of the job).
    job.say("核验计划 …")
    verification = verification_of(document, enterprises, officers, task, prior)
    if after_save is not None:
        job.say("保存计划，生成审核页面 …")  # here: no other session may write in the next
    with store.session() as session:
        plan = save_draft(session, task, document, job.started_by)
        session.flush()
        store_answer(session, plan, version, verification)
        if after_save is not None:
            after_save(session, plan)
        job.finish_in(session, {"plan_id": plan.id}, f"计划已保存（编号 {plan.id}），等待审批")
    return None
