"""One poller for every task of a batch.

Waiting tasks register here; one loop decides, per API and per round, the cheaper way to learn which of
them finished:
- a sweep of the task list filtered to `status=processing` (newest first, 50 per page, from the oldest
  waiting task's creation on): every waiting task not in it is no longer processing. It costs one request
  per 50 processing tasks of the account in that window, whatever the number of waiting tasks;
- or one status request per due task (`GET .../status` for legacy, `GET /embed-v2/tasks/{id}` for v2).
A sweep is chosen when it costs no more requests than the per-task checks that are due. A task found
absent from a sweep is reported `terminal` (ready or failed); the caller learns which from the retrieve
it needs anyway. Each task keeps its own schedule (`PollPolicy`: growing intervals) and its own deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .._errors import BadRequestError, EmbedError, WaitTimeoutError
from .._polling import PollPolicy
from .._views import status_text
from ._calls import Metered, is_fatal

if TYPE_CHECKING:
    from .._async import AsyncEmbedClient

__all__ = ["Check", "TaskPoller"]

logger = logging.getLogger("twelvelabs_embed.batch")

Api = Literal["v2", "legacy"]
LIST_OPERATION = {"v2": "listEmbeddingTasksV2", "legacy": "listVideoEmbeddingTasks"}
CHECK_OPERATION = {"v2": "getEmbeddingTaskV2", "legacy": "getVideoEmbeddingTaskStatus"}
PAGE_LIMIT = 50


@dataclass(frozen=True)
class Check:
    """What the poller learned: `ready`, `failed` (with the server's reason), or `terminal` (not processing
    any more; ready or failed, the retrieve tells)."""

    status: Literal["ready", "failed", "terminal", "processing"]
    reason: str | None = None


@dataclass(eq=False)
class _Waiting:
    api: Api
    task_id: str
    created_at: float  # epoch seconds (our clock) of the create
    registered: float  # monotonic
    deadline: float  # monotonic
    future: asyncio.Future[Check]
    next_due: float
    polls: int = 0


@dataclass
class PollerStats:
    sweeps: int = 0
    sweep_pages: int = 0
    checks: int = 0
    per_api_processing: dict[str, int] = field(default_factory=dict)


class TaskPoller:
    """Waits for many tasks with few requests (see the module doc).

    Args:
        client: the batch's client.
        metered: the rate-limited, retrying sender.
        poll: the schedule of each task (its `timeout` is not used: `wait` takes each task's own).
        clock_skew: seconds of slack between our clock and the server's, for the sweep's time window.
        list_lag: a task created less than this long before a sweep is not judged by its absence.
    """

    def __init__(
        self,
        client: AsyncEmbedClient,
        metered: Metered,
        *,
        poll: PollPolicy,
        clock_skew: float = 120.0,
        list_lag: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.metered = metered
        self.poll = poll
        self.clock_skew = clock_skew
        self.list_lag = list_lag
        self._clock = clock
        self._wall = wall
        self._rand = rand
        self._waiting: dict[str, _Waiting] = {}
        self._wakeup = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._no_sweep: set[str] = set()
        self._processing_estimate: dict[str, int] = {}
        self.stats = PollerStats()

    # ------------------------------------------------------------------ public
    async def wait(self, api: Api, task_id: str, *, created_at: float, timeout: float) -> Check:
        """Return once the task is no longer processing; `WaitTimeoutError` after `timeout` seconds."""
        now = self._clock()
        age = max(0.0, self._wall() - created_at)
        entry = _Waiting(
            api=api,
            task_id=task_id,
            created_at=created_at,
            registered=now,
            deadline=now + timeout,
            future=asyncio.get_running_loop().create_future(),
            next_due=now + max(0.0, self.poll.initial_interval - age),
        )
        self._waiting[task_id] = entry
        self._ensure_loop()
        self._wakeup.set()
        try:
            return await entry.future
        finally:
            if self._waiting.get(task_id) is entry:
                del self._waiting[task_id]

    async def check(self, api: Api, task_id: str) -> Check:
        """One look at one task (its status and, for a failed v2 task, the reason)."""
        self.stats.checks += 1
        if api == "v2":
            task = await self.metered.call(CHECK_OPERATION[api], lambda: self.client.v2.tasks.retrieve(task_id))
            status = status_text(task.status)
            error = getattr(task, "error", None)
            reason = getattr(error, "message", None) if error is not None else None
            return _check(status, reason if isinstance(reason, str) else None)
        legacy = await self.metered.call(CHECK_OPERATION[api], lambda: self.client.legacy.tasks.status(task_id))
        return _check(status_text(legacy.status), None)

    async def aclose(self) -> None:
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------------ the loop
    def _ensure_loop(self) -> None:
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(self._run(), name="twelvelabs-embed-poller")

    async def _run(self) -> None:
        try:
            while True:
                self._wakeup.clear()
                now = self._clock()
                for entry in list(self._waiting.values()):
                    if entry.future.done():
                        self._waiting.pop(entry.task_id, None)
                    elif now >= entry.deadline:
                        entry.future.set_exception(
                            WaitTimeoutError(
                                entry.task_id,
                                timeout=entry.deadline - entry.registered,
                                last_status="processing" if entry.polls else None,
                                elapsed=now - entry.registered,
                            )
                        )
                        self._waiting.pop(entry.task_id, None)
                apis: tuple[Api, ...] = ("v2", "legacy")
                for api in apis:
                    entries = [e for e in self._waiting.values() if e.api == api and not e.future.done()]
                    due = [e for e in entries if e.next_due <= now]
                    if due:
                        await self._round(api, entries, due)
                pending = [e for e in self._waiting.values() if not e.future.done()]
                if not pending:
                    await self._wakeup.wait()
                    continue
                now = self._clock()
                nearest = min(min(e.next_due, e.deadline) for e in pending)
                if nearest > now:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), timeout=nearest - now)
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # a fatal error reaches every waiter
            for entry in list(self._waiting.values()):
                if not entry.future.done():
                    entry.future.set_exception(error)
            raise

    def _reschedule(self, entry: _Waiting, now: float) -> None:
        entry.polls += 1
        interval = self.poll.interval(entry.polls - 1, now - entry.registered, self._rand)
        entry.next_due = now + interval

    async def _round(self, api: Api, entries: list[_Waiting], due: list[_Waiting]) -> None:
        per_task_cost = len(due)
        processing = self._processing_estimate.get(api, len(entries))
        sweep_cost = max(1, math.ceil(processing / PAGE_LIMIT))
        if api not in self._no_sweep and sweep_cost <= per_task_cost:
            try:
                await self._sweep(api, entries)
                return
            except BadRequestError as error:  # a server that refuses the list's filters: check one by one
                logger.warning("the %s task list refused a sweep (%s); checking tasks one by one", api, error)
                self._no_sweep.add(api)
            except EmbedError as error:
                if is_fatal(error):
                    raise
                logger.warning("sweep of %s tasks failed (%s); trying again later", api, error)
                now = self._clock()
                for entry in entries:
                    self._reschedule(entry, now)
                return
        await asyncio.gather(*(self._check_one(entry) for entry in due))

    async def _check_one(self, entry: _Waiting) -> None:
        try:
            result = await self.check(entry.api, entry.task_id)
        except EmbedError as error:
            if is_fatal(error) or not _transient(error):
                if not entry.future.done():
                    entry.future.set_exception(error)
                return
            logger.warning("status of task %s failed (%s); trying again later", entry.task_id, error)
            self._reschedule(entry, self._clock())
            return
        if result.status == "processing":
            self._reschedule(entry, self._clock())
        elif not entry.future.done():
            entry.future.set_result(result)

    async def _sweep(self, api: Api, entries: list[_Waiting]) -> None:
        started_wall = self._wall()
        since = dt.datetime.fromtimestamp(min(e.created_at for e in entries) - self.clock_skew, tz=dt.UTC)
        resource: Any = self.client.v2.tasks if api == "v2" else self.client.legacy.tasks
        seen: set[str] = set()
        page = 1
        total_results = 0
        while True:
            number = page
            listing = await self.metered.call(
                LIST_OPERATION[api],
                functools.partial(
                    resource.list, status="processing", started_at=since, page=number, page_limit=PAGE_LIMIT
                ),
            )
            self.stats.sweep_pages += 1
            data = [] if not isinstance(listing.data, list) else listing.data
            seen.update(str(t.id) for t in data if isinstance(t.id, str))
            info = listing.page_info
            total_page = getattr(info, "total_page", None)
            results = getattr(info, "total_results", None)
            if isinstance(results, int):
                total_results = results
            last = isinstance(total_page, int) and page >= total_page
            if not data or last or len(data) < PAGE_LIMIT or page >= 1000:
                break
            page += 1
        self.stats.sweeps += 1
        self._processing_estimate[api] = max(total_results, len(seen))
        self.stats.per_api_processing[api] = self._processing_estimate[api]
        now = self._clock()
        for entry in entries:
            if entry.future.done():
                continue
            recent = entry.created_at > started_wall - self.list_lag
            if entry.task_id in seen or recent:
                self._reschedule(entry, now)
            else:
                entry.future.set_result(Check("terminal"))


def _check(status: str | None, reason: str | None) -> Check:
    if status == "ready":
        return Check("ready")
    if status == "failed":
        return Check("failed", reason)
    return Check("processing")


def _transient(error: EmbedError) -> bool:
    from .._polling import is_transient

    return is_transient(error)
