"""Small registries and tasks for scheduler tests, built in code (valid credit codes)."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from stdnum.cn import uscc

from jianguan.registry_schema import ENTERPRISE_COLUMNS, OFFICER_COLUMNS, Enterprise, Officer
from scheduler.task_file import Task, parse_task

SEED = "9f1c" * 8


def credit_code(district: str, n: int) -> str:
    body = f"91{district}{n:09d}"[:17]
    body = f"91{district}" + f"{n:09d}"
    return body + uscc.calc_check_digit(body)


def enterprises(
    n: int,
    districts: Sequence[str] = ("360102",),
    tiers: Sequence[str] = ("A", "B", "C", "D"),
    key_every: int = 0,
    start: int = 0,
) -> list[Enterprise]:
    out = []
    for i in range(start, start + n):
        d = districts[i % len(districts)]
        out.append(
            Enterprise(
                id=credit_code(d, i),
                name=f"测试企业{i}",
                district=d,
                industry="F52",
                established_on=date(2015, 1, 1),
                credit_tier=tiers[i % len(tiers)],
                key_supervision=bool(key_every and i % key_every == 0),
            )
        )
    return out


def officers(
    n: int,
    department: str,
    fields: Sequence[str],
    districts: Sequence[str] = ("360102",),
    prefix: str | None = None,
    **extra: Any,
) -> list[Officer]:
    prefix = prefix or department
    return [
        Officer(
            id=f"{prefix}{i:04d}",
            name=f"执法人员{prefix}{i}",
            department=department,
            district=districts[i % len(districts)],
            certificate=f"CERT{prefix}{i}",
            fields=tuple(fields),
            **extra,
        )
        for i in range(n)
    ]


TASK: dict[str, Any] = {
    "id": "JX-TEST-2026-01",
    "title": "测试任务",
    "lead_department": "SCJG",
    "period": {"start": date(2026, 3, 1), "end": date(2026, 3, 31)},
    "items": [
        {"code": "SCJG-FOOD-01", "name": "食品经营检查", "department": "SCJG", "field": "food"},
        {"code": "SW-INV-01", "name": "发票管理检查", "department": "SW", "field": "tax"},
    ],
    "sampling": {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0},
    "key_supervision": "all",
    "officers_per_department": 2,
    "max_per_officer_per_day": 2,
    "calendar": {"holidays": [], "extra_workdays": [], "quiet_days_of_month": []},
}


def task(**overrides: Any) -> Task:
    data = {**TASK, **overrides}
    return parse_task(yaml.safe_dump(data, allow_unicode=True))


def task_yaml(path: Path, **overrides: Any) -> Path:
    path.write_text(yaml.safe_dump({**TASK, **overrides}, allow_unicode=True), encoding="utf-8")
    return path


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ";".join(_cell(v) for v in value)
    return str(value)


def write_registry(
    folder: Path, firms: Sequence[Enterprise], staff: Sequence[Officer]
) -> tuple[Path, Path]:
    e_path, o_path = folder / "enterprises.csv", folder / "inspectors.csv"
    with e_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(ENTERPRISE_COLUMNS)
        for e in firms:
            w.writerow([_cell(getattr(e, c)) for c in ENTERPRISE_COLUMNS])
    with o_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(OFFICER_COLUMNS)
        for o in staff:
            w.writerow([_cell(getattr(o, c)) for c in OFFICER_COLUMNS])
    return e_path, o_path


def shuffled(items: list[Any], seed: int) -> list[Any]:
    out = list(items)
    random.Random(seed).shuffle(out)
    return out
