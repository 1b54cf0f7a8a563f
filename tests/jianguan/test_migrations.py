"""The migrations build exactly the schema the models describe, on both databases, and the
store itself refuses two approved versions of a rule package taking effect on one day."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from jianguan.db import Store
from jianguan.models import Base, RulePackageVersion


def test_migrated_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == [], "write a migration for: " + repr(differences[:3])


def _version(name: str, status: str) -> RulePackageVersion:
    return RulePackageVersion(
        package_id="credit-tier",
        version=name,
        content_sha256="0" * 64,
        source="",
        effective_from=date(2027, 1, 1),
        status=status,
        created_by="legal1",
    )


def test_one_approved_version_per_package_and_day(store: Store) -> None:
    with store.session() as session:
        session.add_all([_version("2027.1", "approved"), _version("2027.2", "submitted")])
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(_version("2027.3", "approved"))
        session.flush()
