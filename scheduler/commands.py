"""`jianguan plan commit | generate | verify` (formats.md §6), and the plan's life in the store:
`save | approve | publish | replan | export | filing`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jianguan.cli_support import lang_parent
from jianguan.errors import JianguanError
from jianguan.registry_read import read_enterprises, read_inspectors
from jianguan.registry_schema import Enterprise, Officer
from scheduler.task_file import Task, read_task

DB_HELP = "store URL: decide empty tiers with the rule versions signed off there"
DASK_ENV = "JIANGUAN_DASK"  # a Dask scheduler address shared by the CLI, workers and the web


def _progress() -> Callable[[str], None]:
    began = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - began:6.1f}s] {message}", file=sys.stderr, flush=True)

    return say


def _inputs(args: argparse.Namespace) -> tuple[list[Enterprise], list[Officer], Task]:
    task = read_task(args.task)
    enterprises = read_enterprises(args.enterprises)
    officers = read_inspectors(args.inspectors)
    if getattr(args, "db", None):
        enterprises = _decided_by_store(args.db, enterprises, task, args.lang)
    return enterprises, officers, task


def _decided_by_store(
    db_url: str, enterprises: list[Enterprise], task: Task, lang: str
) -> list[Enterprise]:
    """Tiers and key flags the file leaves empty, decided by the rule versions signed off in
    the store, on the task's first day — exactly as the web decides them for its draw."""
    from jianguan.db import open_store
    from rules.versions.decided_registry import decide_missing, versions_in_force
    from rules.versions.in_force import versions_by_package

    store = open_store(db_url)
    try:
        with store.session() as session:
            versions = versions_by_package(session)
    finally:
        store.dispose()
    used = ", ".join(
        f"{pid} {v}" for pid, v in versions_in_force(versions, task.period.start).items()
    )
    if lang == "en":
        print(f"empty tiers decided by the versions in force in the store: {used}", file=sys.stderr)
    else:
        print(f"空缺的信用分类与重点监管按数据库中生效的规则版本判定：{used}", file=sys.stderr)
    return decide_missing(enterprises, task.period.start, versions)


def _commit(args: argparse.Namespace) -> int:
    from scheduler.draw import classify, in_population, inputs_sha256

    enterprises, officers, task = _inputs(args)
    population = classify([e for e in enterprises if in_population(e, task)], task.period.start)
    digest = inputs_sha256(population, officers, task)
    print(digest)
    if args.lang == "en":
        note = (
            f"Publish this inputs_sha256 for task {task.id} ({len(population)} enterprises in "
            "the population) BEFORE the seed is known; afterwards anyone can check the plan's "
            "inputs_sha256 against it."
        )
    else:
        note = (
            f"请在种子产生之前公布任务 {task.id} 的 inputs_sha256（总体 {len(population)} 家企业）；"
            "计划生成后，任何人都可核对计划中的 inputs_sha256 与此一致。"
        )
    print(note, file=sys.stderr)
    return 0


def _generate(args: argparse.Namespace) -> int:
    from scheduler.draw import check_seed
    from scheduler.plan_document import plan_bytes
    from scheduler.planner import PlanSettings, generate_plan

    check_seed(args.seed)  # refuse a bad seed before reading large files
    say = _progress()
    say("读取名录库与任务文件" if args.lang == "zh" else "reading the registry and the task")
    enterprises, officers, task = _inputs(args)
    prior = None
    if args.db:
        from scheduler.lifecycle import approved_counts

        prior = approved_counts(args.db, task)
    settings = PlanSettings(
        num_workers=args.workers,
        processes=args.processes,
        time_limit_s=args.time_limit,
        cluster=args.cluster or os.environ.get(DASK_ENV) or None,
    )
    document = generate_plan(
        enterprises,
        officers,
        task,
        args.seed,
        prior_counts=prior,
        settings=settings,
        progress=say,
        lang=args.lang,
    )
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(plan_bytes(document))
    except OSError as exc:
        raise JianguanError(f"无法写入 {out}：{exc}", f"cannot write {out}: {exc}") from None
    n_ok, n_un = len(document["inspections"]), len(document["unscheduled"])  # type: ignore[arg-type]
    if args.lang == "en":
        print(
            f"{out}: {n_ok} inspections, {n_un} unscheduled, plan_sha256 {document['plan_sha256']}"
        )
    else:
        print(f"{out}：安排检查 {n_ok} 家，未安排 {n_un} 家，plan_sha256 {document['plan_sha256']}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from scheduler.verify import read_plan, verify_plan

    plan = read_plan(args.plan)
    enterprises, officers, task = _inputs(args)
    prior = None
    if args.db:
        from scheduler.lifecycle import approved_counts

        prior = approved_counts(args.db, task)
    problems = verify_plan(plan, enterprises, officers, task, prior_counts=prior)
    if problems:
        for p in problems:
            print(p.text(args.lang), file=sys.stderr)
        if args.lang == "en":
            print(f"verification FAILED: {len(problems)} problem(s)", file=sys.stderr)
        else:
            print(f"核验未通过：共 {len(problems)} 处问题", file=sys.stderr)
        return 1
    n = len(plan["inspections"])
    if args.lang == "en":
        print(f"verified: draw recomputed, {n} inspections satisfy every hard constraint")
    else:
        print(f"核验通过：抽取结果可重算一致，{n} 项检查满足全部硬约束")
    return 0


def _registry_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--enterprises", required=True, help="enterprises.csv or .xlsx")
    parser.add_argument("--inspectors", required=True, help="inspectors.csv or .xlsx")
    parser.add_argument("--task", required=True, help="task.yaml")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("plan", help="双随机抽查计划 / inspection plans")
    leaves = group.add_subparsers(dest="plan_command", metavar="ACTION")
    leaves.required = True
    common = [lang_parent()]

    commit = leaves.add_parser(
        "commit", parents=common, help="种子产生前公布输入摘要 / print inputs_sha256 to publish"
    )
    _registry_args(commit)
    commit.add_argument("--db", help=DB_HELP)
    commit.set_defaults(func=_commit)

    gen = leaves.add_parser("generate", parents=common, help="抽取并排期 / draw and schedule")
    _registry_args(gen)
    gen.add_argument("--seed", required=True, help="public seed: ≥32 hex digits")
    gen.add_argument("--out", required=True, help="plan.json to write")
    gen.add_argument("--db", help=DB_HELP + "; count approved plans for the annual cap")
    gen.add_argument(
        "--workers", type=int, default=1, help="CP-SAT workers per region (result unchanged)"
    )
    gen.add_argument(
        "--processes",
        type=int,
        default=None,
        help="local processes for regions and departments (default: every core for large "
        "plans; result unchanged)",
    )
    gen.add_argument(
        "--cluster",
        metavar="tcp://HOST:PORT",
        help=f"solve on this Dask scheduler instead (default: ${DASK_ENV}; result unchanged)",
    )
    gen.add_argument("--time-limit", type=float, default=300.0, help="seconds per day model")
    gen.set_defaults(func=_generate)

    ver = leaves.add_parser("verify", parents=common, help="核验计划 / verify a plan")
    ver.add_argument("--plan", required=True, help="plan.json")
    _registry_args(ver)
    ver.add_argument("--db", help=DB_HELP + "; check the annual cap against approved plans")
    ver.set_defaults(func=_verify)
    register_lifecycle(leaves, common)


def _actor(args: argparse.Namespace) -> str:
    import getpass

    return str(args.actor or getpass.getuser())


def _open(args: argparse.Namespace) -> Any:
    from jianguan.db import open_store

    return open_store(args.db)


def _save(args: argparse.Namespace) -> int:
    from scheduler.lifecycle import save_draft
    from scheduler.verify import read_plan

    task = read_task(args.task)
    plan = read_plan(args.plan)
    if plan.get("task_id") != task.id:
        raise JianguanError(
            f"计划属于任务 {plan.get('task_id')}，而任务文件是 {task.id}",
            f"the plan is for task {plan.get('task_id')} but the task file is {task.id}",
        )
    store = _open(args)
    with store.session() as session:
        plan_id = save_draft(session, task, plan, _actor(args)).id
    print(plan_id)
    return 0


def _transition(args: argparse.Namespace) -> int:
    from scheduler.lifecycle import approve, publish

    step = {"approve": approve, "publish": publish}[args.plan_command]
    store = _open(args)
    with store.session() as session:
        plan = step(session, args.id, _actor(args))
        status, entries, head = plan.status, plan.audit_entries, plan.audit_head
    print(f"{args.id} {status}")
    if args.plan_command == "publish" and head is not None:
        # The audit log's anchor: publish it with the plan (`jianguan audit verify --anchor`).
        anchor = f"{entries}:{head}"
        print(
            f"audit anchor {anchor} (publish it with the plan)"
            if args.lang == "en"
            else f"审计日志锚点 {anchor}（请随计划一并公示）",
            file=sys.stderr,
        )
    return 0


def _replan(args: argparse.Namespace) -> int:
    from scheduler.lifecycle import document_of, replan_stored
    from scheduler.plan_document import plan_bytes

    enterprises, officers, task = _inputs(args)
    store = _open(args)
    with store.session() as session:
        child = replan_stored(session, args.id, enterprises, officers, task, _actor(args))
        document = document_of(child)
        child_id = child.id
    if args.out:
        Path(args.out).write_bytes(plan_bytes(document))
    subs = document.get("substitutions", [])
    for s in subs:
        print(
            f"{s['enterprise_id']} {s['department']}: {s['removed']} → {s['added'] or '-'} "
            f"({s['old_date']} → {s['new_date'] or '-'})",
            file=sys.stderr,
        )
    print(child_id)
    return 0


def _export(args: argparse.Namespace) -> int:
    from scheduler.publication import export_publication

    task = read_task(args.task)
    enterprises = read_enterprises(args.enterprises)
    store = _open(args)
    with store.session() as session:
        paths = export_publication(
            session, args.id, task, enterprises, Path(args.out), _actor(args), pdf=args.pdf
        )
    for p in paths:
        print(p)
    return 0


def _filing(args: argparse.Namespace) -> int:
    """The plan a bureau files with the level above, as PDF (and its list as .xlsx)."""
    from scheduler.filing import filed_plan, plan_filing_pdf, plan_list_workbook

    store = _open(args)
    with store.session() as session:
        filed = filed_plan(session, args.id)
    out = Path(args.out)
    out.write_bytes(plan_filing_pdf(filed))
    print(out)
    if args.xlsx:
        Path(args.xlsx).write_bytes(plan_list_workbook(filed))
        print(args.xlsx)
    return 0


def register_lifecycle(leaves: argparse._SubParsersAction, common: list[Any]) -> None:
    """`plan save | approve | publish | replan | export | filing`: the plan's life in the store."""

    def store_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
        p.add_argument("--actor", help="who does this (default: the login name)")

    save = leaves.add_parser("save", parents=common, help="存为草稿 / store plan.json as a draft")
    save.add_argument("--plan", required=True)
    save.add_argument("--task", required=True)
    store_args(save)
    save.set_defaults(func=_save)
    for name, text in (("approve", "审批 / approve a draft"), ("publish", "公开 / publish")):
        p = leaves.add_parser(name, parents=common, help=text)
        p.add_argument("--id", type=int, required=True, help="plan id in the store")
        store_args(p)
        p.set_defaults(func=_transition)
    rep = leaves.add_parser(
        "replan", parents=common, help="病假或回避后重新安排 / re-plan after illness or recusal"
    )
    rep.add_argument("--id", type=int, required=True, help="approved plan id")
    _registry_args(rep)
    rep.add_argument("--out", help="also write the new plan.json here")
    store_args(rep)
    rep.set_defaults(func=_replan)
    exp = leaves.add_parser("export", parents=common, help="一公开：CSV 与 HTML / publish files")
    exp.add_argument("--id", type=int, required=True, help="published plan id")
    exp.add_argument("--enterprises", required=True, help="enterprises.csv (for names)")
    exp.add_argument("--task", required=True)
    exp.add_argument("--out", required=True, help="output folder")
    exp.add_argument(
        "--pdf", action="store_true", help="也写出公示 PDF / also write notice.pdf (WeasyPrint)"
    )
    store_args(exp)
    exp.set_defaults(func=_export)
    fil = leaves.add_parser(
        "filing", parents=common, help="抽查工作方案 PDF（报上级备案）/ the plan to file, as PDF"
    )
    fil.add_argument("--id", type=int, required=True, help="plan id in the store (any status)")
    fil.add_argument("--out", required=True, help="the PDF to write, e.g. 抽查工作方案.pdf")
    fil.add_argument("--xlsx", help="also write the inspection list (with officer names) here")
    fil.add_argument("--db", help="SQLAlchemy URL (default: SQLite in the instance folder)")
    fil.set_defaults(func=_filing)
