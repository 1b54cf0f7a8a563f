"""The API fuzzer: schemathesis cases from web/api/openapi.json sent to a running server by
each caller, every response checked against the spec, and counts per route × caller.

Checks on every response: no 5xx (`not_a_server_error`), a status the spec lists for the
operation (`status_code_conformance`), the declared content type
(`content_type_conformance`) and the body against the response schema
(`response_schema_conformance`); on negative cases (data the spec forbids) also that the
server refuses it (`negative_data_rejection`). Hypothesis drives generation with its example
database off, so each run is fresh, and a failing case is recorded, never shrunk: a run
always finishes within its budget and reports everything it saw.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup

from tests.attack.api_target import Caller

SPEC = Path(__file__).resolve().parents[2] / "web" / "api" / "openapi.json"
SCHEMA_CHECKS = (
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@dataclass
class Tally:
    """What one caller got from one route."""

    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # "2xx", "4xx", ...
    server_errors: int = 0
    schema_violations: int = 0
    other_failures: int = 0
    examples: list[str] = field(default_factory=list)  # the first few failures, in words

    def add(self, status: int, failures: Iterable[Failure]) -> None:
        self.requests += 1
        self.statuses[f"{status // 100}xx"] += 1
        for failure in failures:
            name = failure.checks[0] if failure.checks else type(failure).__name__
            if status >= 500 or name == "not_a_server_error":
                self.server_errors += 1
            elif name in SCHEMA_CHECKS:
                self.schema_violations += 1
            else:
                self.other_failures += 1
            if len(self.examples) < 3:
                self.examples.append(f"{status} {failure.title}: {failure.message[:300]}")

    @property
    def clean(self) -> bool:
        return self.server_errors == 0 and self.schema_violations == 0 and self.other_failures == 0


def _checks(mode: GenerationMode) -> list[Any]:
    from schemathesis import checks

    names = ["not_a_server_error", *SCHEMA_CHECKS]
    if mode is GenerationMode.NEGATIVE:
        names.append("negative_data_rejection")
    return [getattr(checks, name) for name in names]


def load_schema() -> Any:
    # The caller's cookie jar and header carry the credentials: schemathesis should neither
    # generate them nor count a case "negative" because it left them out.
    config = SchemathesisConfig.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_dict(
        json.loads(SPEC.read_text(encoding="utf-8")), config=config
    )


def strategy(operation: Any, mode: GenerationMode, known: Mapping[str, Sequence[Any]]) -> Any:
    """Cases of `operation`: path parameters as the spec allows, or, as often, one of the
    `known` values (the store's plan ids, the shipped packages) — random ids alone would
    almost always meet a 404 and never reach the code behind it."""
    free = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    pinned = [
        operation.as_strategy(generation_mode=mode, path_parameters={name: value})
        for name in names
        for value in known.get(name, ())
    ]
    if not pinned:
        return free
    return st.one_of(free, st.sampled_from(pinned).flatmap(lambda s: s))


def fuzz_route(
    operation: Any,
    who: Caller,
    base_url: str,
    mode: GenerationMode,
    max_examples: int,
    seconds: float,
    tally: Tally,
    known: Mapping[str, Sequence[Any]] | None = None,
    seed: int | None = None,
) -> None:
    """Send up to `max_examples` cases of `operation` as `who`, for at most `seconds`."""
    checks = _checks(mode)
    deadline = time.monotonic() + seconds

    def one(case: Any) -> None:
        if time.monotonic() > deadline:
            return  # out of time: the remaining examples are generated but not sent
        response = case.call(
            base_url=base_url, session=who.session, headers=who.headers, timeout=60
        )
        try:
            case.validate_response(response, checks=checks, headers=who.headers)
        except FailureGroup as group:
            tally.add(response.status_code, group.exceptions)
        except Failure as failure:
            tally.add(response.status_code, [failure])
        else:
            tally.add(response.status_code, [])

    runner = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )(given(strategy(operation, mode, known or {}))(one))
    if seed is not None:
        from hypothesis import seed as with_seed

        runner = with_seed(seed)(runner)
    with contextlib.suppress(Unsatisfiable):  # no negative case without parameters or body
        runner()


def operations(schema: Any) -> list[Any]:
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


def known_values(plan_ids: Sequence[int]) -> dict[str, list[Any]]:
    """Path values worth pinning: the store's plans and the shipped rule packages."""
    from rules.registry import load_packages

    return {"plan_id": list(plan_ids), "package": sorted(load_packages())}


Key = tuple[str, str, str]  # route label, caller, generation mode


def fuzz_api(
    base_url: str,
    callers: Sequence[Caller],
    known: Mapping[str, Sequence[Any]],
    max_examples: int,
    seconds_per_route: float,
    seed: int | None = None,
) -> dict[Key, Tally]:
    """Every operation of the spec, as every caller, in positive and negative mode."""
    schema = load_schema()
    tallies: dict[Key, Tally] = {}
    for who in callers:
        for operation in operations(schema):
            for mode in GenerationMode:
                tally = tallies.setdefault((operation.label, who.name, mode.value), Tally())
                fuzz_route(
                    operation,
                    who,
                    base_url,
                    mode,
                    max_examples,
                    seconds_per_route,
                    tally,
                    known,
                    seed,
                )
    return tallies


def table(tallies: Mapping[Key, Tally]) -> str:
    """One line per route × caller × mode: requests, status classes, failures."""
    lines = [
        f"{'route':<32} {'caller':<10} {'mode':<8} {'requests':>8} "
        f"{'2xx':>6} {'3xx':>5} {'4xx':>6} {'5xx':>5} {'schema':>6} {'other':>5}"
    ]
    for (route, who, mode), t in tallies.items():
        lines.append(
            f"{route:<32} {who:<10} {mode:<8} {t.requests:>8} {t.statuses['2xx']:>6} "
            f"{t.statuses['3xx']:>5} {t.statuses['4xx']:>6} {t.server_errors:>5} "
            f"{t.schema_violations:>6} {t.other_failures:>5}"
        )
        lines.extend(f"    ! {example}" for example in t.examples)
    return "\n".join(lines)
