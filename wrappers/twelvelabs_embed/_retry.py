"""When to retry a request and how long to wait: pure rules shared by the sync and async clients."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from ._errors import ConfigurationError

__all__ = ["RetryPolicy", "never_sent", "parse_retry_after"]

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Retries with exponential backoff and jitter.

    The n-th retry (n = 0, 1, ...) waits `initial_delay * multiplier**n`, capped at `max_delay`,
    minus up to `jitter` (a fraction) of it. A `Retry-After` / `retry-after-ms` header replaces that
    delay when it is at most `max_retry_after` seconds; a longer one is not waited for (the error is
    raised with `retry_after` set). `max_retries=0` turns retries off.

    A request that creates something (the call site says so, see `_exchange.CallSettings.creates`)
    is retried only when the server provably created nothing: a 429, or a connection that failed
    before the request was sent.
    """

    max_retries: int = 3
    initial_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    statuses: frozenset[int] = field(default=RETRYABLE_STATUSES)

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or isinstance(self.max_retries, bool) or self.max_retries < 0:
            raise ConfigurationError(f"RetryPolicy.max_retries must be an integer >= 0, got {self.max_retries!r}")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ConfigurationError(f"RetryPolicy.{name} must be a finite number >= 0, got {value!r}")
        if not (isinstance(self.multiplier, int | float) and math.isfinite(self.multiplier) and self.multiplier >= 1):
            raise ConfigurationError(f"RetryPolicy.multiplier must be >= 1, got {self.multiplier!r}")
        if not (isinstance(self.jitter, int | float) and 0 <= self.jitter <= 1):
            raise ConfigurationError(f"RetryPolicy.jitter must be between 0 and 1, got {self.jitter!r}")

    def backoff(self, retry_number: int, rand: Callable[[], float] = random.random) -> float:
        """The delay before retry number `retry_number` (0-based) when the server gave no hint."""
        base = min(self.max_delay, self.initial_delay * self.multiplier**retry_number)
        return base * (1 - self.jitter * rand())

    def delay_for_response(
        self,
        response: httpx.Response,
        retry_number: int,
        *,
        creates: bool,
        now: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before retrying after `response`, or None to return it as it is."""
        if retry_number >= self.max_retries or response.status_code not in self.statuses:
            return None
        if creates and response.status_code != 429:
            return None  # a 5xx after sending may have created it: never risk a duplicate
        hint = parse_retry_after(response.headers, now=now)
        if hint is not None:
            return hint if hint <= self.max_retry_after else None
        return self.backoff(retry_number, rand)

    def delay_for_error(
        self,
        error: httpx.TransportError,
        retry_number: int,
        *,
        creates: bool,
        rand: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before retrying after a transport error, or None to raise it."""
        if retry_number >= self.max_retries:
            return None
        if creates and not never_sent(error):
            return None
        return self.backoff(retry_number, rand)


def never_sent(error: httpx.TransportError) -> bool:
    """True when the request provably never reached the server."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def parse_retry_after(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (delta seconds or an HTTP date); None if absent or bad."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            value = float(raw_ms) / 1000
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:  # a hostile date (absurd zone offset or year) raises OverflowError as well
            when = email.utils.parsedate_to_datetime(raw)
            moment = when.timestamp()
        except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
            return None
        return max(0.0, moment - now())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
