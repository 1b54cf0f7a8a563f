"""Each registry column's cell parser (formats.md §1): the checks a value must pass, with a
bilingual message saying how to fix it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jianguan.cell_values import (
    CellError,
    parse_bool,
    parse_count,
    parse_date,
    parse_date_list,
    parse_list,
)
from jianguan.credit_code import check_credit_code
from jianguan.registry_schema import CREDIT_TIERS

_DISTRICT = re.compile(r"^\d{6}$")
# GB/T 4754-2017: a section letter A–T, optionally its 2-digit division, group or class.
_INDUSTRY = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")
_DEPARTMENT = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")


def _bad_district(text: str) -> tuple[str, str]:
    return (
        f"行政区划代码“{text}”应为 6 位数字（GB/T 2260），例如 360102",
        f"district '{text}' must be a 6-digit GB/T 2260 code, e.g. 360102",
    )


def _district(text: str) -> str:
    if not _DISTRICT.match(text):
        raise CellError.later(_bad_district, text)
    return text


def _bad_industry(text: str) -> tuple[str, str]:
    return (
        f"行业代码“{text}”不符合 GB/T 4754-2017，应为门类字母加 2–4 位数字，例如 F52",
        f"industry '{text}' is not a GB/T 4754-2017 code: a letter and 2–4 digits, e.g. F52",
    )


def _industry(text: str) -> str:
    code = text.upper()
    if not _INDUSTRY.match(code):
        raise CellError.later(_bad_industry, text)
    return code


def _bad_tier(text: str) -> tuple[str, str]:
    return (
        f"信用风险分类“{text}”应为 A、B、C 或 D，留空则由规则判定",
        f"credit tier '{text}' must be A, B, C or D; leave it empty to let the rules decide",
    )


def _tier(text: str) -> str:
    tier = text.upper()
    if tier not in CREDIT_TIERS:
        raise CellError.later(_bad_tier, text)
    return tier


def _bad_department(text: str) -> tuple[str, str]:
    return (
        f"部门代码“{text}”应为大写字母代码，例如 SCJG、SW、YJ",
        f"department '{text}' must be an upper-case code such as SCJG, SW, YJ",
    )


def _department(text: str) -> str:
    if not _DEPARTMENT.match(text):
        raise CellError.later(_bad_department, text)
    return text


def _bad_positive() -> tuple[str, str]:
    return (
        "每日上限必须大于 0；不能检查的人员请用 unavailable 填写日期",
        "the daily cap must be above 0; list dates an officer cannot work in 'unavailable'",
    )


def _positive(text: str) -> int:
    value = parse_count(text)
    if value == 0:
        raise CellError.later(_bad_positive)
    return value


def _bad_fields() -> tuple[str, str]:
    return (
        "执法领域不能为空，请用分号分隔填写，例如 food;quality",
        "fields must not be empty; write them ;-separated, e.g. food;quality",
    )


def _fields(text: str) -> tuple[str, ...]:
    fields = parse_list(text)
    if not fields:
        raise CellError.later(_bad_fields)
    return fields


Parser = Callable[[str], Any]

ENTERPRISE_PARSERS: dict[str, Parser] = {
    "id": check_credit_code,
    "name": str,
    "district": _district,
    "industry": _industry,
    "established_on": parse_date,
    "annual_report_filed": parse_bool,
    "abnormal_list": parse_bool,
    "serious_dishonest_list": parse_bool,
    "penalties_3y": parse_count,
    "complaints_12m": parse_count,
    "high_risk_licence": parse_bool,
    "credit_tier": _tier,
    "key_supervision": parse_bool,
}

OFFICER_PARSERS: dict[str, Parser] = {
    "id": str,
    "name": str,
    "department": _department,
    "district": _district,
    "certificate": str,
    "fields": _fields,
    "max_per_day": _positive,
    "unavailable": parse_date_list,
    "recusals": parse_list,
}
