"""The inspection planner (双随机、一公开): verifiable draw, CP-SAT days, min-cost-flow teams.

Pipeline (`planner.generate_plan`): `task_file` (task.yaml) → `work_calendar` (working,
holiday, 调休 and quiet days) → `draw` (formats.md §3, HMAC ranks, exact ratios) →
`officer_pool` (qualified officers, regions by city) → `region_solver`: per region, domains
(calendar, leave, recusals, annual cap) → `day_model` (CP-SAT over classes of interchangeable
enterprises, seeded PRF weights → unique optimum) → per department of the region
(`department_staffing`, independent once days are fixed) `team_flow` (exact min-cost flow per
day on district pools) → repair rounds; the pieces run on a `work_pool` (this process, local
processes or Dask), results in input order → `plan_document` (canonical plan.json, quality,
constraint table). `verify` re-checks a plan on its own code path; `replan`, `lifecycle` and
`publication` cover the plan's life in the store and 一公开.
"""
