"""The `jianguan rules` command group: check, test, decide, diff (formats §6)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from jianguan.cli_support import lang_parent
from rules.issues import RuleFileError, RulesError

if TYPE_CHECKING:
    from rules.package import Package


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期 {text!r} 无效，应为 YYYY-MM-DD / invalid date {text!r}, use YYYY-MM-DD"
        ) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "rules", help="规则包：校验、测试、判定、影响分析 / rule packages"
    )
    sub = group.add_subparsers(dest="rules_command", metavar="ACTION")
    sub.required = True
    parent = [lang_parent()]

    check = sub.add_parser("check", parents=parent, help="校验规则文件 / validate rule files")
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="规则文件或文件夹（默认：内置规则包）"
    )
    check.set_defaults(func=cmd_check)

    test = sub.add_parser(
        "test", parents=parent, help="运行规则文件中的测试 / run the tests in rule files"
    )
    test.add_argument("packages", nargs="*", metavar="PACKAGE")
    test.set_defaults(func=cmd_test)

    decide = sub.add_parser("decide", parents=parent, help="判定记录 / decide records (JSONL)")
    decide.add_argument("package", metavar="PACKAGE")
    decide.add_argument("--input", required=True, metavar="F.jsonl")
    decide.add_argument("--output", metavar="F", help="输出文件（默认：标准输出）")
    decide.add_argument("--as-of", type=_as_of, metavar="DATE", help="判定日期（默认：今天）")
    decide.add_argument("--engine", choices=["durable", "vector"], default="durable")
    decide.add_argument(
        "--db", help="store URL: decide with the versions signed off there, as the web does"
    )
    decide.set_defaults(func=cmd_decide)

    export = sub.add_parser(
        "export",
        parents=parent,
        help="导出规则包（GoRules JDM 决策图）/ export a package (GoRules JDM decision graph)",
    )
    export.add_argument("package", metavar="PACKAGE")
    export.add_argument("--format", choices=["jdm"], default="jdm")
    export.add_argument("--as-of", type=_as_of, metavar="DATE", help="判定日期（默认：今天）")
    export.add_argument("--output", metavar="F", help="输出文件（默认：标准输出）")
    export.set_defaults(func=cmd_export)

    diff = sub.add_parser(
        "diff", parents=parent, help="比较两个版本对名录的影响 / impact of a change"
    )
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument(
        "--population", required=True, metavar="FILE", help="enterprises.csv/.xlsx 或 .jsonl 记录"
    )
    diff.add_argument("--as-of", type=_as_of, metavar="DATE")
    diff.add_argument("--samples", type=int, default=5, metavar="N")
    diff.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    diff.set_defaults(func=cmd_diff)


def cmd_check(args: argparse.Namespace) -> int:
    from rules.loader import package_files, try_load_file

    files = package_files(args.paths or None)
    if not files:
        raise RulesError("没有找到规则文件（.yaml）。", "no rule files (.yaml) found.")
    problems = 0
    for f in files:
        _pkg, issues = try_load_file(f)
        for issue in issues:
            print(issue.render(args.lang), file=sys.stderr)
        problems += len(issues)
    if problems:
        print(
            f"{problems} problem(s) in {len(files)} file(s)."
            if args.lang == "en"
            else f"{len(files)} 个文件中共发现 {problems} 处问题。",
            file=sys.stderr,
        )
        return 1
    print(
        f"OK: {len(files)} file(s) valid."
        if args.lang == "en"
        else f"通过：{len(files)} 个规则文件均有效。"
    )
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from rules.registry import load_packages
    from rules.testcases import run_package_tests

    packages = load_packages()
    wanted = args.packages or sorted(packages)
    failed = total = 0
    for pid in wanted:
        if pid not in packages:
            raise RulesError(
                f"未知规则包「{pid}」；现有：{'、'.join(sorted(packages))}。",
                f"unknown package '{pid}'; available: {', '.join(sorted(packages))}.",
            )
        for version in packages[pid]:
            for r in run_package_tests(version):
                total += 1
                mark = "PASS" if r.passed else "FAIL"
                line = f"{mark} {r.package}@{r.version} [{r.engine}] {r.name}"
                if not r.passed:
                    failed += 1
                    line += f" — {r.problem_en if args.lang == 'en' else r.problem_zh}"
                print(line)
    print(
        f"{total - failed}/{total} passed."
        if args.lang == "en"
        else f"{total} 项测试，通过 {total - failed} 项，失败 {failed} 项。"
    )
    return 1 if failed else 0


def _store_versions(args: argparse.Namespace) -> list[Package] | None:
    """The package's versions as the web decides with them: the shipped files plus versions
    signed off in the store at `--db`. Says on stderr which version decides."""
    from jianguan.db import open_store
    from rules.registry import version_at
    from rules.versions.in_force import deciding_versions, shipped_packages

    if args.package not in shipped_packages():
        return None  # decide_records names the unknown package
    store = open_store(args.db)
    try:
        with store.session() as session:
            versions = deciding_versions(session, args.package)
    finally:
        store.dispose()
    day = args.as_of or date.today()
    current = version_at(versions, day)
    if current is not None:
        print(
            f"version in force in the store on {day}: {args.package} {current.version}"
            if args.lang == "en"
            else f"数据库中 {day} 生效的版本：{args.package} {current.version}",
            file=sys.stderr,
        )
    return versions


def cmd_decide(args: argparse.Namespace) -> int:
    from rules.decision import decide_records
    from rules.jsonl import read_jsonl, write_jsonl

    records = read_jsonl(args.input)
    versions = _store_versions(args) if args.db else None
    rows = decide_records(
        args.package,
        records,
        as_of=args.as_of,
        engine=args.engine,
        lang=args.lang,
        versions=versions,
    )
    if args.output:
        try:
            with Path(args.output).open("w", encoding="utf-8") as out:
                write_jsonl(rows, out)
        except OSError as exc:
            raise RulesError(
                f"无法写入 {args.output}：{exc.strerror}",
                f"cannot write {args.output}: {exc.strerror}",
            ) from None
    else:
        write_jsonl(rows, sys.stdout)
    errors = sum(1 for r in rows if "error" in r)
    print(
        f"{len(rows)} record(s), {errors} error(s)."
        if args.lang == "en"
        else f"共 {len(rows)} 条记录，{errors} 条无法判定。",
        file=sys.stderr,
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from rules.jdm_export import export_for

    document, notes = export_for(args.package, args.as_of or date.today(), args.lang)
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise RulesError(
                f"无法写入 {args.output}：{exc.strerror}",
                f"cannot write {args.output}: {exc.strerror}",
            ) from None
    else:
        sys.stdout.write(text)
    for note in notes:
        print(note, file=sys.stderr)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from rules.impact import compare, render

    impact = compare(args.old, args.new, args.population, args.as_of, args.lang, args.samples)
    if args.json:
        print(json.dumps(dataclasses.asdict(impact), ensure_ascii=False, indent=1, default=str))
    else:
        print(render(impact, args.lang))
    return 0


__all__ = ["RuleFileError", "register"]
