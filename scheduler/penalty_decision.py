"""The penalty-exemption decision for a finding, from the rules engine (rules.api).

The web layer only builds the case record from the form and stores what the engine says;
it never decides anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from jianguan.errors import JianguanError
from rules.versions.in_force import decide_in_force, in_force

PACKAGE = "penalty-exemption"
HARMS = ("none", "slight", "significant")
MITIGATING = ("eliminated_harm", "coerced", "confessed", "meritorious")
FOOD_STAGES = ("production", "sale", "catering")
# The conditions the SAMR list items add (formats §5 fields of the 2025 version), as ticked.
ITEM_FLAGS = (
    "food_safety_incident",
    "lasted_under_one_month",
    "licence_conditions_met",
    "licence_change_exception",
    "intentional",
    "caused_nonconformity",
    "source_explained",
)


@dataclass(frozen=True, slots=True)
class ListItem:
    code: str
    title: str
    list_title: str


class CaseError(JianguanError):
    """The finding cannot be turned into a case record."""


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str
    basis: list[str]
    rules: list[str]
    explanation: str
    package_version: str
    content_sha256: str
    as_of: date


def case_from_form(case_id: str, form: Any) -> dict[str, Any]:
    """A formats.md §5 penalty-exemption case from the result form's fields."""

    def flag(name: str) -> bool:
        return form.get(name) == "on"

    def day(name: str, required: bool = True) -> str | None:
        text = (form.get(name) or "").strip()
        if not text:
            if required:
                raise CaseError(f"请填写日期：{name}", f"Give the date: {name}")
            return None
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise CaseError(
                f"日期格式应为 YYYY-MM-DD：{name}", f"Dates are YYYY-MM-DD: {name}"
            ) from None

    harm = form.get("harm", "")
    if harm not in HARMS:
        raise CaseError("请选择危害后果。", "Choose the harm caused.")
    record: dict[str, Any] = {
        "id": case_id,
        "minor": flag("minor"),
        "harm": harm,
        "corrected_in_time": flag("corrected_in_time"),
        "no_fault_proven": flag("no_fault_proven"),
        "occurred_on": day("occurred_on"),
        "discovered_on": day("discovered_on"),
        "life_health_financial_safety": flag("life_health_financial_safety"),
        "mitigating": [m for m in MITIGATING if flag(f"mitigating_{m}")],
    }
    # The enterprise's last same-kind violation decides the first offence (two years back
    # from the conduct); the box, when ticked, is checked against it. Unticked with no date
    # given means "not a first offence", as before.
    prior = day("prior_same_violation_on", required=False)
    if prior:
        record["prior_same_violation_on"] = prior
    if flag("first_offence") or not prior:
        record["first_offence"] = flag("first_offence")
    ended = day("ended_on", required=False)
    if ended:
        record["ended_on"] = ended
    code = (form.get("violation_code") or "").strip()
    if code:
        record["violation_code"] = code
        for name in ITEM_FLAGS:
            record[name] = flag(name)
        stage = form.get("food_stage") or ""
        if stage:
            if stage not in FOOD_STAGES:
                raise CaseError("请选择食品生产经营环节。", "Choose the food chain stage.")
            record["food_stage"] = stage
        value = (form.get("goods_value_yuan") or "").strip()
        if value:
            if not value.isdigit():
                raise CaseError(
                    "违法货值金额应为不小于 0 的整数（元）。",
                    "The value of the goods is a whole number of yuan, 0 or more.",
                )
            record["goods_value_yuan"] = int(value)
    return record


def list_items(session: Session, day: date | None = None) -> list[ListItem]:
    """The 首违不罚 / 轻微免罚 list items of the version in force, for the form's choice."""
    package = in_force(session, PACKAGE, day or date.today())
    if package is None:
        return []
    return [
        ListItem(row.code, row.title_zh or row.code, table.title_zh)
        for table in package.model.tables.values()
        for row in table.rows
    ]


def decide_case(session: Session, record: dict[str, Any], lang: str = "zh") -> Outcome:
    """Decide with the version in force today, counting versions signed off in the browser from
    their effective date (Art. 37 then compares with the version in force at the conduct, as
    for shipped files)."""
    answers = decide_in_force(session, PACKAGE, [record], lang=lang)
    answer = answers[0]
    if answer.get("error"):
        raise CaseError(
            f"案件信息有误：{answer['error']}", f"The case is invalid: {answer['error']}"
        )
    return Outcome(
        str(answer["outcome"]),
        [str(b) for b in answer.get("basis", [])],
        [str(r) for r in answer.get("rules", [])],
        str(answer.get("explanation", "")),
        str(answer.get("package_version", "")),
        str(answer.get("package_sha256", "")),
        date.fromisoformat(str(answer.get("as_of") or record["discovered_on"])),
    )
