"""`jianguan demo`: build a demo county into the store, plan it, compare policies, serve the UI.

Each step prints what it does, so a first-time user sees progress and where data lives.
Running it again changes nothing that is already there (same files, same plan, cached
simulation), so `make demo` can be re-run safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jianguan import audit
from jianguan.config import instance_dir
from jianguan.db import Store
from jianguan.models import AuditEvent, PlanRow
from jianguan.registry_read import read_enterprises, read_inspectors
from jianguan.registry_store import import_registry

# 南昌县 (Nanchang County) — a real county-level division of Jiangxi (GB/T 2260: 360121).
DEMO_DISTRICTS = ("360121",)
DEMO_TASK = Path(__file__).with_name("demo_task.yaml")
# A demo seed. A real bureau publishes the inputs commitment first and then takes the seed
# from a public source (a lottery draw, a randomness beacon), never from the clock.
DEMO_SEED = "5eed" * 8

# Two users in the roles that need a second pair of eyes (plan approval, rule sign-off).
DEMO_USERS = (
    ("admin", "admin", "系统管理员"),
    ("regulator", "regulator", "监管人员（编制计划）"),
    ("regulator2", "regulator", "监管人员（审批计划）"),
    ("legal", "legal", "法制人员"),
    ("legal2", "legal", "法制人员（复核）"),
    ("planner", "planner", "政策研究人员"),
)


@dataclass(frozen=True, slots=True)
class DemoSize:
    enterprises: int = 20_000
    officers: int = 200
    seed: int = 20270301


def demo_password(username: str) -> str:
    return f"{username}-demo-2027"


def build_registry(store: Store, size: DemoSize, out: Path) -> tuple[Path, Path]:
    from simulations.synthetic_registry import write_registry

    print(
        f"[1/4] 生成演示名录库（南昌县，{size.enterprises} 户企业，{size.officers} 名执法人员）→ {out}"
    )
    paths = write_registry(
        out,
        enterprises=size.enterprises,
        officers=size.officers,
        seed=size.seed,
        districts=list(DEMO_DISTRICTS),
    )
    report = import_registry(store, enterprises=paths[0], inspectors=paths[1], actor="demo")
    print("      导入：" + report.describe("zh"))
    return paths


def create_demo_users(store: Store) -> None:
    from web.auth.users import ensure_user

    print("[2/4] 演示账号（仅供本机演示，正式部署请删除）：")
    with store.session() as session:
        for username, role, name in DEMO_USERS:
            ensure_user(session, username, demo_password(username), role, name, actor="demo")
            print(f"      {role:<10} 用户名 {username:<11} 密码 {demo_password(username)}")


def plan_demo_task(store: Store, enterprises_csv: Path, inspectors_csv: Path) -> None:
    from scheduler.draw import classify, inputs_sha256
    from scheduler.lifecycle import approved_counts_in, save_draft
    from scheduler.planner import generate_plan
    from scheduler.task_file import read_task

    task = read_task(DEMO_TASK)
    enterprises = read_enterprises(enterprises_csv)
    officers = read_inspectors(inspectors_csv, {e.id for e in enterprises})
    population = classify(enterprises, task.period.start)
    commitment = inputs_sha256(population, officers, task)
    print(f"[3/4] 抽查任务 {task.id}：输入承诺值 inputs_sha256 = {commitment}")
    with store.session() as session:
        existing = session.scalar(
            select(PlanRow).where(
                PlanRow.task_id == task.id,
                PlanRow.seed == DEMO_SEED,
                PlanRow.inputs_sha256 == commitment,
            )
        )
        if existing is not None:
            print(f"      计划已存在（编号 {existing.id}，状态 {existing.status}），不重复生成")
            return
        _record_commitment(session, task.id, commitment, len(population))
        prior = approved_counts_in(session, task)
    document = generate_plan(
        enterprises, officers, task, DEMO_SEED, prior_counts=prior, progress=_indent
    )
    with store.session() as session:
        plan = save_draft(session, task, document, "regulator")
        scheduled = len(plan.inspections)
    unscheduled = document["unscheduled"]
    assert isinstance(unscheduled, list)
    print(
        f"      草稿计划编号 {plan.id}：安排检查 {scheduled} 户，"
        f"未能安排 {len(unscheduled)} 户（均注明原因）；请以 regulator2 登录审批"
    )


def _record_commitment(session: Session, task_id: str, digest: str, population: int) -> None:
    """Log the commitment in the audit chain, as the web's 'commit inputs' button does, so the
    task page and the public notice show it was fixed before the seed (once per digest)."""
    logged = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "task.inputs_commit", AuditEvent.object_id == task_id
        )
    ).all()
    if any(e.after and e.after.get("inputs_sha256") == digest for e in logged):
        return
    audit.record(
        session,
        "demo",
        "task.inputs_commit",
        "task",
        task_id,
        None,
        {"inputs_sha256": digest, "population": population},
    )


def _indent(message: str) -> None:
    print(f"      {message}", flush=True)


def compare_policies(out: Path) -> None:
    from simulations.demo import run_demo_comparison

    print("[4/4] 政策模拟：演示情景对比（结果按情景编号缓存）")
    report = run_demo_comparison(out)
    print(f"      报告：{report}")


def build_demo(store: Store, size: DemoSize = DemoSize(), folder: Path | None = None) -> Path:
    out = folder or instance_dir() / "demo"
    enterprises_csv, inspectors_csv = build_registry(store, size, out)
    create_demo_users(store)
    plan_demo_task(store, enterprises_csv, inspectors_csv)
    compare_policies(out)
    return out
