"""The JSON API, documented in openapi.json beside it."""

from web.api.views import api

BLUEPRINTS = (api,)
