"""Run the test cases that live beside the rules, on both engines."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from rules.decision import ENGINES, decide_records
from rules.package import Package


@dataclass(frozen=True)
class TestResult:
    package: str
    version: str
    path: str
    name: str
    engine: str
    passed: bool
    problem_zh: str
    problem_en: str


def run_package_tests(package: Package) -> list[TestResult]:
    out: list[TestResult] = []
    for test in package.model.tests:
        as_of = test.as_of or package.effective_from
        # This version alone (no Art. 37 across versions), as if in force on the test's date:
        # a new version's tests are often dated before it takes effect, and a draft is tested
        # the same whether it was read from a file or typed in the browser.
        version = as_if_in_force(package, as_of)
        for engine in ENGINES:
            got = decide_records(
                package.id, [dict(test.input)], as_of=as_of, engine=engine, versions=[version]
            )[0]
            zh, en = _compare(test.expect.model_dump(exclude_none=True), got)
            out.append(
                TestResult(
                    package.id,
                    package.version,
                    package.path,
                    test.name,
                    engine,
                    not zh,
                    "；".join(zh),
                    "; ".join(en),
                )
            )
    return out


def as_if_in_force(package: Package, day: date) -> Package:
    header = package.model.package
    if header.effective_from <= day and (header.effective_to is None or day <= header.effective_to):
        return package
    moved = header.model_copy(update={"effective_from": day, "effective_to": None})
    return dataclasses.replace(package, model=package.model.model_copy(update={"package": moved}))


def _compare(expect: dict[str, Any], got: dict[str, Any]) -> tuple[list[str], list[str]]:
    zh: list[str] = []
    en: list[str] = []
    if expect.get("error"):
        if "error" not in got:
            zh.append(f"应判为错误，实际结论为 {got.get('outcome')}")
            en.append(f"expected an error, got outcome {got.get('outcome')}")
        return zh, en
    if "error" in got:
        return [f"意外错误：{got['error']}"], [f"unexpected error: {got['error']}"]
    if "outcome" in expect and got.get("outcome") != expect["outcome"]:
        zh.append(f"结论应为 {expect['outcome']}，实际为 {got.get('outcome')}")
        en.append(f"outcome should be {expect['outcome']}, got {got.get('outcome')}")
    for key in ("rules", "lists"):
        if key in expect and sorted(expect[key]) != sorted(got.get(key) or []):
            zh.append(f"{key} 应为 {sorted(expect[key])}，实际为 {sorted(got.get(key) or [])}")
            en.append(f"{key} should be {sorted(expect[key])}, got {sorted(got.get(key) or [])}")
    if "sampling_ratio" in expect and got.get("sampling_ratio") != expect["sampling_ratio"]:
        zh.append(f"抽查比例应为 {expect['sampling_ratio']}，实际为 {got.get('sampling_ratio')}")
        en.append(
            f"sampling_ratio should be {expect['sampling_ratio']}, got {got.get('sampling_ratio')}"
        )
    return zh, en
