"""Simulation jobs as the simulation pages see them (the work: simulations/sim_job.py).

A request validates the scenario, queues the job and returns; the browser polls the job's row
with htmx, through any web process. Results land in the simulations cache under their scenario
id as soon as a run ends.

The web's workers are not a compute cluster: sizes are capped (`check_size`) and one
simulation runs at a time over all processes; bigger studies go to `jianguan sim run` (with
`--cluster` if need be).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from jianguan import job_queue
from jianguan.errors import JianguanError
from jianguan.models import JobRow
from simulations.runner import uses_exact_draw
from simulations.scenario_file import ScenarioFile
from simulations.sim_job import KIND, simulation_inputs
from web.core.background_jobs import JobView, job_row_or_404

# Limits for runs started from the browser. The time a run takes is estimated from its size
# with figures measured on a 2-core machine (benchmarks/sim_web_limits.py prints them next to
# measured times): a fixed cost per variant and quarter (rule packages, calendars, capacity)
# plus a cost per enterprise and quarter, five times higher with the exact HMAC draw (used up
# to `exact_draw_limit` enterprises) than with the seeded sampler.
MAX_ENTERPRISES = 200_000  # bounds memory
MAX_REPLICATIONS = 50
MAX_VARIANTS = 8
MAX_SECONDS = 30.0
SECONDS_PER_VARIANT_QUARTER = 0.005
SECONDS_PER_ENTERPRISE_QUARTER = {True: 5e-6, False: 1e-6}  # exact draw?


class SimulationTooLargeError(JianguanError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(
            f"情景过大，无法在网页中运行：{what_zh}。网页上的模拟与网站共用一台服务器，过大的运行"
            "会使网站停止响应；请缩小规模，或在命令行运行 jianguan sim run 情景文件.yaml"
            "（可加 --cluster 使用 Dask 集群）。",
            f"The scenario is too large to run in the browser: {what_en}. Simulations started "
            "here share the web server, and a run this size would stop it responding; make it "
            "smaller, or run it from the command line with `jianguan sim run SCENARIO.yaml` "
            "(add --cluster for a Dask cluster).",
        )


class SimulationBusyError(JianguanError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"另一项模拟（{name}）正在运行；服务器一次只运行一项模拟，请等它结束后再试。",
            f"Another simulation ({name}) is running; the server runs one at a time. Try again "
            "when it has finished.",
        )


def estimated_seconds(scenario: ScenarioFile) -> float:
    """Roughly how long the run takes in one process (one core of the test machine)."""
    variant_quarters = scenario.periods * scenario.replications * (1 + len(scenario.scenarios))
    per_enterprise = SECONDS_PER_ENTERPRISE_QUARTER[uses_exact_draw(scenario)]
    return variant_quarters * (
        SECONDS_PER_VARIANT_QUARTER + scenario.population.enterprises * per_enterprise
    )


def check_size(scenario: ScenarioFile) -> None:
    """Refuse, with the reason and the way out, a run too large for the web server."""
    pop = scenario.population.enterprises
    if pop > MAX_ENTERPRISES:
        raise SimulationTooLargeError(
            f"企业数 {pop:,} 超过网页上限 {MAX_ENTERPRISES:,}",
            f"{pop:,} enterprises exceed the browser limit of {MAX_ENTERPRISES:,}",
        )
    if scenario.replications > MAX_REPLICATIONS:
        raise SimulationTooLargeError(
            f"重复次数 {scenario.replications} 超过网页上限 {MAX_REPLICATIONS}",
            f"{scenario.replications} replications exceed the browser limit of {MAX_REPLICATIONS}",
        )
    variants = 1 + len(scenario.scenarios)
    if variants > MAX_VARIANTS:
        raise SimulationTooLargeError(
            f"基准加情景共 {variants} 个，超过网页上限 {MAX_VARIANTS}",
            f"{variants} variants (baseline and scenarios) exceed the browser limit of "
            f"{MAX_VARIANTS}",
        )
    seconds = estimated_seconds(scenario)
    if seconds > MAX_SECONDS:
        raise SimulationTooLargeError(
            f"按企业数、季度数、重复次数和方案数估计需要约 {seconds:.0f} 秒，超过网页上限 "
            f"{MAX_SECONDS:.0f} 秒",
            f"from its enterprises, quarters, replications and variants it would take about "
            f"{seconds:.0f} s, over the browser limit of {MAX_SECONDS:.0f} s",
        )


EXCLUSIVE_KEY = "simulation"


@dataclass
class SimulationJob(JobView):
    @property
    def kind(self) -> str:  # "run" or "reproduce"
        return str(self.inputs["mode"])

    @property
    def scenario_id(self) -> str:
        return str(self.inputs["scenario_id"])

    @property
    def name(self) -> str:
        return str(self.inputs["name"])

    @property
    def estimate_s(self) -> float:
        return float(self.inputs["estimate_s"])

    @property
    def cached(self) -> bool:  # the result was already in the cache: nothing was recomputed
        return bool(self.result and self.result.get("cached"))

    @property
    def identical(self) -> bool | None:  # for "reproduce": the re-run matched the stored one
        return self.result.get("identical") if self.result else None

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def running(session: Session) -> SimulationJob | None:
    row = job_queue.active(session, KIND)
    return SimulationJob.of(row) if row is not None else None


def start_simulation(
    session: Session, mode: str, scenario: ScenarioFile, lang: str, actor: str
) -> SimulationJob:
    """Queue a run (or a re-run) in the caller's session; refused while another simulation
    is queued or running in any process. The caller records the start and commits."""
    inputs = simulation_inputs(mode, scenario, lang, estimated_seconds(scenario))
    try:
        row, _ = job_queue.enqueue(
            session, KIND, inputs, actor, exclusive_key=EXCLUSIVE_KEY, total=scenario.replications
        )
    except job_queue.JobBusyError as err:
        busy: JobRow = err.busy
        raise SimulationBusyError(str(busy.inputs.get("name", busy.id))) from err
    return SimulationJob.of(row)


def job_or_404(job_id: str) -> SimulationJob:
    return SimulationJob.of(job_row_or_404(KIND, job_id))
