"""Password hashing: scrypt through werkzeug (OpenSSL's scrypt), a work factor the app config
names, and a rehash when a stored hash was made with weaker parameters.

The default is scrypt N=2^15, r=8, p=3: OWASP's Password Storage Cheat Sheet lists it as the
equal of N=2^17, p=1 while needing 32 MiB a hash instead of 128 MiB (eight waitress threads
signing in at once stay under 300 MiB). Werkzeug's own default (p=1) is a third of that work,
so hashes made with it are upgraded on the user's next sign-in. Each hash has its own 16-character
random salt (about 95 bits), and scrypt reads the whole password: nothing is truncated.
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt:32768:8:3"


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    # Checked when the user name is unknown, so a wrong name costs as much as a wrong password.
    return generate_password_hash("not-a-real-password", method=method)


def hash_password(password: str, method: str = DEFAULT_METHOD) -> str:
    return generate_password_hash(password, method=method)


def method_of(stored: str) -> str:
    """The method and parameters a stored hash was made with, e.g. `scrypt:32768:8:3`."""
    return stored.split("$", 1)[0]


def needs_rehash(stored: str, method: str = DEFAULT_METHOD) -> bool:
    # The dummy hash spells the configured method in full ("scrypt" → "scrypt:32768:8:1").
    return method_of(stored) != method_of(_dummy_hash(method))


def matches(stored: str, password: str) -> bool:
    return check_password_hash(stored, password)


def spend_like_a_check(password: str, method: str = DEFAULT_METHOD) -> None:
    """Do the work of one check and discard it: for unknown and disabled users."""
    check_password_hash(_dummy_hash(method), password)
