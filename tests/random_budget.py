"""Hypothesis profiles: how many random cases a property test tries, and whether chance decides.

`ci` (the default, and what `make test` exports) is derandomized: every run of a clone tries
the same cases, so a red build is a regression, never a lucky draw; cases a search found stay
as `@example(...)` beside their test. `dev` draws fresh cases and remembers failures in the
local example database. `fuzz` is the large budget (`make fuzz`, `benchmarks/random_budget.py`):
random, `FUZZ_FACTOR` times each test's own count; a failure there is a finding to turn into an
`@example`, not a red build.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "ci"
FUZZ_FACTOR = int(os.environ.get("JIANGUAN_FUZZ_FACTOR", "20"))

settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.register_profile(
    "fuzz",
    derandomize=False,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def active_profile() -> str:
    return os.environ.get(PROFILE_VARIABLE) or DEFAULT_PROFILE


def examples(count: int) -> int:
    """A test's number of cases under the active profile: `count`, or FUZZ_FACTOR × it."""
    return count * FUZZ_FACTOR if active_profile() == "fuzz" else count


def load_profile() -> None:
    name = active_profile()
    if name not in ("ci", "dev", "fuzz"):
        raise SystemExit(
            f"{PROFILE_VARIABLE}={name!r}: use ci, dev or fuzz (tests/random_budget.py)"
        )
    settings.load_profile(name)
