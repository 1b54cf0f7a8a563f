"""Where data lives: the instance folder and the default database URL.

The instance folder is `./instance` under the working directory unless `JIANGUAN_INSTANCE`
names another; the default store is the SQLite file `jianguan.db` inside it. Any SQLAlchemy
URL (e.g. PostgreSQL) can be given with `--db` or `JIANGUAN_DB`.
"""

from __future__ import annotations

import os
from pathlib import Path


def instance_dir() -> Path:
    folder = Path(os.environ.get("JIANGUAN_INSTANCE", "instance")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_url(given: str | None = None) -> str:
    if given:
        return given
    from_env = os.environ.get("JIANGUAN_DB")
    if from_env:
        return from_env
    return f"sqlite:///{instance_dir() / 'jianguan.db'}"
