"""Every request of a batch goes through `Metered`: ask the rate limiter, send, report the answer, retry.

The client the batch uses sends each call exactly once (its own retries are off), so every attempt passes
the limiter. The answer's rate-limit headers reach the limiter through an httpx response hook
(`capture_response`) on the client's httpx client: the hook writes them into the call that is running
(a context variable set around each call), and `Metered` hands them to the limiter.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from .._config import Timeouts
from .._errors import APIStatusError, AuthenticationError, EmbedError, PermissionDeniedError, RateLimitError
from .._polling import is_transient
from .._retry import RetryPolicy
from ._ratelimit import Observation, RateLimiter, observation_from_headers

__all__ = ["FatalBatchError", "Metered", "batch_http_client", "capture_response", "is_fatal"]

logger = logging.getLogger("twelvelabs_embed.batch")

T = TypeVar("T")


@dataclass
class _Call:
    observation: Observation | None = None


_CURRENT: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("twelvelabs_embed_batch_call", default=None)


async def capture_response(response: httpx.Response) -> None:
    """httpx response hook: record the answer's rate-limit headers for the call in progress."""
    call = _CURRENT.get()
    if call is not None:
        call.observation = observation_from_headers(response.status_code, response.headers)


def batch_http_client(*, timeouts: Timeouts | None = None, max_connections: int = 100) -> httpx.AsyncClient:
    """An httpx client whose answers feed the batch's rate limiter (pass it as `http_client=`)."""
    t = timeouts or Timeouts()
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        event_hooks={"response": [capture_response]},
    )


class FatalBatchError(EmbedError):
    """An error that stops the whole batch (the key is refused, the API keeps failing)."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause


def is_fatal(error: BaseException) -> bool:
    """Errors no item can get past: the key is invalid or not allowed."""
    return isinstance(error, AuthenticationError | PermissionDeniedError)


@dataclass
class CallStats:
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0


class Metered:
    """Sends calls through the rate limiter, with retries for transient failures.

    Args:
        limiter: the shared budget.
        retry: the backoff schedule and the number of retries of a transient failure (429s are waited
            out as the limiter says and do not use up retries, up to `max_rate_limited` in a row).
        sleep, rand: injectable for tests.
    """

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        retry: RetryPolicy | None = None,
        max_rate_limited: int = 100,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.limiter = limiter
        self.retry = retry or RetryPolicy(max_retries=6, initial_delay=0.5, max_delay=15.0)
        self.max_rate_limited = max_rate_limited
        self.sleep = sleep
        self.rand = rand
        self.stats = CallStats()

    async def once(self, operation: str, send: Callable[[], Awaitable[T]]) -> T:
        """One attempt: wait for the budget, send, report the answer. Errors are raised as they come."""
        permit = await self.limiter.acquire(operation)
        call = _Call()
        token = _CURRENT.set(call)
        observation: Observation | None = None
        try:
            self.stats.requests += 1
            result = await send()
        except APIStatusError as error:
            observation = call.observation or observation_from_headers(error.status_code, error.response.headers)
            if isinstance(error, RateLimitError):
                self.stats.rate_limited += 1
            raise
        except BaseException:
            observation = call.observation or Observation.no_answer()
            raise
        else:
            observation = call.observation or Observation(status=200)
            return result
        finally:
            _CURRENT.reset(token)
            await asyncio.shield(self.limiter.release(operation, permit, observation or Observation.no_answer()))

    async def call(self, operation: str, send: Callable[[], Awaitable[T]]) -> T:
        """`once`, retried: 429s after the limiter's pause, transient failures with backoff.

        For requests that are safe to repeat (reads); a create is sent with `once`.
        """
        failures = 0
        limited = 0
        while True:
            try:
                return await self.once(operation, send)
            except RateLimitError:
                limited += 1
                if limited > self.max_rate_limited:
                    raise
                self.stats.retries += 1
            except EmbedError as error:
                if not is_transient(error) or failures >= self.retry.max_retries:
                    raise
                delay = self.retry.backoff(failures, self.rand)
                if isinstance(error, APIStatusError) and error.retry_after is not None:
                    delay = max(delay, min(error.retry_after, self.retry.max_retry_after))
                failures += 1
                self.stats.retries += 1
                logger.info("%s failed (%s); retry %d in %.2f s", operation, error, failures, delay)
                await self.sleep(delay)
