"""Clocks of the fake: a controllable one for tests and the wall clock for a real server.

Task status (`processing` -> `ready`/`failed`), the 7-day list window and the rate-limit window are all
computed from `clock.now()`, so a test moves time with `FakeClock.advance()` and never really waits.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import anyio

__all__ = ["DEFAULT_START", "Clock", "FakeClock", "WallClock"]

#: Where a `FakeClock` starts unless told otherwise (a fixed instant keeps ids and timestamps reproducible).
DEFAULT_START = datetime(2026, 7, 1, 8, 0, 0, tzinfo=UTC)


@runtime_checkable
class Clock(Protocol):
    """What the fake needs from a clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    async def wait(self, seconds: float) -> None:
        """Let `seconds` pass (used by `slow` faults)."""
        ...


class WallClock:
    """Real time; used when the fake is served for real."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def async_sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


class FakeClock:
    """A clock that moves only when told to.

    `sleep()` and `monotonic()` make it usable as the injectable sleep/clock of a polling client,
    so a client that polls every 5 s drives the fake's tasks to completion without real waiting.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = DEFAULT_START if start is None else start
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._start = start.astimezone(UTC)
        self._elapsed = 0.0

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` (>= 0)."""
        if seconds < 0:
            raise ValueError("a FakeClock cannot go backwards")
        self._elapsed += float(seconds)

    def monotonic(self) -> float:
        """Seconds since the clock's start (a stand-in for `time.monotonic`)."""
        return self._elapsed

    def sleep(self, seconds: float) -> None:
        """Advance instead of sleeping (a stand-in for `time.sleep`)."""
        self.advance(max(0.0, seconds))

    async def async_sleep(self, seconds: float) -> None:
        """Advance instead of sleeping (a stand-in for `asyncio.sleep`)."""
        self.advance(max(0.0, seconds))

    async def wait(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now().isoformat()})"
