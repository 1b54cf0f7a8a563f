"""The rules area for legal staff: packages, editing with sign-off, tests, try-it, impact."""

from __future__ import annotations

from flask import Blueprint

rules_area = Blueprint("rules_area", __name__, url_prefix="/rules")
