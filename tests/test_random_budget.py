"""The property tests cannot decide a build by chance (issue 10): `make test` runs them under
the derandomized `ci` profile; `fuzz` multiplies the budget for benchmarks/random_budget.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from tests import random_budget

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE") not in (None, "", "ci"), reason="another profile asked for"
)
def test_the_suite_draws_the_same_cases_every_run() -> None:
    assert settings.default.derandomize is True
    assert settings.default.database is None
    assert random_budget.examples(25) == 25


def test_make_test_pins_the_ci_profile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "export HYPOTHESIS_PROFILE ?= ci" in makefile


def test_the_fuzz_profile_multiplies_each_budget_and_draws_fresh_cases() -> None:
    code = (
        "from tests import random_budget as r; r.load_profile();"
        "from hypothesis import settings as s;"
        "print(r.examples(25), s.default.derandomize)"
    )
    env = {**os.environ, "HYPOTHESIS_PROFILE": "fuzz", "JIANGUAN_FUZZ_FACTOR": "40"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["1000", "False"]


def test_an_unknown_profile_is_refused_with_the_names_to_use() -> None:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "nightly"}
    code = "from tests import random_budget as r; r.load_profile()"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "use ci, dev or fuzz" in out.stderr
