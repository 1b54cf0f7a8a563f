"""Reading the PDFs we make as a reader would: their text (poppler's pdftotext) and the fonts
embedded in them (pdffonts). Debian's poppler-utils provides both; .ci/run installs it and sets
JIANGUAN_REQUIRE_PDF=1, which turns a missing tool (or a WeasyPrint that cannot load pango)
into a failure instead of a skip."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest


def require_pdf_tools() -> None:
    from scheduler.pdf_render import PdfUnavailableError, load_weasyprint

    missing = [tool for tool in ("pdftotext", "pdffonts") if shutil.which(tool) is None]
    try:
        load_weasyprint()
    except PdfUnavailableError as err:
        missing.append(err.message("en"))
    if missing:
        if os.environ.get("JIANGUAN_REQUIRE_PDF"):
            pytest.fail(f"JIANGUAN_REQUIRE_PDF is set but these are missing: {missing}")
        pytest.skip(f"PDF tools missing (apt-get install poppler-utils libpango-1.0-0): {missing}")


def _saved(pdf: bytes, folder: Path) -> Path:
    path = folder / "document.pdf"
    path.write_bytes(pdf)
    return path


def pdf_text(pdf: bytes, folder: Path) -> str:
    """The document's text in drawing order (each table cell whole, even when it wraps), with
    all whitespace removed: a cell may wrap anywhere."""
    out = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(_saved(pdf, folder)), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    return re.sub(r"\s+", "", out)


def embedded_fonts(pdf: bytes, folder: Path) -> list[str]:
    """Names of the fonts embedded in the document (pdffonts' `emb` column says yes)."""
    out = subprocess.run(
        ["pdffonts", str(_saved(pdf, folder))], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    fonts = []
    for line in out.splitlines()[2:]:
        cells = line.split()
        # name, type (one or more words), encoding, emb, sub, uni, object, id
        if len(cells) >= 7 and cells[-5] == "yes":
            fonts.append(cells[0])
    return fonts
