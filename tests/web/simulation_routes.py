"""The simulations area's rows of the route × role matrix (tests/web/test_access.py): (method,
path, roles allowed). Ids that do not exist keep the rows independent of state: planners run,
administrators may look; regulators and legal staff are refused."""

from __future__ import annotations

RUNNERS = frozenset({"planner"})
VIEWERS = frozenset({"planner", "admin"})
NO_RUN = "0" * 64  # a well-formed scenario id that is not in the cache

SIMULATION_ROUTES: list[tuple[str, str, frozenset[str] | None]] = [
    ("GET", "/simulations/", VIEWERS),
    ("POST", "/simulations/run", RUNNERS),
    ("POST", "/simulations/upload", RUNNERS),
    ("GET", "/simulations/jobs/nosuch", VIEWERS),
    ("GET", "/simulations/jobs/nosuch/status", VIEWERS),
    ("GET", f"/simulations/runs/{NO_RUN}", VIEWERS),
    ("GET", f"/simulations/runs/{NO_RUN}/result.json", VIEWERS),
    ("GET", f"/simulations/runs/{NO_RUN}/report.html", VIEWERS),
    ("GET", f"/simulations/runs/{NO_RUN}/scenario.yaml", VIEWERS),
    ("POST", f"/simulations/runs/{NO_RUN}/rerun", RUNNERS),
]
