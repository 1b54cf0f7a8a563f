"""How simulated enterprises behave, with the source of every number.

Every figure is a `Cited` value: where a published figure exists it is named; where none does
the value is marked an assumption, and the HTML report lists both, so nothing is assumed
silently. Scenarios may override the behaviour figures (`overrides.behaviour`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from simulations.scenario_file import BehaviourOverride


@dataclass(frozen=True, slots=True)
class Cited:
    value: float
    source: str
    assumption: bool


# Calibration targets (domain.md, "Numbers for simulation").
RANDOM_DRAW_HIT_RATE = Cited(
    0.20,
    "Changzhou 2017 pure random draw: ~20% of 97 firms inspected had problems (domain.md)",
    False,
)
NATIONAL_NONCONFORMING = Cited(
    0.123,
    "national product-quality sampling 2023: 12.3% nonconforming (domain.md); products, not "
    "firms, so it is used as a floor the random-draw hit rate must stay above",
    False,
)

DEFAULTS: dict[str, Cited] = {
    "detection_probability": Cited(
        0.8,
        "assumption: an on-site inspection finds an existing violation 4 times in 5 "
        "(anticipated inspections find 41% fewer, Makofske 2024, MPRA 121173: detection is "
        "imperfect; 双随机 visits are unannounced)",
        True,
    ),
    "self_correction_per_quarter": Cited(
        0.25,
        "assumption: an undetected violation ends on its own with probability 0.25 a quarter "
        "(mean duration one year, so most are found inside Art. 36's two-year limit)",
        True,
    ),
    "general_deterrence": Cited(
        0.5,
        "assumption: onset hazard × exp(−0.5 × (q − q₀)), q the tier's annual inspection "
        "probability seen last quarter, q₀ its starting value; direction per Makofske 2024 "
        "(MPRA 121173: detected violations 28% above baseline after monitoring lapsed)",
        True,
    ),
    "specific_deterrence_penalised": Cited(
        0.22,
        "Makofske 2020, Economics Letters 196: 17%–27% fewer demerits after a punishment; "
        "midpoint applied to the penalised firm's onset hazard for four quarters",
        False,
    ),
    "specific_deterrence_waived": Cited(
        0.11,
        "assumption: half the penalised effect when the penalty is waived (education is still "
        "required, 行政处罚法 Art. 33(3))",
        True,
    ),
    "leniency_moral_hazard": Cited(
        0.10,
        "assumption: first offenders' onset hazard +10% while 首违不罚 is applied; direction "
        "from domain.md (one locality withdrew leniency after violations rose)",
        True,
    ),
}

# Case facts drawn for each detected violation, fed to the penalty-exemption package.
CASE_SHARES: dict[str, Cited] = {
    "minor": Cited(0.55, "assumption: share of detected violations that are 轻微", True),
    "harm_none": Cited(0.50, "assumption: no harm (危害后果 none)", True),
    "harm_slight": Cited(0.35, "assumption: slight harm; the rest significant", True),
    "corrected_in_time": Cited(0.80, "assumption: corrected in time when ordered", True),
    "no_fault_proven": Cited(0.02, "assumption: party proves no subjective fault", True),
    "life_health_financial": Cited(
        0.30, "assumption: share of cases at high-risk-licence firms touching life/health", True
    ),
    "mitigating": Cited(0.20, "assumption: share with harm eliminated (Art. 32)", True),
}


@dataclass(frozen=True, slots=True)
class Behaviour:
    detection_probability: float
    self_correction_per_quarter: float
    general_deterrence: float
    specific_deterrence_penalised: float
    specific_deterrence_waived: float
    leniency_moral_hazard: float

    @classmethod
    def default(cls) -> Behaviour:
        return cls(**{name: cited.value for name, cited in DEFAULTS.items()})

    def merged(self, override: BehaviourOverride | None) -> Behaviour:
        if override is None:
            return self
        given = {f.name: getattr(override, f.name) for f in fields(self)}
        return replace(self, **{k: v for k, v in given.items() if v is not None})

    def sources(self) -> list[dict[str, Any]]:
        """Value, source and assumption flag of each figure, for the report."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            cited = DEFAULTS[f.name]
            changed = value != cited.value
            out.append(
                {
                    "name": f.name,
                    "value": value,
                    "source": "scenario override" if changed else cited.source,
                    "assumption": changed or cited.assumption,
                }
            )
        return out
