"""The Python entry points other parts call (scheduler, simulations, web).

- `decide`: formats §5 decision dicts, with explanations, on either engine.
- `classify_enterprises`: credit tier + supervision for registry enterprises, vectorised.
- `evaluate_columns`: the bare vectorised evaluation for simulations (arrays in, arrays out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from jianguan.registry_schema import Enterprise
from rules import vector
from rules.decision import decide_records, explicit_versions
from rules.issues import RulesError
from rules.package import Package
from rules.registry import bound_at, version_at, versions_of
from rules.vector import VectorResult

__all__ = [
    "Classification",
    "VectorResult",
    "classify_enterprises",
    "decide",
    "evaluate_columns",
]


def decide(
    package_id: str,
    records: Sequence[Mapping[str, Any]],
    *,
    as_of: date | None = None,
    engine: str = "durable",
    lang: str = "zh",
    overrides: Mapping[str, Any] | None = None,
    versions: Sequence[Package] | None = None,
) -> list[dict[str, Any]]:
    """Decide records with a package; one dict per record, in order (formats §5).

    The version in force on `as_of` is taken from the shipped files, or from `versions` when
    given (the shipped files plus signed-off versions, as the web keeps them).
    """
    return decide_records(
        package_id,
        records,
        as_of=as_of,
        engine=engine,
        lang=lang,
        overrides=overrides,
        versions=versions,
    )


@dataclass(frozen=True)
class Classification:
    credit_tier: str
    key_supervision: bool
    lists: tuple[str, ...]
    sampling_ratio: str  # decimal text, e.g. "0.05"; "1" for key supervision
    yearly_cap: int | None


def _bound(
    package_id: str,
    as_of: date,
    overrides: Mapping[str, Any] | None,
    versions: Mapping[str, Sequence[Package]] | None = None,
) -> Any:
    given = (versions or {}).get(package_id)
    known = explicit_versions(package_id, given) if given else versions_of(package_id)
    package = version_at(known, as_of)
    if package is None:
        raise RulesError(
            f"规则包「{package_id}」在 {as_of.isoformat()} 没有生效的版本。",
            f"package '{package_id}' has no version in force on {as_of.isoformat()}.",
        )
    return bound_at(package, as_of, dict(overrides or {}))


def evaluate_columns(
    package_id: str,
    columns: Mapping[str, Any],
    *,
    as_of: date,
    overrides: Mapping[str, Any] | None = None,
    versions: Mapping[str, Sequence[Package]] | None = None,
) -> VectorResult:
    """Evaluate a package over columns (see `rules.vector.columns_from_arrays` for the types).

    The result holds `outcome` (object array of outcome ids), `fired` (rules × records) and
    `rule_ids`. Input validation (formats §5 error records) is the caller's job here.
    `versions` (package id → versions) replaces the shipped files, as in `decide`.
    """
    bound = _bound(package_id, as_of, overrides, versions)
    cols = vector.columns_from_arrays(bound, columns)
    return vector.run(bound, cols)


def _bool_column(values: list[bool | None]) -> np.ma.MaskedArray:
    data = np.array([bool(v) for v in values], dtype=bool)
    mask = np.array([v is None for v in values], dtype=bool)
    return np.ma.MaskedArray(data, mask=mask)


def _int_column(values: list[int | None]) -> np.ma.MaskedArray:
    data = np.array([v if v is not None else 0 for v in values], dtype=np.int64)
    mask = np.array([v is None for v in values], dtype=bool)
    return np.ma.MaskedArray(data, mask=mask)


def classify_enterprises(
    enterprises: Sequence[Enterprise],
    *,
    as_of: date,
    overrides: Mapping[str, Any] | None = None,
    versions: Mapping[str, Sequence[Package]] | None = None,
) -> list[Classification]:
    """Credit tier and supervision for each enterprise (vector engine).

    A `credit_tier` or `key_supervision` already given on the enterprise is taken as decided
    (formats §1); the packages decide the rest. `overrides` may change parameters, e.g.
    `{"sampling": {"D": "0.5"}}`. `versions` (package id → versions, e.g. shipped plus
    signed-off ones) replaces the shipped files for the packages it names.
    """
    if not enterprises:
        return []
    cols: dict[str, Any] = {
        "established_on": np.array([e.established_on for e in enterprises], dtype="datetime64[D]"),
        "annual_report_filed": _bool_column([e.annual_report_filed for e in enterprises]),
        "abnormal_list": _bool_column([e.abnormal_list for e in enterprises]),
        "serious_dishonest_list": _bool_column([e.serious_dishonest_list for e in enterprises]),
        "penalties_3y": _int_column([e.penalties_3y for e in enterprises]),
        "complaints_12m": _int_column([e.complaints_12m for e in enterprises]),
        "high_risk_licence": _bool_column([e.high_risk_licence for e in enterprises]),
    }
    tiers = evaluate_columns(
        "credit-tier", cols, as_of=as_of, overrides=overrides, versions=versions
    ).outcome
    given = np.array([e.credit_tier or "" for e in enterprises], dtype=object)
    tier = np.where(given != "", given, tiers).astype(str)
    sup_bound = _bound("supervision", as_of, overrides, versions)
    sup_cols = vector.columns_from_arrays(
        sup_bound,
        {
            "credit_tier": tier,
            "high_risk_licence": cols["high_risk_licence"],
            "abnormal_list": cols["abnormal_list"],
            "serious_dishonest_list": cols["serious_dishonest_list"],
        },
    )
    sup = vector.run(sup_bound, sup_cols)
    n = len(enterprises)
    list_hits = [
        (lid, vector.evaluate(cond, sup.columns, n)) for lid, _zh, _en, cond in sup_bound.lists
    ]
    ratios = sup_bound.params.get("sampling_ratio", {})
    caps = sup_bound.params.get("yearly_cap", {})
    out = []
    for k, e in enumerate(enterprises):
        key = bool(e.key_supervision) if e.key_supervision is not None else sup.outcome[k] == "key"
        t = str(tier[k])
        lists = [
            lid
            for lid, hits in list_hits
            if hits[k] and lid not in ("key_supervision", "random_pool")
        ]
        lists.insert(0, "key_supervision" if key else "random_pool")
        out.append(
            Classification(
                credit_tier=t,
                key_supervision=key,
                lists=tuple(lists),
                sampling_ratio="1" if key else str(ratios.get(t, "1")),
                yearly_cap=caps.get(t),
            )
        )
    return out
