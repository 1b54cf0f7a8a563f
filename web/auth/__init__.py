"""Sign-in, sign-out, languages and user administration."""

from web.auth.views import auth

BLUEPRINTS = (auth,)
