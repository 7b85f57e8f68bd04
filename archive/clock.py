"""Time as a parameter: every deadline, expiry, reminder and retention rule asks a ``Clock``.

Production code uses ``SYSTEM``; tests pass a ``FixedClock`` and move it, so a year of filing
runs in seconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Where the current time comes from."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until moved (tests)."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start if start.tzinfo else start.replace(tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        """The time it was set to."""
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by ``datetime.timedelta(**delta)``; the new time."""
        self.current += dt.timedelta(**delta)
        return self.current

    def set(self, moment: dt.datetime) -> None:
        """Jump to ``moment``."""
        self.current = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


SYSTEM: Clock = SystemClock()
