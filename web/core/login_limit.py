"""A login rate limit: after a few failures from one address for one user name, wait.

The failures are rows in the store (`login_failures`), so the limit holds across every web
process and machine serving the UI. The window slides: a patient attacker gets at most
`max_failures` guesses per `window_s` seconds per (address, user name), and 5x that per
address. Check and count are two statements, so guesses sent at the very same moment to
several processes may each pass the check once: the bound is exceeded by at most the number of
concurrent requests, never by a sustained stream.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jianguan.models import LoginFailure

PER_ADDRESS_FACTOR = 5


def _at(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC).replace(tzinfo=None)


class LoginLimiter:
    """Each method works in the request's session (`session`), so a failure is counted in the
    same transaction as its audit record; the caller commits."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s

    def _keys(self, address: str, username: str) -> tuple[tuple[str, str], tuple[str, str]]:
        # Per user name from this address, and per address overall (5x looser): guessing many
        # names from one address is throttled too.
        return (address[:64], username.lower()[:60]), (address[:64], "")

    def retry_after(
        self, session: Session, address: str, username: str, now: float | None = None
    ) -> int:
        """Seconds to wait before another attempt is accepted; 0 when allowed now."""
        now = time.time() if now is None else now
        since = _at(now - self.window_s)
        wait = 0.0
        limits = (self.max_failures, self.max_failures * PER_ADDRESS_FACTOR)
        for (addr, name), limit in zip(self._keys(address, username), limits, strict=True):
            times = list(
                session.scalars(
                    select(LoginFailure.at)
                    .where(
                        LoginFailure.address == addr,
                        LoginFailure.username == name,
                        LoginFailure.at > since,
                    )
                    .order_by(LoginFailure.at)
                )
            )
            if len(times) >= limit:
                # Allowed again once enough of the failures in the window have aged out.
                oldest = times[len(times) - limit].replace(tzinfo=UTC).timestamp()
                wait = max(wait, oldest + self.window_s - now)
        return int(wait) + (1 if wait > 0 else 0)

    def failed(
        self, session: Session, address: str, username: str, now: float | None = None
    ) -> None:
        now = time.time() if now is None else now
        # Failures older than the window count for nobody: keep the table small.
        session.execute(delete(LoginFailure).where(LoginFailure.at <= _at(now - self.window_s)))
        for addr, name in self._keys(address, username):
            session.add(LoginFailure(address=addr, username=name, at=_at(now)))
        session.flush()

    def succeeded(self, session: Session, address: str, username: str) -> None:
        (addr, name), _ = self._keys(address, username)
        session.execute(
            delete(LoginFailure).where(LoginFailure.address == addr, LoginFailure.username == name)
        )
