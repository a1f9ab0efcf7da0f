"""Configuration shared by the async client and its generated sync twin (no I/O)."""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from . import _validation as v
from ._config import ApiKey, Timeouts, resolve_api_key, resolve_base_url
from ._errors import ConfigurationError, ValidationError
from ._exchange import CallSettings
from ._polling import PollPolicy
from ._retry import RetryPolicy

__all__ = ["ClientBase", "check_callback", "check_max_items", "wait_policy"]

C = TypeVar("C", bound="ClientBase")


class ClientBase:
    """The settings of a client: key, base URL, policies, clock; and the per-call settings they give."""

    def __init__(
        self,
        api_key: str | ApiKey | None,
        *,
        base_url: str | None,
        timeouts: Timeouts | None,
        retry: RetryPolicy | None,
        poll: PollPolicy | None,
        max_response_bytes: int,
        allow_insecure_http: bool,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._api_key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.poll = poll or PollPolicy()
        for name, value, kind in (
            ("timeouts", self.timeouts, Timeouts),
            ("retry", self.retry, RetryPolicy),
            ("poll", self.poll, PollPolicy),
        ):
            if not isinstance(value, kind):
                raise ConfigurationError(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int) or max_response_bytes < 1:
            raise ConfigurationError(f"max_response_bytes must be a whole number >= 1, got {max_response_bytes!r}")
        self.max_response_bytes = max_response_bytes
        self._clock = clock
        self._rand = rand

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self.base_url)!r}, api_key={self._api_key!r})"

    def _derive(self: C, *, retry: RetryPolicy | None, timeouts: Timeouts | None, poll: PollPolicy | None) -> C:
        """A shallow copy (same connections) with other policies; resources are bound anew."""
        clone = copy.copy(self)
        clone.retry = retry or self.retry
        clone.timeouts = timeouts or self.timeouts
        clone.poll = poll or self.poll
        for name, value, kind in (
            ("timeouts", clone.timeouts, Timeouts),
            ("retry", clone.retry, RetryPolicy),
            ("poll", clone.poll, PollPolicy),
        ):
            if not isinstance(value, kind):
                raise ConfigurationError(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
        clone._bind()
        return clone

    def _bind(self) -> None:
        raise NotImplementedError

    def _settings(self, *, creates: bool, deadline: float | None) -> CallSettings:
        """What one call carries: the policies, whether it creates something, and its deadline (the
        sooner of `Timeouts.total` from now and the enclosing wait's deadline)."""
        own = self._clock() + self.timeouts.total
        return CallSettings(
            retry=self.retry,
            timeouts=self.timeouts,
            creates=creates,
            deadline=own if deadline is None else min(own, deadline),
            max_response_bytes=self.max_response_bytes,
            clock=self._clock,
        )


def check_callback(callback: object) -> None:
    if callback is not None and not callable(callback):
        raise ValidationError("callback", f"must be callable, got {type(callback).__name__}")


def wait_policy(policy: PollPolicy, timeout: float | None) -> PollPolicy:
    if timeout is None:
        return policy
    v.number("timeout", timeout, exclusive_minimum=0)
    return replace(policy, timeout=float(timeout))


def check_wait_args(callback: object, timeout: float | None) -> None:
    """What a wait checks, checked again before a `create_and_wait` creates anything."""
    check_callback(callback)
    wait_policy(PollPolicy(), timeout)


def check_max_items(max_items: object) -> None:
    if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
        raise ValidationError("max_items", f"must be a whole number >= 0, got {max_items!r}", max_items)
