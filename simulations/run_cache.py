"""The runs kept in the simulations cache: listing them, and the report files stored with them.

`scenario_id.store_result` writes `<instance>/simulations/<id>/result.json` (and the scenario
with its package hashes as `scenario.json`). This module reads that folder back for people
who did not start the run themselves: a list of past runs, newest first, and the HTML report
of a run, rendered once per language and kept next to its result.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from simulations.report import write_report
from simulations.scenario_file import ScenarioFile
from simulations.scenario_id import (
    UnknownScenarioError,
    cache_dir,
    cached_result,
    stored_scenario,
)

SCENARIO_ID = re.compile(r"[0-9a-f]{64}")
# matplotlib's pyplot keeps global state: two threads drawing at once mix their figures.
_DRAWING = threading.Lock()


@dataclass(frozen=True, slots=True)
class CachedRun:
    scenario_id: str
    name: str
    finished_at: datetime  # when result.json was written (UTC)
    variants: tuple[str, ...]  # "baseline" first
    replications: int
    periods: int


def is_scenario_id(text: str) -> bool:
    """Whether `text` can name a cache entry (64 lowercase hex digits): anything else is
    refused before it is used as a folder name."""
    return SCENARIO_ID.fullmatch(text) is not None


def _summary(sid: str, path: Path) -> CachedRun | None:
    try:
        result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        settings = result.get("settings", {})
        return CachedRun(
            scenario_id=sid,
            name=str(result["name"]),
            finished_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
            variants=("baseline", *result.get("scenarios", {}).keys()),
            replications=int(settings.get("replications", 0)),
            periods=int(settings.get("periods", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is left out of the list, as the runner ignores it


def list_runs(limit: int = 100) -> list[CachedRun]:
    """Cached runs, newest first (at most `limit`)."""
    folder = cache_dir()
    if not folder.is_dir():
        return []
    found = [
        (path.stat().st_mtime, entry.name, path)
        for entry in folder.iterdir()
        if is_scenario_id(entry.name) and (path := entry / "result.json").is_file()
    ]
    found.sort(reverse=True)
    runs = [_summary(sid, path) for _mtime, sid, path in found[:limit]]
    return [r for r in runs if r is not None]


def has_run(sid: str) -> bool:
    """Whether a run of this id is stored (without reading its result)."""
    return is_scenario_id(sid) and (cache_dir() / sid / "result.json").is_file()


def load_run(sid: str) -> dict[str, Any] | None:
    """The stored result.json of a run, or None (unknown or malformed id, damaged entry)."""
    return cached_result(sid) if is_scenario_id(sid) else None


def run_scenario_file(sid: str) -> ScenarioFile | None:
    """The scenario a run was made from, or None when it is not stored."""
    if not is_scenario_id(sid):
        return None
    try:
        return stored_scenario(sid)
    except (UnknownScenarioError, OSError, ValueError):
        return None


def scenario_yaml(scenario: ScenarioFile) -> str:
    """The scenario as a scenario.yaml a planner can edit and upload again (defaults and
    unset keys left out, so the file reads like one written by hand)."""
    data = scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def report_html(sid: str, lang: str) -> Path | None:
    """The self-contained HTML report of a cached run in `lang` ('zh' or 'en'), rendered on
    first use and kept in the run's folder; None when the run is not cached."""
    result = load_run(sid)
    if result is None:
        return None
    lang = "en" if lang == "en" else "zh"
    base = cache_dir() / sid / f"report-{lang}.json"  # write_report names its files after this
    page = base.with_suffix(".html")
    if not page.is_file():
        with _DRAWING:
            if not page.is_file():
                write_report(result, base, lang)
    return page
