"""A scenario's id, and the cache of results stored under it.

The id is the SHA-256 of the canonical JSON of three things: the scenario file's content (as
validated, so formatting and comments do not matter), the content hash of every rule package
the model calls, and the code version (the package version plus a hash of the model's source
files). Same id, same result: a cached result is reused, and `reproduce(id)` reruns the stored
scenario and must give it again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import jianguan
from jianguan.config import instance_dir
from jianguan.errors import JianguanError
from scheduler.canonical_json import canonical_bytes, sha256_of
from simulations import rule_packages
from simulations.scenario_file import ScenarioFile

_ROOT = Path(__file__).resolve().parent.parent
# The source files whose behaviour a result depends on, besides the rule packages.
_MODEL_SOURCES = (
    "simulations/*.py",
    "scheduler/draw.py",
    "scheduler/work_calendar.py",
    "scheduler/task_file.py",
)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    digest = hashlib.sha256()
    for pattern in _MODEL_SOURCES:
        for path in sorted(_ROOT.glob(pattern)):
            digest.update(path.relative_to(_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{jianguan.__version__}+{digest.hexdigest()[:16]}"


def identity(scenario: ScenarioFile) -> dict[str, Any]:
    """Everything the id covers, as plain JSON data."""
    return {
        "scenario": scenario.canonical(),
        "rule_packages": rule_packages.package_hashes(),
        "code_version": code_version(),
    }


def scenario_id(scenario: ScenarioFile) -> str:
    return sha256_of(identity(scenario))


def cache_dir() -> Path:
    """Where results are kept; created by the first `store_result`, never by a look-up."""
    return instance_dir() / "simulations"


def cached_result(sid: str) -> dict[str, Any] | None:
    path = cache_dir() / sid / "result.json"
    if not path.exists():
        return None
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a damaged cache entry is recomputed, not trusted
    return loaded


def store_result(sid: str, scenario: ScenarioFile, result: dict[str, Any]) -> Path:
    folder = cache_dir() / sid
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.json").write_bytes(canonical_bytes(identity(scenario)))
    path = folder / "result.json"
    path.write_bytes(canonical_bytes(result))
    return path


class UnknownScenarioError(JianguanError):
    def __init__(self, sid: str) -> None:
        super().__init__(
            f"实例目录中没有编号为 {sid} 的情景；请先用 jianguan sim run 运行该情景文件",
            f"no scenario with id {sid} in the instance folder; run its file with "
            "`jianguan sim run` first",
        )


def stored_scenario(sid: str) -> ScenarioFile:
    path = cache_dir() / sid / "scenario.json"
    if not path.exists():
        raise UnknownScenarioError(sid)
    data = json.loads(path.read_text(encoding="utf-8"))
    return ScenarioFile.model_validate_json(json.dumps(data["scenario"]))
