"""Rules for legal staff: versions, the editor, sign-off, impact."""

from web.rules import editor, signoff  # noqa: F401  (they add their routes to the rules blueprint)
from web.rules.views import rules_area

BLUEPRINTS = (rules_area,)
