"""Tasks, plan jobs, review, approval, publication and results."""

from web.plans import tasks  # noqa: F401  (adds the task routes to the plans blueprint)
from web.plans.results import results
from web.plans.views import plans

BLUEPRINTS = (plans, results)
