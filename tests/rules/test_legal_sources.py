"""Legal staff read every rule file against the texts it cites: each basis names its issuer
and where its text was published, and no placeholder stands in for a text."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.loader import PACKAGES_DIR
from rules.package import Package
from rules.registry import load_packages
from rules.schema import Citation

PLACEHOLDERS = ("原文未在手", "非原文", "补录", "（概述）", "TODO")


def _citations(version: Package) -> list[Citation]:
    model = version.model
    cites = [c for r in model.rules for c in r.basis]
    cites += [v.reference for p in model.parameters.values() for v in p.values]
    cites += [t.source for t in model.tables.values()]
    if model.scorecard is not None:
        cites += [c for ind in model.scorecard.indicators for c in ind.basis]
    return cites


VERSIONS = [v for versions in load_packages().values() for v in versions]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: f"{v.id}@{v.version}")
def test_every_basis_names_its_issuer_and_source(version: Package) -> None:
    cites = _citations(version)
    assert cites
    missing = [c.render() for c in cites if not (c.issuer and c.source)]
    assert missing == [], version.path


@pytest.mark.parametrize("path", sorted(PACKAGES_DIR.glob("*/*.yaml")), ids=lambda p: p.name)
def test_no_placeholder_stands_in_for_a_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert [p for p in PLACEHOLDERS if p in text] == []
