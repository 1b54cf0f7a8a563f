"""Our layer around durable_rules keeps the kernel away from its measured traps."""

from __future__ import annotations

from datetime import date

import pytest

from rules import durable_engine
from rules.registry import bound_at, versions_of

AS_OF = date(2026, 6, 30)


def test_compiled_json_names_rules_by_id_and_never_uses_id_fields() -> None:
    bound = bound_at(versions_of("penalty-exemption")[-1], AS_OF)
    ruleset = durable_engine.compile_ruleset(bound)
    [(name, rules)] = ruleset.items()
    assert name.startswith("penalty_exemption_v" + bound.package.version.replace(".", "_") + "_")
    runs = sorted(r["run"] for r in rules.values())
    assert all(r.startswith("emit|") for r in runs)
    assert "emit|art33-2-no-fault" in runs
    text = str(ruleset)
    assert "'id'" not in text and "$nex" not in text and "$ex" not in text


def test_ruleset_name_changes_with_parameters() -> None:
    package = versions_of("penalty-exemption")[-1]
    a = bound_at(package, AS_OF)
    b = bound_at(package, AS_OF, {"first_offence_leniency": False})
    assert durable_engine.ruleset_name(a) != durable_engine.ruleset_name(b)


def test_unlisted_action_is_refused() -> None:
    host = durable_engine._get_host()
    with pytest.raises(durable_engine.EngineError):
        host.get_action("emit|not-a-rule")
    with pytest.raises(durable_engine.EngineError):
        host.get_action("os.system|rm")


def test_action_errors_are_surfaced() -> None:
    bound = bound_at(versions_of("supervision")[-1], AS_OF)
    compiled = durable_engine.prepare(bound)
    fact = durable_engine.make_fact(
        compiled,
        {
            "credit_tier": "D",
            "high_risk_licence": None,
            "abnormal_list": None,
            "serious_dishonest_list": None,
        },
    )
    host = durable_engine._get_host()
    host.errors.append(RuntimeError("boom"))
    with pytest.raises(durable_engine.EngineError, match="boom"):
        durable_engine.fire(bound, [fact], ["x"])
    assert durable_engine.fire(bound, [fact], ["x"]) == [{"key-d-tier", "random-pool"}]


def test_missing_values_are_always_encoded() -> None:
    bound = bound_at(versions_of("credit-tier")[-1], AS_OF)
    compiled = durable_engine.prepare(bound)
    fact = durable_engine.make_fact(compiled, {"score": 80})
    # every field a condition reads is present (a comparison on an absent field crashes
    # the kernel); absence is carried by the __p flag
    assert fact["serious_dishonest_list"] == -1 and fact["serious_dishonest_list__p"] == 0
