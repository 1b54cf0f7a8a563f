"""The simulations area for policy planners: scenarios, background runs, comparisons."""

from __future__ import annotations

from flask import Blueprint

simulations_area = Blueprint("simulations_area", __name__, url_prefix="/simulations")
