"""The shipped rule packages and their effective-dated versions, loaded once per process."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from rules.bound import BoundPackage, bind_package
from rules.issues import RuleFileError, RuleIssue, RulesError
from rules.loader import package_files, try_load_file
from rules.package import Package

_CACHE: dict[tuple[str, ...], dict[str, list[Package]]] = {}
_BOUND: dict[tuple[str, str, str], BoundPackage] = {}


def load_packages(paths: Iterable[str | Path] | None = None) -> dict[str, list[Package]]:
    """Every package id → its versions, oldest first. Raises RuleFileError on any problem."""
    files = package_files(paths)
    key = tuple(str(f) for f in files) + tuple(
        str(f.stat().st_mtime_ns) if f.exists() else "" for f in files
    )
    if key in _CACHE:
        return _CACHE[key]
    issues: list[RuleIssue] = []
    found: dict[str, list[Package]] = {}
    for f in files:
        package, problems = try_load_file(f)
        issues.extend(problems)
        if package is not None:
            found.setdefault(package.id, []).append(package)
    for versions in found.values():
        versions.sort(key=lambda p: p.effective_from)
        for older, newer in itertools.pairwise(versions):
            if older.effective_from == newer.effective_from:
                issues.append(
                    RuleIssue(
                        newer.path,
                        1,
                        f"与 {older.path} 的 effective_from 相同；同一规则包的各版本生效日必须不同。",
                        f"same effective_from as {older.path}; versions of one "
                        "package need distinct dates.",
                    )
                )
    if issues:
        raise RuleFileError(issues)
    _CACHE[key] = found
    return found


def versions_of(package_id: str, paths: Iterable[str | Path] | None = None) -> list[Package]:
    packages = load_packages(paths)
    if package_id not in packages:
        known = "、".join(sorted(packages))
        raise RulesError(
            f"未知规则包「{package_id}」；现有：{known}。",
            f"unknown rule package '{package_id}'; available: {', '.join(sorted(packages))}.",
        )
    return packages[package_id]


def version_at(versions: list[Package], day: date) -> Package | None:
    """The version in force on `day` (the latest that started on or before it)."""
    current = None
    for p in versions:
        if p.effective_from <= day and (p.effective_to is None or day <= p.effective_to):
            current = p
    return current


def bound_at(
    package: Package, as_of: date, overrides: dict[str, Any] | None = None
) -> BoundPackage:
    """Bind with caching: the same content, date and overrides give the same engine ruleset."""
    import json

    okey = json.dumps(overrides or {}, sort_keys=True, default=str)
    key = (package.sha256, as_of.isoformat(), okey)
    bound = _BOUND.get(key)
    if bound is None:
        bound = bind_package(package, as_of, overrides)
        if len(_BOUND) > 256:
            _BOUND.clear()
        _BOUND[key] = bound
    return bound
