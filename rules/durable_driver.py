"""Assert one fact in its own session by calling durable_rules' C kernel directly.

durable_rules' Python `Host` spends about two thirds of each fact outside the kernel: it
serialises with a fresh JSON encoder, parses the kernel's state and action messages back into
dicts, builds a `Closure` per fired action, re-serialises the unchanged state and reads the
clock twice per action (measured: ~24 of ~36 µs a record on the credit-tier scorecard). This
module makes exactly the kernel calls the Host makes, in the same order, for the one case we
use — a fact in a fresh session whose actions only record which rule fired:

    assert_fact → start_action_for_state → (update_state → complete_and_start_action)* →
    delete_state

and skips the rest: the rule is read from the action message's key (we name the rules
`r<index>` ourselves), and the state, which our actions never change, is handed back to the
kernel as the text it gave us. It relies on durable-rules 2.0.28 (pinned in pyproject.toml):
the C functions above and `Ruleset._handle`. The differential test in
tests/rules/test_durable_driver.py checks this path against the Host on every shipped package,
so an upgrade that changes either fails there first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
from typing import Any

import durable_rules_engine as kernel


def _json_encoder() -> Callable[[Any], str]:
    """Compact JSON, non-ASCII as is (the Host sends the same values, ensure_ascii=False).

    `JSONEncoder.encode` builds a new C encoder on every call; building it once saves about
    two thirds of the cost of encoding a fact.
    """
    base = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"))
    if c_make_encoder is None or c_encode_basestring is None:  # a Python without _json
        return base.encode
    chunks = c_make_encoder(
        None, base.default, c_encode_basestring, None, ":", ",", False, False, True
    )

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


encode = _json_encoder()

NOT_HANDLED = 1  # no rule matched (the Host raises MessageNotHandledException)
OBSERVED = 2  # the kernel thinks it saw this fact already (upstream issue #376)
_STATE_ZERO = 3  # the Host then starts the actions with state handle 0; so do we


class KernelFailure(Exception):
    """The kernel raised while deciding one fact; `stage` says in which call."""

    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(f"{stage}: {error!r}")
        self.stage = stage
        self.error = error


def action_name(message: str) -> str:
    """The action (our rule name) of a kernel action message `{"r3": {...}}`."""
    if message.startswith('{"'):
        return message[2 : message.index('"', 2)]
    # not the kernel's usual compact form: read it properly rather than guess
    parsed = json.loads(message)
    return next(iter(parsed))


def assert_in_session(handle: int, text: str, fired: list[str]) -> int:
    """Assert the JSON fact `text` and append the name of every rule that fires to `fired`.

    Returns the kernel's result code (OBSERVED means nothing ran: retry in a new session).
    The caller deletes the session's state afterwards, whatever happened.
    """
    try:
        result = kernel.assert_fact(handle, text)
    except BaseException as exc:
        raise KernelFailure("assert_fact", exc) from exc
    code: int = result[0]
    if code in (NOT_HANDLED, OBSERVED):
        return code
    state_handle = 0 if code == _STATE_ZERO else result[1]
    try:
        started = kernel.start_action_for_state(handle, state_handle)
    except BaseException as exc:
        raise KernelFailure("start_action_for_state", exc) from exc
    if not started:
        return code
    state, message = started[0], started[1]
    while message:
        fired.append(action_name(message))
        try:
            # the Host writes the (unchanged) state back before completing each action
            kernel.update_state(handle, state)
            message = kernel.complete_and_start_action(handle, state_handle)
        except BaseException as exc:
            kernel.abandon_action(handle, state_handle)
            raise KernelFailure("complete_and_start_action", exc) from exc
    return code


def delete_session(handle: int, sid: str) -> None:
    kernel.delete_state(handle, sid)
