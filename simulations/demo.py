"""The ready-made comparison `make demo` shows: simulations/demo_scenario.yaml, run locally."""

from __future__ import annotations

from pathlib import Path

from scheduler.canonical_json import canonical_bytes
from simulations.commands import progress_bar
from simulations.report import write_report
from simulations.runner import run_scenario
from simulations.scenario_file import read_scenario

DEMO_SCENARIO = Path(__file__).with_name("demo_scenario.yaml")


def run_demo_comparison(out_dir: Path, lang: str = "zh", workers: int = 2) -> Path:
    """Run the demo scenarios (cached by scenario id) and write `sim-demo.json` with its charts
    and report into `out_dir`; returns the self-contained HTML report."""
    scenario = read_scenario(DEMO_SCENARIO)
    result = run_scenario(scenario, workers=workers, progress=progress_bar(lang))
    out = Path(out_dir) / "sim-demo.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(canonical_bytes(result))
    return write_report(result, out, lang)[-1]
