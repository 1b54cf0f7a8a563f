"""The `sim` command group: `jianguan sim run SCENARIO.yaml --out result.json`.

Writes result.json (formats.md §7) and, next to it, the comparison charts (PNG, SVG) and a
self-contained HTML report. A progress bar goes to stderr. `--cluster tcp://HOST:PORT` runs
the replications on a Dask cluster, `--workers N` on N local processes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from jianguan.cli_support import lang_parent
from jianguan.errors import JianguanError
from scheduler.canonical_json import canonical_bytes

_BAR = 30


class OutputError(JianguanError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"无法写入 {path}：{reason}；请检查目录是否存在且可写",
            f"cannot write {path}: {reason}; check that the folder exists and is writable",
        )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text!r}")
    return value


def progress_bar(lang: str) -> Any:
    """A callback drawing `[#####-----] 3/8` on stderr."""
    tty = sys.stderr.isatty()
    word = "replications" if lang == "en" else "次重复"

    def show(done: int, total: int) -> None:
        filled = _BAR * done // max(total, 1)
        line = f"[{'#' * filled}{'-' * (_BAR - filled)}] {done}/{total} {word}"
        end = "\n" if (not tty or done == total) else ""
        print(("\r" if tty else "") + line, end=end, file=sys.stderr, flush=True)

    return show


def _write(result: dict[str, Any], out: Path, lang: str) -> list[Path]:
    from simulations.report import write_report

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(canonical_bytes(result))
        return [out, *write_report(result, out, lang)]
    except OSError as err:
        raise OutputError(out, str(err)) from None


def _announce(result: dict[str, Any], paths: list[Path], cached: bool, lang: str) -> None:
    if lang == "en":
        note = " (from the cache: this scenario id has run before)" if cached else ""
        print(f"scenario id {result['scenario_id']}{note}")
        print("wrote " + ", ".join(str(p) for p in paths))
    else:
        note = "（取自缓存：该情景编号已运行过）" if cached else ""
        print(f"情景编号 {result['scenario_id']}{note}")
        print("已写出 " + "、".join(str(p) for p in paths))


def _run(args: argparse.Namespace) -> int:
    from simulations.runner import run_scenario
    from simulations.scenario_file import read_scenario
    from simulations.scenario_id import cached_result, scenario_id

    scenario = read_scenario(args.scenario)
    cached = not args.no_cache and cached_result(scenario_id(scenario)) is not None
    result = run_scenario(
        scenario,
        workers=args.workers,
        cluster=args.cluster,
        progress=progress_bar(args.lang),
        use_cache=not args.no_cache,
    )
    _announce(result, _write(result, Path(args.out), args.lang), cached, args.lang)
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    from simulations.runner import run_scenario
    from simulations.scenario_id import scenario_id, stored_scenario

    scenario = stored_scenario(args.scenario_id)
    if scenario_id(scenario) != args.scenario_id:
        raise JianguanError(
            "该情景编号是用另一版本的代码或规则包算出的；当前版本下同一情景的编号为 "
            f"{scenario_id(scenario)}，请用当前版本重新运行",
            "that id was computed with another version of the code or rule packages; under "
            f"this version the same scenario has id {scenario_id(scenario)}: run it again",
        )
    result = run_scenario(
        scenario, workers=args.workers, progress=progress_bar(args.lang), use_cache=False
    )
    _announce(result, _write(result, Path(args.out), args.lang), False, args.lang)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sim = subparsers.add_parser("sim", help="政策模拟 — policy simulation on synthetic populations")
    group = sim.add_subparsers(dest="sim_command", metavar="SUBCOMMAND")
    group.required = True

    run = group.add_parser(
        "run",
        parents=[lang_parent()],
        help="运行情景文件并与基准对比 — run a scenario file, compare with the baseline",
    )
    run.add_argument("scenario", metavar="SCENARIO.yaml", help="scenario file (formats.md §7)")
    run.add_argument("--out", required=True, metavar="result.json", help="result file to write")
    run.add_argument(
        "--cluster", metavar="tcp://HOST:PORT", help="run the replications on this Dask scheduler"
    )
    run.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="local processes (default: all cores; 1 runs in this process)",
    )
    run.add_argument(
        "--no-cache", action="store_true", help="recompute even if this scenario id has run"
    )
    run.set_defaults(func=_run)

    again = group.add_parser(
        "reproduce",
        parents=[lang_parent()],
        help="按情景编号重新运行 — rerun a stored scenario by its id",
    )
    again.add_argument("scenario_id", metavar="SCENARIO_ID")
    again.add_argument("--out", required=True, metavar="result.json")
    again.add_argument("--workers", type=_positive, metavar="N")
    again.set_defaults(func=_reproduce)
