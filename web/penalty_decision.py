"""The penalty-exemption decision for a finding, from the rules engine (rules.api).

The web layer only builds the case record from the form and stores what the engine says;
it never decides anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from jianguan.errors import JianguanError

PACKAGE = "penalty-exemption"
HARMS = ("none", "slight", "significant")
MITIGATING = ("eliminated_harm", "coerced", "confessed", "meritorious")


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
        "first_offence": flag("first_offence"),
        "no_fault_proven": flag("no_fault_proven"),
        "occurred_on": day("occurred_on"),
        "discovered_on": day("discovered_on"),
        "life_health_financial_safety": flag("life_health_financial_safety"),
        "mitigating": [m for m in MITIGATING if flag(f"mitigating_{m}")],
    }
    ended = day("ended_on", required=False)
    if ended:
        record["ended_on"] = ended
    code = (form.get("violation_code") or "").strip()
    if code:
        record["violation_code"] = code
    return record


def decide_case(record: dict[str, Any]) -> Outcome:
    try:
        from rules import api as rules_api
    except ImportError:
        raise CaseError(
            "规则引擎尚未安装（rules.api），暂不能判定是否免罚；结果已可单独录入。",
            "The rules engine (rules.api) is not installed; record the result without a case.",
        ) from None
    answers = rules_api.decide(PACKAGE, [record])
    answer = _as_dict(answers[0])
    if answer.get("error"):
        raise CaseError(
            f"案件信息有误：{answer['error']}", f"The case is invalid: {answer['error']}"
        )
    return Outcome(
        str(answer["outcome"]),
        [str(b) for b in answer.get("basis", [])],
        [str(r) for r in answer.get("rules", [])],
        str(answer.get("explanation", "")),
        str(answer.get("package_version", answer.get("version", ""))),
        str(answer.get("content_sha256", "")),
    )


def _as_dict(answer: Any) -> dict[str, Any]:
    if isinstance(answer, dict):
        return answer
    if hasattr(answer, "as_json"):
        result: dict[str, Any] = answer.as_json()
        return result
    from dataclasses import asdict, is_dataclass

    if is_dataclass(answer) and not isinstance(answer, type):
        return asdict(answer)
    raise CaseError(
        "规则引擎返回了无法识别的结果。", "The rules engine returned an unknown result."
    )
