"""Languages: Chinese (zh_CN) first, English on request; the choice lives in the session.

Message ids are the Chinese text itself, so the UI reads correctly even without a catalogue.
English catalogues: `translations/en` for the core pages, and one directory per larger area
(`translations_simulations/en`), so areas grow their catalogues without editing one shared file;
Flask-Babel merges them (a later directory wins on a repeated id).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT = "zh_CN"
WEB = Path(__file__).resolve().parent.parent
TRANSLATIONS = WEB / "translations"
CATALOGUE_DIRS = (TRANSLATIONS, WEB / "translations_simulations")


def current_language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else DEFAULT


def short_language() -> str:
    """'zh' or 'en', the form `JianguanError.message()` and the command line use."""
    return "en" if current_language() == "en" else "zh"


def install_babel(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in CATALOGUE_DIRS)
    Babel(app, locale_selector=current_language)

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"languages": LANGUAGES, "lang": current_language()}
