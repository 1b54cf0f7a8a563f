"""The registry (一单两库): enterprises and officers, and the upload."""

from web.registry.upload import registry_upload
from web.registry.views import registry

BLUEPRINTS = (registry, registry_upload)
