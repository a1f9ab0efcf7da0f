"""Waiting for a task: the schedule and the decisions, shared by the sync and async clients.

`Waiter` holds no I/O. A client's wait loop fetches the task, reports it (or the error) to the
waiter, and sleeps for the delay the waiter returns, with the client's injectable `sleep`.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ._errors import (
    APIStatusError,
    ConfigurationError,
    EmbedError,
    ResponseParseError,
    TransportError,
    WaitTimeoutError,
)

__all__ = ["FINAL_POLL_GRACE", "PollPolicy", "Waiter"]

logger = logging.getLogger("twelvelabs_embed")

TERMINAL = frozenset({"ready", "failed"})

#: A wait wakes at its deadline for one last poll; that request may take this much longer, so a
#: wait with `timeout=T` ends by T + FINAL_POLL_GRACE seconds whatever the server does.
FINAL_POLL_GRACE = 0.5


@dataclass(frozen=True)
class PollPolicy:
    """How a wait polls.

    The n-th interval is `initial_interval * multiplier**n`, capped at `max_interval` and at
    `max_delay_fraction` of the time waited so far (but never below `initial_interval`), minus up to
    `jitter` of it. The fraction cap bounds how late a finished task is noticed: with the default
    0.1, a task that takes 10 minutes is seen at most about a minute late, while the exponential
    growth keeps long waits to few requests. `timeout` is the overall deadline in seconds.
    """

    initial_interval: float = 2.0
    multiplier: float = 1.5
    max_interval: float = 60.0
    max_delay_fraction: float = 0.1
    jitter: float = 0.1
    timeout: float = 4 * 3600.0

    def __post_init__(self) -> None:
        for name in ("initial_interval", "max_interval", "timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise ConfigurationError(f"PollPolicy.{name} must be a finite number > 0, got {value!r}")
        if not (isinstance(self.multiplier, int | float) and math.isfinite(self.multiplier) and self.multiplier >= 1):
            raise ConfigurationError(f"PollPolicy.multiplier must be >= 1, got {self.multiplier!r}")
        if not (isinstance(self.jitter, int | float) and 0 <= self.jitter < 1):
            raise ConfigurationError(f"PollPolicy.jitter must be in [0, 1), got {self.jitter!r}")
        if not (isinstance(self.max_delay_fraction, int | float) and self.max_delay_fraction > 0):
            raise ConfigurationError(f"PollPolicy.max_delay_fraction must be > 0, got {self.max_delay_fraction!r}")

    def interval(self, poll_number: int, elapsed: float, rand: Callable[[], float] = random.random) -> float:
        """The pause after poll number `poll_number` (0-based), `elapsed` seconds into the wait."""
        exponential = self.initial_interval * self.multiplier ** min(poll_number, 200)
        relative = max(self.initial_interval, elapsed * self.max_delay_fraction)
        base = min(exponential, self.max_interval, relative)
        return base * (1 - self.jitter * rand())


def is_transient(error: EmbedError) -> bool:
    """Errors a wait absorbs: connection problems, timeouts, 408, 429, 5xx, and unreadable bodies."""
    if isinstance(error, TransportError | ResponseParseError):
        return True
    if isinstance(error, APIStatusError):
        return error.status_code in (408, 429) or error.status_code >= 500
    return False


class Waiter:
    """The state of one wait: the deadline, the poll count and the last status seen."""

    def __init__(
        self,
        task_id: str,
        policy: PollPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.task_id = task_id
        self.policy = policy
        self._clock = clock
        self._rand = rand
        self._start = clock()
        #: The clock reading at which the wait ends; every request inside it is clipped to it.
        self.deadline = self._start + policy.timeout
        self.polls = 0
        self.last_status: str | None = None
        self.last: object = None

    def elapsed(self) -> float:
        return self._clock() - self._start

    def _next_delay(self) -> float:
        elapsed = self.elapsed()
        remaining = self.policy.timeout - elapsed
        if remaining <= 0:
            logger.warning(
                "task %s: gave up after %.1f s (%d polls, last status %s)",
                self.task_id,
                elapsed,
                self.polls,
                self.last_status,
            )
            raise WaitTimeoutError(
                self.task_id,
                timeout=self.policy.timeout,
                last_status=self.last_status,
                last=self.last,
                elapsed=elapsed,
            )
        delay = self.policy.interval(self.polls - 1, elapsed, self._rand)
        return min(delay, remaining)

    def observed(self, status: str | None, task: object) -> bool:
        """Record a fetched task; True when it is terminal."""
        self.polls += 1
        self.last_status, self.last = status, task
        logger.debug("task %s: poll %d -> %s", self.task_id, self.polls, status)
        return status in TERMINAL

    def delay_after_pending(self) -> float:
        """Seconds to sleep before the next poll; raises `WaitTimeoutError` past the deadline."""
        delay = self._next_delay()
        logger.debug("task %s: %s; next poll in %.2f s", self.task_id, self.last_status, delay)
        return delay

    def delay_after_error(self, error: EmbedError) -> float:
        """Seconds to sleep after a failed poll; raises the error if it is fatal, or on timeout."""
        self.polls += 1
        if not is_transient(error):
            raise error
        hint = error.retry_after if isinstance(error, APIStatusError) else None
        delay = self._next_delay()
        if hint is not None:
            delay = max(delay, min(hint, self.policy.timeout - self.elapsed()))
        logger.warning("task %s: poll %d failed (%s); next poll in %.2f s", self.task_id, self.polls, error, delay)
        return delay
