"""One rate budget for every request of a batch, learned from the server's own answers.

The API's limits are per organisation (requests per minute, media duration per hour, ...), shared by
every key, and each answer says where the budget stands: `X-Ratelimit-Limit/-Remaining/-Reset` (and the
per-dimension `X-Ratelimit-<dimension>-...` headers), and on a 429 `Retry-After` and
`X-Ratelimit-Dimensions`. A batch asks the limiter before each request (`acquire`) and tells it what the
answer said (`release`); the limiter lets a request go at once while the server's budget has room (never
idle while budget remains) and holds requests while it has none (never above what the server allows).

`RateLimiter` is the interface: two async methods with plain, picklable arguments, so the same budget can
live in another process (a Ray actor holding one budget for a cluster implements the same two methods).
`AdaptiveRateLimiter` is the in-process implementation.

How `AdaptiveRateLimiter` decides, per request:
- An operation whose answers carry no rate-limit headers (and that never got a 429) does not count: it
  goes at once. Until the first answer of an operation is seen, one request of it is in flight at a time
  (a probe), so a batch never starts with a burst into an unknown limit.
- Counted operations share one budget: the latest `Remaining`, minus the counted requests sent since that
  answer and still unanswered. At zero, requests wait for an answer in flight (which brings a fresh
  `Remaining`) or for `Reset`, after which one probe goes to learn the new budget.
- A 429 (or a dimension whose remaining is 0) pauses every counted request for `Retry-After` (else the
  time to `Reset`, else a backoff), then one probe goes.
- `max_per_minute` adds a cap of our own: at most that many counted requests in any sliding minute.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .._retry import parse_retry_after

__all__ = ["AdaptiveRateLimiter", "LimiterStats", "Observation", "RateLimiter", "observation_from_headers"]

_DIMENSION_HEADER = re.compile(r"^x-ratelimit-([a-z0-9_]+)-(limit|remaining|reset|used)$")
_CLASSIC = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used")

#: The window assumed for a limit before the server's answers show a longer one (requests per minute).
DEFAULT_WINDOW = 60.0
#: The pause after a 429 that carries no Retry-After and no reset time.
DEFAULT_PAUSE = 1.0


@dataclass(frozen=True)
class Observation:
    """What one answer said about the budget (plain data; `None` where the answer did not say).

    `status` is None when no answer came (a connection error). `reset_after` and `retry_after` are
    seconds from when the answer arrived. `exhausted` names the dimensions whose remaining is 0.
    """

    status: int | None
    limit: int | None = None
    remaining: int | None = None
    reset_after: float | None = None
    retry_after: float | None = None
    dimensions: tuple[str, ...] = ()
    exhausted: tuple[str, ...] = ()
    exhausted_reset_after: float | None = None

    @property
    def has_limit_headers(self) -> bool:
        return self.limit is not None or self.remaining is not None or bool(self.dimensions) or bool(self.exhausted)

    @classmethod
    def no_answer(cls) -> Observation:
        return cls(status=None)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _seconds_until(reset: float | None, now_epoch: float) -> float | None:
    """`X-Ratelimit-Reset` as seconds from now: an epoch time (UTC seconds), or, if small, a delay."""
    if reset is None or reset < 0:
        return None
    if reset > 1e9:  # an epoch time
        return max(0.0, reset - now_epoch)
    return reset


def observation_from_headers(
    status: int, headers: Mapping[str, str], *, now_epoch: Callable[[], float] = time.time
) -> Observation:
    """The budget as an answer's headers tell it (header names are matched case-insensitively)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    now = now_epoch()
    limit = _number(lowered.get("x-ratelimit-limit"))
    remaining = _number(lowered.get("x-ratelimit-remaining"))
    reset_after = _seconds_until(_number(lowered.get("x-ratelimit-reset")), now)
    per_dimension: dict[str, dict[str, float]] = {}
    for name, value in lowered.items():
        match = _DIMENSION_HEADER.match(name)
        number = _number(value)
        if match and number is not None and name not in _CLASSIC:
            per_dimension.setdefault(match.group(1), {})[match.group(2)] = number
    request = per_dimension.pop("request", None) or per_dimension.pop("requests", None)
    if request is not None:  # the per-dimension spelling of the request budget
        limit = request.get("limit", limit)
        remaining = request.get("remaining", remaining)
        reset_after = _seconds_until(request.get("reset"), now) if "reset" in request else reset_after
    exhausted = tuple(sorted(d for d, values in per_dimension.items() if values.get("remaining", 1) <= 0))
    exhausted_resets = [
        _seconds_until(per_dimension[d].get("reset"), now) for d in exhausted if "reset" in per_dimension[d]
    ]
    dims = lowered.get("x-ratelimit-dimensions", "")
    return Observation(
        status=status,
        limit=None if limit is None else int(limit),
        remaining=None if remaining is None else int(remaining),
        reset_after=reset_after,
        retry_after=parse_retry_after(lowered, now=lambda: now),
        dimensions=tuple(d.strip().lower() for d in dims.split(",") if d.strip()),
        exhausted=exhausted,
        exhausted_reset_after=max((r for r in exhausted_resets if r is not None), default=None),
    )


@runtime_checkable
class RateLimiter(Protocol):
    """A shared request budget. Every request a batch sends is bracketed by these two calls:

        permit = await limiter.acquire("createEmbeddingTaskV2")
        ... send the request ...
        await limiter.release("createEmbeddingTaskV2", permit, observation)

    `acquire` returns when the request may go (a permit number; 0 means "not counted").
    `release` reports the answer's `Observation` (or `Observation.no_answer()`); it must be called once
    per permit, whatever happened. Arguments and results are plain data, so an implementation can live
    in another process (a Ray actor for a whole cluster).
    """

    async def acquire(self, operation: str) -> int: ...

    async def release(self, operation: str, permit: int, observation: Observation) -> None: ...


@dataclass
class LimiterStats:
    """What the limiter saw: requests let through, answers with status 429, time requests spent waiting."""

    requests: int = 0
    counted: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0
    limit: int | None = None
    per_operation: dict[str, int] = field(default_factory=dict)


class AdaptiveRateLimiter:
    """The in-process `RateLimiter`: one budget for every task of one event loop (see the module doc).

    Args:
        max_per_minute: our own cap on counted requests per sliding minute (None: only the server's).
        window: the length of that sliding window in seconds (60 for a per-minute cap).
        clock: a monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        *,
        max_per_minute: int | None = None,
        window: float = DEFAULT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_per_minute is not None and (isinstance(max_per_minute, bool) or max_per_minute < 1):
            raise ValueError(f"max_per_minute must be a whole number >= 1, got {max_per_minute!r}")
        if not window > 0:
            raise ValueError(f"window must be > 0 seconds, got {window!r}")
        self.max_per_minute = max_per_minute
        self.window = float(window)
        self._clock = clock
        self._cond: asyncio.Condition | None = None
        self._counted: set[str] = set()
        self._uncounted: set[str] = set()
        self._probing: set[str] = set()  # operations with their first request in flight
        self._sent: list[float] = []  # counted send times within the cap's window, oldest first
        self._probe_sent: dict[int, float] = {}  # when each probe of an unknown operation went
        self._inflight: dict[int, str] = {}
        self._next_permit = 1
        self._budget: int | None = None  # what the server has left, as far as we know
        self._newest_permit = 0  # the permit whose answer last set the budget
        self._reset_at: float | None = None
        self._paused_until = 0.0
        self._probe: int | None = None  # the one permit sent while the budget is unknown after a pause
        self._after_pause = False
        self.stats = LimiterStats()

    # ------------------------------------------------------------------ the interface
    async def acquire(self, operation: str) -> int:
        cond = self._condition()
        started = self._clock()
        async with cond:
            while True:
                now = self._clock()
                wait = self._wait_time(operation, now)
                if wait <= 0:
                    permit = self._grant(operation, now)
                    self.stats.waited_seconds += now - started
                    return permit
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(cond.wait(), timeout=None if math.isinf(wait) else wait)

    async def release(self, operation: str, permit: int, observation: Observation) -> None:
        cond = self._condition()
        async with cond:
            self._learn(operation, permit, observation, self._clock())
            cond.notify_all()

    # ------------------------------------------------------------------ the rules
    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    def _wait_time(self, operation: str, now: float) -> float:
        """0 when a request of `operation` may go now; else how long to wait (inf: until an answer)."""
        if operation in self._uncounted:
            return 0.0
        if now < self._paused_until:
            return self._paused_until - now
        if operation not in self._counted:
            return math.inf if operation in self._probing else 0.0
        if self.max_per_minute is not None:
            # A request sent at t reaches the server a little later, by a delay that varies: the margin
            # keeps the cap true as the server counts it.
            span = self.window + self._margin()
            while self._sent and self._sent[0] <= now - span:
                self._sent.pop(0)
            if len(self._sent) >= self.max_per_minute:
                return self._sent[0] + span - now
        if self._after_pause:  # one probe at a time until an answer tells the budget again
            return math.inf if self._probe is not None else 0.0
        if self._budget is not None and self._budget <= 0:
            if self._reset_at is not None and now >= self._reset_at:
                self._after_pause = True
                return math.inf if self._probe is not None else 0.0
            if self._reset_at is not None:
                return self._reset_at - now
            return math.inf if self._counted_inflight() else 0.0
        return 0.0

    def _margin(self) -> float:
        return 0.02 * self.window + 0.05

    def _counted_inflight(self) -> int:
        return sum(1 for op in self._inflight.values() if op not in self._uncounted)

    def _grant(self, operation: str, now: float) -> int:
        self.stats.requests += 1
        self.stats.per_operation[operation] = self.stats.per_operation.get(operation, 0) + 1
        if operation in self._uncounted:
            return 0
        permit = self._next_permit
        self._next_permit += 1
        self._inflight[permit] = operation
        if operation not in self._counted:
            self._probing.add(operation)
            self._probe_sent[permit] = now
        else:
            self.stats.counted += 1
            if self.max_per_minute is not None:
                self._sent.append(now)
            if self._after_pause:
                self._probe = permit
            if self._budget is not None:
                self._budget -= 1
        return permit

    def _learn(self, operation: str, permit: int, seen: Observation, now: float) -> None:
        was = self._inflight.pop(permit, None)
        sent_at = self._probe_sent.pop(permit, None)
        probe = permit == self._probe
        if probe:
            self._probe = None
        if was is not None and operation in self._probing:
            self._probing.discard(operation)
        if seen.status is None:  # no answer: the request may have counted; the estimate stays as it is
            return
        limited = seen.status == 429
        if seen.has_limit_headers or limited:
            if operation not in self._counted:
                self._counted.add(operation)
                if was is not None:
                    self.stats.counted += 1
                    if self.max_per_minute is not None:
                        bisect.insort(self._sent, now if sent_at is None else sent_at)
            self._uncounted.discard(operation)
        elif 200 <= seen.status < 300 and operation not in self._counted:
            self._uncounted.add(operation)
        if seen.limit is not None:
            self.stats.limit = seen.limit
        # Answers can overtake each other: the answer to a request sent earlier than the one that last set
        # the budget is older news, and may only lower the estimate.
        newest = permit >= self._newest_permit
        if seen.remaining is not None:
            estimate = seen.remaining - self._counted_inflight()
            if newest or self._budget is None:
                self._budget = estimate
                self._newest_permit = permit
                self._after_pause = False
                if seen.reset_after is not None:
                    self._reset_at = now + seen.reset_after
            else:
                self._budget = min(self._budget, estimate)
        elif probe and 200 <= seen.status < 300:  # admitted, but the answer does not tell the budget
            self._budget = None
            self._after_pause = False
        if seen.remaining is None and seen.reset_after is not None:
            self._reset_at = now + seen.reset_after
        pause = 0.0
        if limited:
            self.stats.rate_limited += 1
            pause = seen.retry_after if seen.retry_after is not None else (seen.reset_after or DEFAULT_PAUSE)
            self._budget = 0
        if seen.exhausted:
            pause = max(pause, seen.retry_after or seen.exhausted_reset_after or DEFAULT_PAUSE)
        if pause > 0:
            self._paused_until = max(self._paused_until, now + pause)
            self._after_pause = True

    def snapshot(self) -> dict[str, object]:
        """The current state, for logs and tests."""
        return {
            "budget": self._budget,
            "inflight": len(self._inflight),
            "counted_operations": sorted(self._counted),
            "uncounted_operations": sorted(self._uncounted),
            "paused_for": max(0.0, self._paused_until - self._clock()),
        }
