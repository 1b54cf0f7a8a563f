"""The audit log page for administrators."""

from web.audit.views import audit_area

BLUEPRINTS = (audit_area,)
