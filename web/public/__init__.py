"""The public notices (一公开) and their re-verification, open to everyone."""

from web.public.views import public_area

BLUEPRINTS = (public_area,)
