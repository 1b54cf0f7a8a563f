"""The simulated world: a synthetic registry as NumPy columns, plus what the model adds to it.

The enterprises and officers come from `simulations.synthetic_registry` (the same generator
as `jianguan registry generate`). The model adds one latent quantity per enterprise: its
propensity to be in violation, tilted by the registry's risk indicators (unfiled reports,
lists, penalties, complaints, key-field licences) and calibrated so that a pure random draw
finds problems at the Changzhou rate (behaviour.RANDOM_DRAW_HIT_RATE). Officers enter only as
capacity: certified market-supervision officers per district, their daily caps and leave.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jianguan.config import instance_dir
from jianguan.registry_schema import Enterprise
from simulations.behaviour import RANDOM_DRAW_HIT_RATE
from simulations.synthetic_registry import (
    cache_enterprises_parquet,
    generate_enterprises,
    generate_officers,
)

LEAD_DEPARTMENT = "SCJG"  # market supervision draws, and inspects, in the simulated tasks
# Above this size the population is cached as Parquet in the instance folder.
PARQUET_CACHE_FROM = 50_000
# Assumed tilt of violation propensity (log-odds) per registry indicator; the direction
# follows the credit indicators of 国市监信发〔2022〕6号 (domain.md), the sizes are assumptions.
RISK_TILT = {
    "report_not_filed": 0.9,
    "abnormal_list": 0.8,
    "serious_dishonest_list": 1.2,
    "penalty": 0.5,  # per penalty in 3 years, up to 3
    "complaint": 0.4,  # per substantiated complaint, up to 3
    "high_risk_licence": 0.3,
    "idiosyncratic_sd": 1.0,
}


@dataclass(frozen=True, slots=True)
class Officers:
    """Certified lead-department officers, reduced to what capacity needs."""

    district_idx: np.ndarray  # int32, into Population.districts
    own_cap: np.ndarray  # int32, 0 = the task's cap applies
    leave_officer: np.ndarray  # int64 index into the arrays above, one row per leave day
    leave_day: np.ndarray  # datetime64[D]

    @property
    def count(self) -> int:
        return int(self.district_idx.size)


@dataclass(frozen=True)
class Population:
    table: pa.Table  # enterprises.csv columns (formats.md §1)
    districts: tuple[str, ...]
    district_idx: np.ndarray  # int32
    columns: dict[str, np.ndarray]  # the rule packages' input columns
    propensity_logit: np.ndarray  # float64, before calibration shift
    key_quarter: np.ndarray  # int8 0–3: the quarter a key-supervision firm is inspected in
    officers: Officers
    # Calibrated prevalence per detection probability: a bisection over every enterprise is
    # worth doing once per population, not once per run.
    _prevalence: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def prevalence(self, detection_probability: float) -> np.ndarray:
        if detection_probability not in self._prevalence:
            self._prevalence[detection_probability] = calibrated_prevalence(
                self.propensity_logit, detection_probability
            )
        return self._prevalence[detection_probability]

    @property
    def size(self) -> int:
        return int(self.district_idx.size)

    @functools.cached_property
    def records(self) -> list[Enterprise]:
        """The enterprises as registry records, for the exact draw (small runs only)."""
        return [Enterprise(**row) for row in self.table.to_pylist()]

    @functools.cached_property
    def index_of(self) -> dict[str, int]:
        return {str(eid): i for i, eid in enumerate(self.table.column("id").to_pylist())}


def _bool(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(pc.fill_null(table.column(name), False).to_numpy(), dtype=bool)


def _int(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(pc.fill_null(table.column(name), 0).to_numpy(), dtype=np.int64)


def rule_columns(table: pa.Table) -> dict[str, np.ndarray]:
    """enterprises.csv columns as NumPy arrays, the vector engine's input."""
    # name/district/industry are optional for the packages and unused by their rules; leaving
    # them out spares the engine a million-string conversion each quarter.
    return {
        "established_on": np.asarray(
            table.column("established_on").to_numpy(zero_copy_only=False), dtype="datetime64[D]"
        ),
        "annual_report_filed": _bool(table, "annual_report_filed"),
        "abnormal_list": _bool(table, "abnormal_list"),
        "serious_dishonest_list": _bool(table, "serious_dishonest_list"),
        "penalties_3y": _int(table, "penalties_3y"),
        "complaints_12m": _int(table, "complaints_12m"),
        "high_risk_licence": _bool(table, "high_risk_licence"),
    }


def _propensity(cols: dict[str, np.ndarray], seed: int) -> np.ndarray:
    t = RISK_TILT
    noise = np.random.default_rng(np.random.SeedSequence([seed, 0x52534B])).standard_normal(
        cols["penalties_3y"].size
    )
    return (
        t["report_not_filed"] * ~cols["annual_report_filed"]
        + t["abnormal_list"] * cols["abnormal_list"]
        + t["serious_dishonest_list"] * cols["serious_dishonest_list"]
        + t["penalty"] * np.minimum(cols["penalties_3y"], 3)
        + t["complaint"] * np.minimum(cols["complaints_12m"], 3)
        + t["high_risk_licence"] * cols["high_risk_licence"]
        + t["idiosyncratic_sd"] * noise
    )


def calibrated_prevalence(logit: np.ndarray, detection_probability: float) -> np.ndarray:
    """Per-enterprise probability of being in violation, shifted so that a pure random draw
    (every enterprise equally likely) finds problems at RANDOM_DRAW_HIT_RATE."""
    target = min(RANDOM_DRAW_HIT_RATE.value / detection_probability, 0.99)
    lo, hi = -20.0, 20.0
    for _ in range(60):  # bisection: mean prevalence rises monotonically with the shift
        mid = (lo + hi) / 2
        if (1.0 / (1.0 + np.exp(-(logit + mid)))).mean() < target:
            lo = mid
        else:
            hi = mid
    result: np.ndarray = 1.0 / (1.0 + np.exp(-(logit + (lo + hi) / 2)))
    return result


def _officers(
    n_officers: int, seed: int, ids: Sequence[str], districts: Sequence[str] | None, year: int
) -> pa.Table:
    staff = generate_officers(n_officers, seed, ids, districts, start=date(year, 1, 1))
    keep = pc.and_(
        pc.equal(staff.column("department"), LEAD_DEPARTMENT),
        pc.not_equal(staff.column("certificate"), ""),
    )
    return staff.filter(keep)


def _key_quarters(seed: int, n: int) -> np.ndarray:
    """Each firm's quarter for its annual key-supervision inspection, spread evenly."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x4B4559]))  # "KEY"
    return rng.integers(0, 4, size=n).astype(np.int8)


@functools.lru_cache(maxsize=4)
def load_population(
    enterprises: int,
    officers: int,
    seed: int,
    districts: tuple[str, ...] | None,
    year: int,
) -> Population:
    """The population for a scenario's `population` block; cached per process, and as
    Parquet in the instance folder when large, so workers regenerate nothing twice."""
    wanted = list(districts) if districts else None
    if enterprises >= PARQUET_CACHE_FROM:
        name = f"enterprises-{enterprises}-{seed}-{'_'.join(wanted or ['all'])}.parquet"
        table = cache_enterprises_parquet(
            instance_dir() / "simulations" / "populations" / name, enterprises, seed, wanted
        )
    else:
        table = generate_enterprises(enterprises, seed, wanted)
    district_codes, district_idx = np.unique(
        np.asarray(table.column("district").to_numpy(zero_copy_only=False)), return_inverse=True
    )
    codes = tuple(str(c) for c in district_codes)
    position = {c: i for i, c in enumerate(codes)}

    staff = _officers(officers, seed, table.column("id").to_pylist(), wanted, year)
    # Officers of a district with no enterprise in the population have nothing to inspect here.
    officer_districts = [position.get(str(d), -1) for d in staff.column("district").to_pylist()]
    caps = pc.fill_null(staff.column("max_per_day"), 0).to_numpy()
    leave_lists = staff.column("unavailable").to_pylist()
    leave_officer = np.repeat(np.arange(len(leave_lists)), [len(x) for x in leave_lists])
    leave_day = np.array([d for days in leave_lists for d in days], dtype="datetime64[D]")
    cols = rule_columns(table)
    return Population(
        table=table,
        districts=codes,
        district_idx=district_idx.astype(np.int32),
        columns=cols,
        propensity_logit=_propensity(cols, seed),
        key_quarter=_key_quarters(seed, district_idx.size),
        officers=Officers(
            district_idx=np.asarray(officer_districts, dtype=np.int32),
            own_cap=np.asarray(caps, dtype=np.int32),
            leave_officer=leave_officer.astype(np.int64),
            leave_day=leave_day,
        ),
    )
