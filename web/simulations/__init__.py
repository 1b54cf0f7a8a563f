"""Simulations for policy planners: scenarios, runs, results."""

from web.simulations.views import simulations_area

BLUEPRINTS = (simulations_area,)
