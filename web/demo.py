"""`jianguan demo`: build a demo county into the store and serve the UI.

Each step prints what it does, so a first-time user sees progress and where data lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jianguan.config import instance_dir
from jianguan.db import Store
from jianguan.registry_store import import_registry

# 南昌县 (Nanchang County) — a real county-level division of Jiangxi (GB/T 2260: 360121).
DEMO_DISTRICTS = ("360121",)


@dataclass(frozen=True, slots=True)
class DemoSize:
    enterprises: int = 20_000
    officers: int = 200
    seed: int = 20270301


def build_demo(store: Store, size: DemoSize = DemoSize(), folder: Path | None = None) -> Path:
    from simulations.synthetic_registry import write_registry

    out = folder or instance_dir() / "demo"
    print(
        f"[1/2] 生成演示名录库（南昌县，{size.enterprises} 户企业，{size.officers} 名执法人员）→ {out}"
    )
    enterprises, inspectors = write_registry(
        out,
        enterprises=size.enterprises,
        officers=size.officers,
        seed=size.seed,
        districts=list(DEMO_DISTRICTS),
    )
    print("[2/2] 校验并导入数据库 …")
    report = import_registry(store, enterprises=enterprises, inspectors=inspectors, actor="demo")
    print("      " + report.describe("zh"))
    return out
