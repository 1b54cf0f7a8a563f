"""Our direct kernel driver decides exactly as durable_rules' own Host does, and fails loudly."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import pytest
from durable import engine

from rules import durable_driver, durable_engine
from rules.bound import BoundPackage
from rules.registry import bound_at, load_packages, versions_of
from tests.rules.differential import AS_OF, typed_records


class _ReferenceHost(durable_engine._WhitelistHost):
    """durable_rules' documented path: Host.assert_fact running the whitelisted actions."""


def _via_host(bound: BoundPackage, facts: list[dict[str, Any]]) -> list[set[str]]:
    host = _ReferenceHost()
    host.allowed.update(r.id for r, _ in bound.rules)
    ruleset = durable_engine.compile_ruleset(bound)
    host.set_rulesets(copy.deepcopy(ruleset))
    name = next(iter(ruleset))
    out = []
    for k, fact in enumerate(facts):
        for attempt in range(3):
            sid = f"ref{k}-{attempt}"
            host.collector.clear()
            message = dict(fact)
            message["sid"] = sid
            message["rid"] = str(k)
            try:
                host.assert_fact(name, message)
            except engine.MessageNotHandledException:
                pass
            except engine.MessageObservedException:
                host.delete_state(name, sid)
                continue
            host.delete_state(name, sid)
            break
        assert not host.errors
        out.append(set(host.collector))
    return out


@pytest.mark.parametrize("package_id", sorted(load_packages()))
def test_driver_fires_the_same_rules_as_the_host(package_id: str) -> None:
    bound = bound_at(versions_of(package_id)[-1], AS_OF)
    values = typed_records(bound, 3000, seed=5)
    compiled = durable_engine.prepare(bound)
    facts = [durable_engine.make_fact(compiled, v) for v in values]
    ours = durable_engine.fire(bound, facts, [str(k) for k in range(len(facts))])
    reference = _via_host(bound, facts)
    assert len(ours) == len(reference) == len(values)
    mismatches = [k for k, (a, b) in enumerate(zip(ours, reference, strict=True)) if a != b]
    assert mismatches == []
    # the records exercise several rules and the no-rule case is not silently everything
    assert len({frozenset(s) for s in ours}) >= 3


def test_action_name_reads_compact_and_spaced_messages() -> None:
    assert durable_driver.action_name('{"r12":{"m":{"sid":"1"}}}') == "r12"
    assert durable_driver.action_name('{ "r3" : {"m": {}}}') == "r3"


def test_kernel_failure_names_the_record_and_leaves_no_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bound = bound_at(versions_of("credit-tier")[-1], AS_OF)
    compiled = durable_engine.prepare(bound)
    fact = durable_engine.make_fact(compiled, {"score": 95})
    monkeypatch.setattr(durable_driver, "encode", lambda message: "not json")
    with pytest.raises(durable_engine.EngineError, match="E-77"):
        durable_engine.fire(bound, [fact], ["E-77"])
    monkeypatch.undo()
    # far past the kernel's 1,024 live sessions: nothing leaked, every record still decides
    many = durable_engine.fire(bound, [fact] * 1500, [f"R{k}" for k in range(1500)])
    assert many == [{"a-score"}] * 1500


def test_unknown_rule_from_the_kernel_is_an_error() -> None:
    bound = bound_at(versions_of("credit-tier")[-1], AS_OF)
    compiled = durable_engine.prepare(bound)
    fact = durable_engine.make_fact(compiled, {"score": 95})
    with contextlib.ExitStack() as stack:
        stack.callback(compiled.rule_of.update, dict(compiled.rule_of))
        compiled.rule_of.clear()
        with pytest.raises(durable_engine.EngineError, match="未知规则"):
            durable_engine.fire(bound, [fact], ["x"])
    assert durable_engine.fire(bound, [fact], ["x"]) == [{"a-score"}]


def test_facts_are_sent_as_the_same_json_values_the_host_sends() -> None:
    fact = {"__one": 1, "harm": "轻微", "code": 'a"b\\c', "n": -3, "big": 10**9, "flag__p": 0}
    text = durable_driver.encode(fact)
    assert json.loads(text) == json.loads(json.dumps(fact, ensure_ascii=False))
    assert "轻微" in text  # not \u-escaped, as the Host sends it
    assert durable_driver.encode("R-1") == '"R-1"'
