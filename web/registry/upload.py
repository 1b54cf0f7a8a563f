"""Importing registry files uploaded from the browser, with the command line's line-level errors.

The upload is saved to a private temporary folder and handed to the same `import_registry` the
command line uses; problems are reported with the file name the user chose, not the temp path.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from jianguan import audit
from jianguan.errors import DataFileError, FileIssue
from jianguan.registry_store import import_registry
from web.core.access import allow
from web.core.i18n import short_language
from web.extensions import store_of

registry_upload = Blueprint(
    "registry_upload", __name__, template_folder="templates", url_prefix="/registry"
)

ACCEPTED = (".csv", ".xlsx")


@dataclass(frozen=True, slots=True)
class ShownIssue:
    file: str
    line: int
    column: str
    message: str


def _display_name(upload: FileStorage) -> str:
    # Only the last path component, without control characters: browsers may send full paths.
    raw = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in raw if ch.isprintable()).strip() or "upload"


def _save(upload: FileStorage, folder: Path, slot: str) -> tuple[Path, str]:
    shown = _display_name(upload)
    suffix = Path(shown).suffix.lower()
    # The temp name keeps the user's extension (it picks the reader) but none of their text.
    path = folder / f"{slot}{suffix if suffix in ACCEPTED else '.unsupported' + suffix[:10]}"
    upload.save(path)
    return path, shown


def _shown(issues: list[FileIssue], names: dict[str, str], lang: str) -> list[ShownIssue]:
    return [
        ShownIssue(
            names.get(i.file, names.get(Path(i.file).name, Path(i.file).name)),
            i.line,
            i.column,
            i.message_en if lang == "en" else i.message_zh,
        )
        for i in issues
    ]


@registry_upload.route("/import", methods=["GET", "POST"])
@allow("regulator", "admin")
def upload() -> str | tuple[str, int]:
    if request.method == "GET":
        return render_template("registry_import.html")
    lang = short_language()
    with tempfile.TemporaryDirectory(prefix="jg-") as tmp:
        folder = Path(tmp)
        saved: dict[str, Path] = {}
        names: dict[str, str] = {}
        for slot in ("enterprises", "inspectors"):
            upload = request.files.get(slot)
            if upload is not None and upload.filename:
                path, shown = _save(upload, folder, slot)
                saved[slot] = path
                names[str(path)] = shown
                names[path.name] = shown
        if not saved:
            return render_template(
                "registry_import.html", error=_("请至少选择一个文件（企业名录或执法人员名录）。")
            ), 400
        try:
            report = import_registry(
                store_of(current_app),
                enterprises=saved.get("enterprises"),
                inspectors=saved.get("inspectors"),
                actor=current_user.username,
            )
        except DataFileError as err:
            return render_template(
                "registry_import.html",
                issues=_shown(err.issues, names, lang),
                summary=err.summary(lang),
            ), 400
    with store_of(current_app).session() as session:
        audit.record(
            session,
            current_user.username,
            "registry.upload",
            "registry",
            ",".join(names[str(p)] for p in saved.values()),
            None,
            {"files": {slot: names[str(p)] for slot, p in saved.items()}},
        )
    return render_template("registry_import.html", report=report.describe(lang))
