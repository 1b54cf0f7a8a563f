"""Tiny scenario texts for simulation tests (seconds, not minutes)."""

from __future__ import annotations

from simulations.scenario_file import ScenarioFile, parse_scenario

TINY = """\
name: tiny
population: {enterprises: 600, officers: 30, seed: 3, districts: ["3601"]}
periods: 2
replications: 3
seed: 11
baseline:
  sampling: {A: 0.03, B: 0.05, C: 0.2, D: 0.4}
  d_tier_key_supervision: false   # D firms sampled at the D ratio, not all key supervision
scenarios:
  - name: same
  - name: same-written-out
    overrides: {sampling: {A: 0.03}, first_offence_leniency: true, officers_scale: 1.0}
  - name: D-all
    overrides: {sampling: {D: 1.0}}
  - name: no-officers
    overrides: {officers_scale: 0}
  - name: no-leniency
    overrides: {first_offence_leniency: false}
"""


def tiny(**changes: object) -> ScenarioFile:
    scenario = parse_scenario(TINY, "tiny.yaml")
    return scenario.model_copy(update=changes) if changes else scenario
