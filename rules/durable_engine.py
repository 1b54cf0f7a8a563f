"""durable_rules as a matching kernel behind our own layer (design.md, measured pitfalls).

- Rule files never contain code: every action is `emit|<rule id>`, and registration refuses
  any other name (a whitelist of one-parameter, record-only callables: a second parameter
  would make the engine wait for a completion callback). `fire` drives the kernel through
  `rules.durable_driver`, which reads the fired rule from the action message itself: no
  action code runs while deciding.
- Ruleset names carry the package id and a hash of its content and parameter values, since a
  name cannot be registered twice.
- Facts, not events, so that every applicable rule fires; precedence is ours (`explain`).
- One session id per record, deleted after deciding (the kernel allows 1,024 live ids).
- One process-wide lock: the kernel segfaults under concurrent posts.
- No field named `id` reaches the kernel (it hangs); records carry `rid`. Dates are integer
  days. Every referenced field is always present in the fact (a comparison on an absent
  field crashes the kernel), with a `__p` presence flag beside it.
"""

from __future__ import annotations

import contextlib
import copy
import re
import threading
from collections.abc import Sequence
from typing import Any

from durable import engine

from rules import durable_driver
from rules.bound import BoundPackage
from rules.conditions import All, Always, AnyOf, Atom, Cond, FieldRef, TableRef, atoms_of
from rules.issues import RulesError

_LOCK = threading.RLock()
_CMP = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_NEG_CMP = {"lt": "$gte", "le": "$gt", "gt": "$lte", "ge": "$lt"}


class EngineError(RulesError):
    """The matching kernel failed; the decision cannot be trusted."""


class _WhitelistHost(engine.Host):
    """A Host that runs no background threads and resolves only `emit|<rule id>` actions."""

    def __init__(self) -> None:
        self.collector: list[str] = []
        self.errors: list[BaseException] = []
        self.allowed: set[str] = set()
        super().__init__()

    def _run(self) -> None:  # no timers or dispatch threads: they call the kernel unlocked
        return None

    def get_action(self, action_name: str) -> Any:
        kind, _, rule_id = action_name.partition("|")
        if kind != "emit" or rule_id not in self.allowed:
            raise EngineError(
                f"规则引擎拒绝了未列入白名单的动作「{action_name}」。",
                f"the engine refused action '{action_name}', which is not whitelisted.",
            )
        collector = self.collector
        errors = self.errors

        def emit(c: Any) -> None:  # one parameter: synchronous (see module docstring)
            try:
                collector.append(rule_id)
            except BaseException as exc:  # surfaced after the call; the kernel swallows them
                errors.append(exc)

        return emit


_host: _WhitelistHost | None = None
_registered: dict[str, _Compiled] = {}
_next_sid = 0


class _Compiled:
    """A registered ruleset: its kernel handle, our rule names and the fact layout."""

    def __init__(
        self,
        name: str,
        handle: int,
        rule_of: dict[str, str],
        encoders: list[tuple[str, str, Any]],
    ) -> None:
        self.name = name
        self.handle = handle
        self.rule_of = rule_of  # kernel rule name (r<index>) -> our rule id
        self.encoders = encoders
        self.layout = _layout(encoders)


def _get_host() -> _WhitelistHost:
    global _host
    if _host is None:
        _host = _WhitelistHost()
    return _host


def ruleset_name(bound: BoundPackage) -> str:
    safe = re.sub(r"[^A-Za-z0-9]", "_", bound.package.id)
    return f"{safe}_v{re.sub(r'[^A-Za-z0-9]', '_', bound.package.version)}_{bound.key}"


def compile_ruleset(bound: BoundPackage) -> dict[str, Any]:
    """The durable_rules JSON for a bound package: one rule per rule of the file."""
    rules: dict[str, Any] = {}
    for index, (rule, cond) in enumerate(bound.rules):
        rules[f"r{index}"] = {"all": [{"m": _expr(cond)}], "run": f"emit|{rule.id}"}
    return {ruleset_name(bound): rules}


def _expr(cond: Cond) -> dict[str, Any]:
    if isinstance(cond, Always):
        return {"__one": 1 if cond.value else 0}
    if isinstance(cond, All):
        return {"$and": [_expr(c) for c in cond.items]}
    if isinstance(cond, AnyOf):
        return {"$or": [_expr(c) for c in cond.items]}
    if isinstance(cond, Atom):
        return _atom(cond)
    raise TypeError(cond)


def _atom(a: Atom) -> dict[str, Any]:
    f, op, v, neg = a.field, a.op, a.operand, a.negated
    p = f"{f}__p"
    if op == "present":
        return {p: 0 if neg else 1}
    if op == "is":
        return {"$neq": {f: int(v)}} if neg else {f: int(v)}
    if op == "contains_any":
        flags = [f"{f}__m__{m}" for m in v]
        if neg:
            return {"$and": [{k: 0} for k in flags]}
        return {"$or": [{k: 1} for k in flags]}
    if op in ("in", "in_table"):
        codes = sorted(v.codes) if isinstance(v, TableRef) else list(v)
        if neg:
            return {"$and": [{"$neq": {f: c}} for c in codes]}
        return {"$or": [{f: c} for c in codes]}
    if isinstance(v, FieldRef):
        q = f"{v.name}__p"
        ref: dict[str, Any] = {"$m": v.name}
        test: dict[str, Any]
        ntest: dict[str, Any]
        if op == "eq":
            test, ntest = {f: ref}, {"$neq": {f: ref}}
        elif op == "ne":
            test, ntest = {"$neq": {f: ref}}, {f: ref}
        else:
            test, ntest = {_CMP[op]: {f: ref}}, {_NEG_CMP[op]: {f: ref}}
        if neg:
            return {"$or": [{p: 0}, {q: 0}, ntest]}
        return {"$and": [{p: 1}, {q: 1}, test]}
    if op == "eq":
        test, ntest = {f: v}, {"$neq": {f: v}}
    elif op == "ne":
        test, ntest = {"$neq": {f: v}}, {f: v}
    else:
        test, ntest = {_CMP[op]: {f: v}}, {_NEG_CMP[op]: {f: v}}
    if neg:
        return {"$or": [{p: 0}, ntest]}
    return {"$and": [{p: 1}, test]}


def _encoders(bound: BoundPackage) -> list[tuple[str, str, Any]]:
    """(field, kind, extra) for every field the conditions read."""
    names: dict[str, set[str]] = {}
    for _rule, cond in bound.rules:
        for a in atoms_of(cond):
            names.setdefault(a.field, set())
            if a.op == "contains_any":
                names[a.field].update(a.operand)
            if isinstance(a.operand, FieldRef):
                names.setdefault(a.operand.name, set())
    out = []
    for name in sorted(names):
        kind = bound.package.fields[name].type
        out.append((name, kind, tuple(sorted(names[name]))))
    return out


_BOOL, _TEXT, _SET, _NUMBER = range(4)
_KIND = {"bool": _BOOL, "enum": _TEXT, "code": _TEXT, "string": _TEXT, "set": _SET}


def _layout(encoders: list[tuple[str, str, Any]]) -> list[tuple[int, str, str, Any]]:
    """Per field: (kind, name, presence key, set member keys), keys built once, not per fact."""
    return [
        (
            _KIND.get(kind, _NUMBER),
            name,
            f"{name}__p",
            tuple((m, f"{name}__m__{m}") for m in members),
        )
        for name, kind, members in encoders
    ]


def make_fact(compiled: _Compiled, values: dict[str, Any]) -> dict[str, Any]:
    """What the kernel sees of a typed record: every field a condition reads, always present
    (absence is the `__p` flag), booleans as 1/0/-1, dates as days, set members as flags."""
    fact: dict[str, Any] = {"__one": 1}
    get = values.get
    for kind, name, pkey, members in compiled.layout:
        value = get(name)
        if value is None:
            fact[pkey] = 0
            if kind == _BOOL:
                fact[name] = -1
            elif kind == _TEXT:
                fact[name] = ""
            elif kind == _SET:
                for _m, key in members:
                    fact[key] = 0
            else:
                fact[name] = 0
            continue
        fact[pkey] = 1
        if kind == _BOOL:
            fact[name] = 1 if value else 0
        elif kind == _SET:
            for m, key in members:
                fact[key] = 1 if m in value else 0
        else:
            fact[name] = value
    return fact


def prepare(bound: BoundPackage) -> _Compiled:
    """Register the bound package's ruleset once per process (names cannot be reused)."""
    name = ruleset_name(bound)
    with _LOCK:
        compiled = _registered.get(name)
        if compiled is None:
            host = _get_host()
            host.allowed.update(r.id for r, _ in bound.rules)
            ruleset = compile_ruleset(bound)
            # set_rulesets mutates what it is given (and refuses unlisted actions): a copy.
            host.set_rulesets(copy.deepcopy(ruleset))
            rule_of = {key: rule["run"].partition("|")[2] for key, rule in ruleset[name].items()}
            handle = host.get_ruleset(name)._handle
            compiled = _Compiled(name, handle, rule_of, _encoders(bound))
            _registered[name] = compiled
    return compiled


def fire(
    bound: BoundPackage, facts: Sequence[dict[str, Any]], rids: Sequence[str]
) -> list[set[str]]:
    """Assert each fact in its own session; return the rule ids that fired for each.

    The kernel is driven through `durable_driver` (the Host's own calls, without its
    per-action Python overhead); each session is deleted straight after its fact, so at most
    one of the kernel's 1,024 session ids is ever live.
    """
    global _next_sid
    compiled = prepare(bound)
    handle = compiled.handle
    rule_of = compiled.rule_of
    encode = durable_driver.encode
    run = durable_driver.assert_in_session
    delete = durable_driver.delete_session
    out: list[set[str]] = []
    fired: list[str] = []
    # (decide_records pauses the cyclic collector for the whole batch: rules/gc_pause.py)
    with _LOCK:
        errors = _get_host().errors
        for fact, rid in zip(facts, rids, strict=True):
            message = dict(fact)
            message["sid"] = ""  # keys in the order the Host path sent them: sid, then rid
            message["rid"] = rid
            for _attempt in range(3):
                _next_sid += 1
                sid = str(_next_sid)
                message["sid"] = sid
                fired.clear()
                try:
                    code = run(handle, encode(message), fired)
                except durable_driver.KernelFailure as exc:
                    with contextlib.suppress(Exception):
                        delete(handle, sid)
                    raise EngineError(
                        f"规则引擎处理记录 {rid} 时出错（{exc.stage}）：{exc.error!r}",
                        f"the engine failed on record {rid} ({exc.stage}): {exc.error!r}",
                    ) from exc.error
                delete(handle, sid)
                if code != durable_driver.OBSERVED:
                    break
                # Spurious on distinct facts (upstream issue #376): retry in a new session.
            else:
                raise EngineError(
                    f"规则引擎三次拒绝记录 {rid}（重复事实）；请重试。",
                    f"the engine refused record {rid} three times (duplicate fact); retry.",
                )
            if errors:  # left by an action run through the Host (none runs in this loop)
                error = errors[0]
                errors.clear()
                raise EngineError(
                    f"规则引擎动作出错：{error!r}",
                    f"an engine action failed: {error!r}",
                )
            try:
                out.append({rule_of[name] for name in fired})
            except KeyError as exc:
                raise EngineError(
                    f"规则引擎报告了未知规则「{exc.args[0]}」；请重新加载规则包。",
                    f"the engine reported an unknown rule '{exc.args[0]}'; reload the package.",
                ) from exc
    return out
