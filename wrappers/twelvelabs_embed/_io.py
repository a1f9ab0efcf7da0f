"""The few things that differ between async and sync I/O, named so `scripts/unasync.py` maps one onto
the other: the sleep type and default, and calling a user's callback."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["DEFAULT_ASYNC_SLEEP", "DEFAULT_SLEEP", "AsyncSleep", "Sleep", "anotify", "notify"]

T = TypeVar("T")

AsyncSleep = Callable[[float], Awaitable[None]]
Sleep = Callable[[float], None]
DEFAULT_ASYNC_SLEEP: AsyncSleep = asyncio.sleep
DEFAULT_SLEEP: Sleep = time.sleep


async def anotify(callback: Callable[[T], object], value: T) -> None:
    """Call a user's callback from async code: a plain function, or a coroutine function (awaited)."""
    result = callback(value)
    if inspect.isawaitable(result):
        await result


def notify(callback: Callable[[T], object], value: T) -> None:
    """Call a user's callback from sync code."""
    callback(value)
