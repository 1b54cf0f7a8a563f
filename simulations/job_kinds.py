"""Every kind of durable job, for the processes that run them (`jianguan worker`, the web's
in-process worker). Here because `simulations` is the one package below `web` that may reach
all three that do the work (rules, scheduler, simulations; docs/architecture.md)."""

from __future__ import annotations

from jianguan.job_worker import JobKind
from rules import impact_job
from scheduler import plan_job
from simulations import sim_job

KINDS: dict[str, JobKind] = {
    plan_job.KIND: JobKind(plan_job.run_plan, "生成计划", "generating the plan"),
    impact_job.KIND: JobKind(impact_job.run_impact, "计算影响", "computing the impact"),
    sim_job.KIND: JobKind(sim_job.run_simulation, "模拟运行", "simulating"),
}
