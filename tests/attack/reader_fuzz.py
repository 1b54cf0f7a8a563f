"""File fuzzing with counts: every reader a user feeds files to, driven through the entry
point the command line uses, each input classified.

Outcomes: `accepted` (read without complaint), `refused` (a JianguanError — the message the
user sees, naming file and line — or, through the CLI, exit 1 with such a message), `crash`
(any other exception, or 内部错误 on stderr), `over time` (more than 5 s) and `over memory`
(the process's peak resident memory grew more than 500 MB while reading it). The big crafted
workbooks (zip bombs, huge shared strings) are read in a child process each, which measures
its own peak memory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jianguan.errors import JianguanError
from tests.attack.doc_strategies import json_files, yaml_files
from tests.attack.registry_strategies import csv_bytes
from tests.attack.xlsx_craft import xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT_S = 5.0
MEMORY_LIMIT_MB = 500.0
HANG_S = 30.0  # an input still running then is stopped (and counted over time)
OUTCOMES = ("accepted", "refused", "crash", "over time", "over memory")


class _Hang(BaseException):
    """Raised by the alarm in an input that runs past HANG_S (BaseException: the code under
    test may catch Exception)."""


@dataclass
class Counts:
    """Inputs tried and their outcomes, for one reader."""

    reader: str
    outcomes: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)  # the first few, with where they arose
    refusals: Counter[str] = field(default_factory=Counter)  # first line of each message kind
    slowest_s: float = 0.0
    seconds: float = 0.0

    @property
    def tried(self) -> int:
        return sum(self.outcomes.values())

    @property
    def clean(self) -> bool:
        return not (
            self.outcomes["crash"] or self.outcomes["over time"] or self.outcomes["over memory"]
        )

    def line(self) -> str:
        rate = self.tried / self.seconds if self.seconds else 0.0
        parts = "  ".join(f"{o} {self.outcomes[o]}" for o in OUTCOMES)
        return (
            f"{self.reader:<28} {self.tried:>7} inputs ({rate:6.1f}/s)  {parts}  "
            f"slowest {self.slowest_s:.2f} s"
        )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if str(ROOT) in f.filename and "/.venv/" not in f.filename]
    frame = (ours or frames)[-1] if (ours or frames) else None
    place = (
        f" at {Path(frame.filename).relative_to(ROOT) if str(ROOT) in frame.filename else frame.filename}:{frame.lineno}"
        if frame
        else ""
    )
    return f"{type(exc).__name__}: {str(exc)[:200]}{place}"


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def ring(_signum: int, _frame: Any) -> None:
        raise _Hang()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


Outcome = tuple[str, str]  # outcome, detail


def classify(read: Callable[[], str | None]) -> tuple[Outcome, float]:
    """Run one read; `read` returns None when accepted, the message when it refused by
    returning (CLI exit 1, rule issues), and raises otherwise."""
    started = time.perf_counter()
    try:
        with _alarm(HANG_S):
            message = read()
        outcome: Outcome = ("accepted", "") if message is None else _refused_or_crash(message)
    except _Hang:
        outcome = ("over time", f"still running after {HANG_S:.0f} s")
    except JianguanError as err:
        outcome = _refused_or_crash(err.message("zh"))
    except MemoryError:
        outcome = ("over memory", "MemoryError (address space capped for this read)")
    except Exception as err:
        outcome = ("crash", _where(err))
    elapsed = time.perf_counter() - started
    if outcome[0] != "over time" and elapsed > TIME_LIMIT_S:
        outcome = ("over time", f"{elapsed:.1f} s ({outcome[0]})")
    return outcome, elapsed


def _refused_or_crash(message: str) -> Outcome:
    text = message.strip()
    if not text or "内部错误" in text or "Traceback" in text:
        return ("crash", text[:300] or "refused without a message")
    return ("refused", text.splitlines()[0][:300])


# --- the readers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    name: str
    suffix: str
    inputs: Callable[[], st.SearchStrategy[bytes]]
    read: Callable[[Path], str | None]


def _read_enterprises(path: Path) -> None:
    from jianguan.registry_read import read_enterprises

    read_enterprises(path)


def _read_inspectors(path: Path) -> None:
    from jianguan.registry_read import read_inspectors
    from tests.jianguan.samples import E1, E2, E3

    read_inspectors(path, {E1, E2, E3})


def _read_task(path: Path) -> None:
    from scheduler.task_file import read_task

    read_task(path)


def _read_scenario(path: Path) -> None:
    from simulations.scenario_file import read_scenario

    read_scenario(path)


def _check_rule_file(path: Path) -> str | None:
    """What `jianguan rules check FILE` does for one file (rules.commands.cmd_check)."""
    from rules.loader import try_load_file

    _package, issues = try_load_file(path)
    return "\n".join(issue.render("zh") for issue in issues) if issues else None


@cache
def _yaml_base(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


RULE_FILES = sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "rules" / "packages").glob("*/*.yaml")
)


def _rule_files() -> st.SearchStrategy[bytes]:
    return st.sampled_from(RULE_FILES).flatmap(lambda p: yaml_files(_yaml_base(p)))


# plan verify: a small registry and task beside a plan generated from them once.
PLAN_TASK = {
    "id": "JX-360102-2027-01",
    "title": "2027年第一批双随机抽查",
    "lead_department": "SCJG",
    "period": {"start": "2027-03-01", "end": "2027-03-31"},
    "items": [
        {
            "code": "SCJG-FOOD-01",
            "name": "食品经营者监督检查",
            "department": "SCJG",
            "field": "food",
        }
    ],
    "districts": ["360102", "360103"],
    "sampling": {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0},
    "key_supervision": "all",
    "officers_per_department": 2,
    "max_per_officer_per_day": 3,
    "calendar": {
        "holidays": ["2027-03-22"],
        "extra_workdays": [],
        "quiet_days_of_month": [1, 2, 3],
    },
}


@cache
def plan_inputs() -> tuple[Path, Path, Path, dict[str, Any]]:
    """Registry files, task.yaml and their plan.json document, made once per process."""
    from jianguan.registry_read import read_enterprises, read_inspectors
    from scheduler.planner import generate_plan
    from scheduler.task_file import read_task
    from tests.jianguan import samples
    from tests.web.flows import ENTERPRISES, OFFICERS

    folder = Path(tempfile.mkdtemp(prefix="jg-fuzz-plan-"))
    enterprises = samples.enterprises_csv(folder, ENTERPRISES)
    inspectors = samples.officers_csv(folder, OFFICERS)
    task_path = folder / "task.yaml"
    task_path.write_text(yaml.safe_dump(PLAN_TASK, allow_unicode=True), encoding="utf-8")
    document = generate_plan(
        read_enterprises(enterprises), read_inspectors(inspectors), read_task(task_path), "ab" * 16
    )
    return enterprises, inspectors, task_path, json.loads(json.dumps(document))


def _plan_files() -> st.SearchStrategy[bytes]:
    from scheduler.plan_document import seal

    return st.deferred(lambda: json_files(plan_inputs()[3], reseal=seal))


def run_cli(argv: list[str]) -> str | None:
    """`jianguan ARGV` in this process: None on exit 0, else what it printed on stderr."""
    from jianguan.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    if code == 0:
        return None
    return err.getvalue() or f"exit {code} without a message"


def _verify_plan(path: Path) -> str | None:
    enterprises, inspectors, task, _document = plan_inputs()
    return run_cli(
        [
            "plan",
            "verify",
            "--plan",
            str(path),
            "--enterprises",
            str(enterprises),
            "--inspectors",
            str(inspectors),
            "--task",
            str(task),
        ]
    )


READERS: dict[str, Reader] = {
    r.name: r
    for r in [
        Reader("enterprises.csv", ".csv", lambda: csv_bytes("enterprises"), _read_enterprises),
        Reader("inspectors.csv", ".csv", lambda: csv_bytes("inspectors"), _read_inspectors),
        Reader("enterprises.xlsx", ".xlsx", lambda: xlsx_bytes("enterprises"), _read_enterprises),
        Reader("inspectors.xlsx", ".xlsx", lambda: xlsx_bytes("inspectors"), _read_inspectors),
        Reader(
            "task.yaml", ".yaml", lambda: yaml_files(_yaml_base("web/demo_task.yaml")), _read_task
        ),
        Reader(
            "scenario.yaml",
            ".yaml",
            lambda: yaml_files(_yaml_base("simulations/demo_scenario.yaml")),
            _read_scenario,
        ),
        Reader("rule file (rules check)", ".yaml", _rule_files, _check_rule_file),
        Reader("plan.json (plan verify)", ".json", _plan_files, _verify_plan),
    ]
}


def fuzz_reader(
    reader: Reader, max_examples: int, seconds: float, seed: int | None = None
) -> Counts:
    """Up to `max_examples` drawn inputs for `reader`, for at most `seconds`."""
    counts = Counts(reader.name)
    folder = Path(tempfile.mkdtemp(prefix="jg-fuzz-"))
    path = folder / f"input{reader.suffix}"
    started = time.monotonic()
    deadline = started + seconds
    baseline = _peak_mb()

    def one(data: bytes) -> None:
        if time.monotonic() > deadline:
            return
        path.write_bytes(data)
        before = _peak_mb()
        (outcome, detail), elapsed = classify(lambda: reader.read(path))
        if _peak_mb() - max(before, baseline) > MEMORY_LIMIT_MB:
            outcome, detail = "over memory", f"peak {_peak_mb():.0f} MB ({outcome})"
        counts.outcomes[outcome] += 1
        counts.slowest_s = max(counts.slowest_s, elapsed)
        if outcome == "refused":
            counts.refusals[_kind(detail)] += 1
        elif outcome != "accepted" and len(counts.crashes) < 5:
            kept = folder / f"{outcome.replace(' ', '-')}-{counts.outcomes[outcome]}{reader.suffix}"
            kept.write_bytes(data)
            counts.crashes.append(f"{outcome}: {detail} (input kept in {kept})")

    runner = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )(given(reader.inputs())(one))
    if seed is not None:
        from hypothesis import seed as with_seed

        runner = with_seed(seed)(runner)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about odd styles; outcomes are what count
        runner()
    counts.seconds = time.monotonic() - started
    return counts


def _kind(message: str) -> str:
    """A refusal's message without its place and values, to count kinds of refusal."""
    text = message.split(": ", 1)[-1] if ": " in message[:200] else message
    return "".join("#" if ch.isdigit() else ch for ch in text)[:60]


# --- big inputs, one child process each ----------------------------------------------------


@dataclass(frozen=True)
class BigResult:
    name: str
    size_bytes: int
    outcome: str
    detail: str
    seconds: float
    peak_mb: float


def read_in_child(reader_name: str, path: Path, timeout_s: float = 120.0) -> BigResult:
    """Read `path` with READERS[reader_name] in a fresh interpreter; its own peak memory,
    time and outcome come back as JSON. Past `timeout_s` it is killed (over time)."""
    code = (
        "import json,sys\n"
        "from tests.attack.reader_fuzz import child_read\n"
        "print(json.dumps(child_read(sys.argv[1], sys.argv[2])))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, reader_name, str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return BigResult(
            path.name,
            path.stat().st_size,
            "over time",
            f"killed after {timeout_s:.0f} s",
            timeout_s,
            0.0,
        )
    elapsed = time.monotonic() - started
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return BigResult(
            path.name,
            path.stat().st_size,
            "crash",
            f"exit {done.returncode}: {done.stderr[-300:]}",
            elapsed,
            0.0,
        )
    outcome, detail = answer["outcome"], answer["detail"]
    grew = answer["peak_mb"] - answer["start_mb"]
    if outcome != "crash" and grew > MEMORY_LIMIT_MB:
        outcome, detail = "over memory", f"{outcome} after {grew:.0f} MB: {detail}"
    return BigResult(
        path.name, path.stat().st_size, outcome, detail, answer["seconds"], answer["peak_mb"]
    )


CHILD_ADDRESS_SPACE = 4 << 30  # a runaway read stops here (MemoryError), not in the machine's swap


def child_read(reader_name: str, path: str) -> dict[str, Any]:
    reader = READERS[reader_name]
    import jianguan.registry_read  # noqa: F401  (imports count toward the start, not the read)

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))
    start_mb = _peak_mb()
    (outcome, detail), elapsed = classify(lambda: reader.read(Path(path)))
    return {
        "outcome": outcome,
        "detail": detail,
        "seconds": elapsed,
        "peak_mb": _peak_mb(),
        "start_mb": start_mb,
    }


def big_inputs_run(
    names: Mapping[str, bytes], reader_name: str = "enterprises.xlsx"
) -> list[BigResult]:
    folder = Path(tempfile.mkdtemp(prefix="jg-fuzz-big-"))
    results = []
    for index, (name, data) in enumerate(names.items()):
        path = folder / f"big-{index}.xlsx"
        path.write_bytes(data)
        result = read_in_child(reader_name, path)
        results.append(
            BigResult(
                name,
                result.size_bytes,
                result.outcome,
                result.detail,
                result.seconds,
                result.peak_mb,
            )
        )
        path.unlink()
    return results
