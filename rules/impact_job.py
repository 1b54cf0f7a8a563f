"""A rule version's impact on the registry as a durable job (kind "impact").

Inputs {package_id, old_version, new_version, day, lang}; the result is the `Impact` as JSON.
`rules.impact.compare_versions` does the work (vector engine over the whole registry, then full
explanations for a few changed records); this module reads the versions and the registry from
the store and reports the steps.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from jianguan.errors import JianguanError
from jianguan.job_worker import JobContext
from jianguan.registry_store import load_enterprises
from rules.impact import compare_versions, rows_from_enterprises
from rules.package import Package
from rules.versions.in_force import find_version, package_of

KIND = "impact"
STEPS = 5  # registry, validate, old, new, samples: the progress bar's denominator


def impact_inputs(old: Package, new: Package, day: date, lang: str) -> dict[str, Any]:
    return {
        "package_id": new.id,
        "old_version": old.version,
        "new_version": new.version,
        "day": day.isoformat(),
        "lang": lang,
    }


def run_impact(job: JobContext) -> dict[str, Any]:
    """The whole registry in the store, old version against new on the job's day."""
    pid, lang = job.inputs["package_id"], job.inputs["lang"]
    day = date.fromisoformat(job.inputs["day"])
    packages = []
    with job.store.session() as session:
        for version in (job.inputs["old_version"], job.inputs["new_version"]):
            found = find_version(session, pid, version)
            if found is None:
                raise JianguanError(
                    f"规则包 {pid} 没有版本 {version}（可能已被删除）。",
                    f"Rule package {pid} has no version {version} (it may have been removed).",
                )
            packages.append(package_of(found))
    old, new = packages
    job.say("Reading the registry" if lang == "en" else "读取名录库")
    enterprises = load_enterprises(job.store)
    if not enterprises:
        raise JianguanError(
            "名录库为空：请先导入企业名录，再计算影响。",
            "The registry is empty: import enterprises first, then compute the impact.",
        )
    rows = rows_from_enterprises(enterprises, new.id, day)
    impact = compare_versions(old, new, rows, day, lang, samples=5, progress=job.say)
    return asdict(impact)
