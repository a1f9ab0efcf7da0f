"""The shared rate limiter: it reads the server's headers, never sends over the budget, never idles while budget
remains, pauses everyone on a 429, lets uncounted operations through, and keeps a cap of its own."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from pathlib import Path

from tests.batch.conftest import LiveFake
from twelvelabs_embed.batch import AdaptiveRateLimiter, Observation, RateLimiter, observation_from_headers
from twelvelabs_embed.testing import RateLimit

NOW = 1_800_000_000.0


def test_headers_are_read_into_an_observation() -> None:
    """Classic and per-dimension headers, Retry-After and the dimensions list all land in the observation."""
    seen = observation_from_headers(
        200,
        {"X-Ratelimit-Limit": "600", "X-Ratelimit-Remaining": "17", "X-Ratelimit-Reset": str(int(NOW) + 42)},
        now_epoch=lambda: NOW,
    )
    assert (seen.limit, seen.remaining, seen.reset_after) == (600, 17, 42.0)
    assert seen.has_limit_headers
    limited = observation_from_headers(
        429,
        {
            "retry-after": "3",
            "x-ratelimit-dimensions": "Duration,Request",
            "x-ratelimit-duration-limit": "36000",
            "x-ratelimit-duration-remaining": "0",
            "x-ratelimit-duration-reset": "120",
        },
        now_epoch=lambda: NOW,
    )
    assert limited.retry_after == 3.0 and limited.dimensions == ("duration", "request")
    assert limited.exhausted == ("duration",) and limited.exhausted_reset_after == 120.0
    per_dimension = observation_from_headers(
        200, {"x-ratelimit-request-limit": "100", "x-ratelimit-request-remaining": "5"}, now_epoch=lambda: NOW
    )
    assert (per_dimension.limit, per_dimension.remaining) == (100, 5)
    assert not observation_from_headers(200, {"content-type": "application/json"}).has_limit_headers


class SlidingServer:
    """A server with `limit` requests per sliding `window`, answering as the fake does (exact reset times)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.admitted: deque[float] = deque()
        self.log: list[float] = []
        self.rejected = 0

    def answer(self) -> Observation:
        now = time.monotonic()
        while self.admitted and self.admitted[0] <= now - self.window:
            self.admitted.popleft()
        if len(self.admitted) >= self.limit:
            self.rejected += 1
            return Observation(status=429, retry_after=self.admitted[0] + self.window - now, dimensions=("request",))
        self.admitted.append(now)
        self.log.append(now)
        reset = self.admitted[0] + self.window - now
        return Observation(status=200, limit=self.limit, remaining=self.limit - len(self.admitted), reset_after=reset)


async def _drive(limiter: RateLimiter, server: SlidingServer, seconds: float, workers: int) -> None:
    stop = time.monotonic() + seconds

    async def worker() -> None:
        while time.monotonic() < stop:
            permit = await limiter.acquire("create")
            await asyncio.sleep(0.005)  # the request travels
            await limiter.release("create", permit, server.answer())

    await asyncio.gather(*(worker() for _ in range(workers)))


def _max_in_window(times: list[float], window: float) -> int:
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_the_budget_is_filled_but_never_exceeded() -> None:
    """Against a sliding-window server: no 429 at all, and the requests sent reach the limit of every window."""
    server = SlidingServer(limit=15, window=0.4)
    asyncio.run(_drive(AdaptiveRateLimiter(), server, seconds=1.7, workers=12))
    assert server.rejected == 0
    assert _max_in_window(server.log, server.window) <= server.limit
    windows = math.floor(1.7 / 0.4)
    assert len(server.log) >= server.limit * windows  # never idle while budget remains


def test_a_429_pauses_every_counted_request_then_one_probe_goes_first() -> None:
    """After a 429 with Retry-After, nothing counted is sent until then; uncounted reads still go."""

    async def main() -> tuple[float, float, float]:
        limiter = AdaptiveRateLimiter()
        first = await limiter.acquire("create")
        await limiter.release("create", first, Observation(status=200, limit=10, remaining=9, reset_after=60))
        read = await limiter.acquire("list")  # not known yet: a probe
        await limiter.release("list", read, Observation(status=200))  # no headers: uncounted from now on
        permit = await limiter.acquire("create")
        started = time.monotonic()
        await limiter.release("create", permit, Observation(status=429, retry_after=0.3))
        assert await limiter.acquire("list") == 0
        read_at = time.monotonic() - started
        probe = await limiter.acquire("create")
        probe_at = time.monotonic() - started
        blocked = asyncio.create_task(limiter.acquire("create"))
        await asyncio.sleep(0.1)
        assert not blocked.done()  # only the probe is out until an answer tells the budget
        await limiter.release("create", probe, Observation(status=200, limit=10, remaining=8, reset_after=60))
        await asyncio.wait_for(blocked, 1)
        return read_at, probe_at, time.monotonic() - started

    read_at, probe_at, _ = asyncio.run(main())
    assert read_at < 0.1
    assert 0.29 <= probe_at < 0.6


def test_an_unknown_operation_sends_one_probe_before_a_burst() -> None:
    """The first requests of an operation whose limit is unknown go one at a time until an answer arrives."""

    async def main() -> int:
        limiter = AdaptiveRateLimiter()
        first = await limiter.acquire("create")
        others = [asyncio.create_task(limiter.acquire("create")) for _ in range(5)]
        await asyncio.sleep(0.05)
        waiting = sum(not t.done() for t in others)
        await limiter.release("create", first, Observation(status=200, limit=100, remaining=99, reset_after=60))
        await asyncio.wait_for(asyncio.gather(*others), 1)
        return waiting

    assert asyncio.run(main()) == 5


def test_our_own_cap_holds_in_every_window() -> None:
    """`max_per_minute` (here per 0.3 s) bounds counted requests in any sliding window, whatever the server says."""
    server = SlidingServer(limit=1000, window=0.3)
    limiter = AdaptiveRateLimiter(max_per_minute=6, window=0.3)
    asyncio.run(_drive(limiter, server, seconds=1.0, workers=8))
    assert _max_in_window(server.log, 0.3) <= 6
    assert len(server.log) >= 6 * 3


def test_a_batch_against_the_fakes_limit_gets_no_429_and_keeps_pace(tmp_path: Path, live: LiveFake) -> None:
    """30 creates under a fake limit of 10 per 2 s: not one 429, and no more windows used than needed (+ rounding)."""
    live.fake.rate_limit = RateLimit(10, window_seconds=2.0)
    urls = tmp_path / "u.txt"
    urls.write_text("".join(f"https://e.com/r{i}.mp4?duration=6\n" for i in range(30)), encoding="utf-8")
    result = live.run(urls, tmp_path / "out", concurrency=30)
    assert result.ok
    creates = live.fake.calls("createEmbeddingTaskV2")
    assert [r.status for r in creates].count(429) == 0
    times = sorted(r.received_at.timestamp() for r in creates)
    span = times[-1] - times[0]
    assert 3.9 <= span <= 4.0 + 2 * 1.5  # three windows; each reset is announced rounded up to a whole second
