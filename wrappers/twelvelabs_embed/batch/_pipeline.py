"""What one item goes through: upload when needed, create (at most once), wait, retrieve.

`ItemPipeline.process(item)` is the reusable per-item step: the batch engine runs it for each item with a
bound on items in flight, and another runner (a Ray Data worker, one row at a time) can run the same
step with its own client, limiter and ledger. It resumes from whatever the ledger says: an item with a
task is polled, not created again; an item marked `creating` is first reconciled (`Reconciler`).

The create is the one step that must never happen twice. The ledger marks the item `creating` (with the
time and the item's identity) and commits before the request is sent; the task id is committed as soon
as the answer names it. A create that provably created nothing (a 429, a refused connection) goes back
to `pending`. Any other failure after sending (a timeout, a dropped connection, a 5xx) may have created
the task: the account's tasks are listed and the item adopts the task it finds, or is created again if
there is none. Creates that share an identity go one at a time, so a listing can tell their tasks apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx

from .._arrays import EmbeddingArrays
from .._errors import (
    APIStatusError,
    EmbedError,
    RateLimitError,
    TransportError,
    ValidationError,
    WaitTimeoutError,
)
from .._polling import is_transient
from ._calls import FatalBatchError, Metered, is_fatal
from ._items import Item
from ._ledger import Ledger, LedgerDB, Record
from ._poller import TaskPoller
from ._sources import MediaSources, SourceProblem

if TYPE_CHECKING:
    from .._async import AsyncEmbedClient

__all__ = ["ItemFailed", "ItemPipeline", "PipelineSettings", "Ready", "Reconciler"]

logger = logging.getLogger("twelvelabs_embed.batch")

CREATE_OPERATION = {"v2": "createEmbeddingTaskV2", "legacy": "createVideoEmbeddingTask"}
RETRIEVE_OPERATION = {"v2": "getEmbeddingTaskV2", "legacy": "retrieveVideoEmbeddings"}
LIST_OPERATION = {"v2": "listEmbeddingTasksV2", "legacy": "listVideoEmbeddingTasks"}

Stage = Literal["creating", "waiting", "retrieving"]


@dataclass(frozen=True)
class PipelineSettings:
    """Settings of the per-item step.

    task_timeout: seconds to wait for one task (from when this run starts waiting for it).
    clock_skew: slack between our clock and the server's when listing tasks by creation time.
    create_window: the longest a create request can take (its total deadline); the listing that looks
        for a task whose create may have reached the server covers this much time after the mark.
    reconcile_delay: seconds to let the server finish an interrupted create before looking for its task.
    max_create_attempts: create attempts of one item in one run before it is recorded as failed.
    """

    task_timeout: float = 4 * 3600.0
    clock_skew: float = 120.0
    create_window: float = 600.0
    reconcile_delay: float = 1.0
    max_create_attempts: int = 6


@dataclass(frozen=True)
class Ready:
    """A finished item's task and its vectors."""

    task_id: str
    arrays: EmbeddingArrays


class ItemFailed(Exception):
    """The item failed; the ledger already says so (`kind`, `message`)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _never_sent(error: BaseException) -> bool:
    cause = error.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _signature(item: Item) -> dict[str, Any]:
    """What a listing shows of the item's options (compared only where the item set them)."""
    p = item.options
    return {
        "model": item.model,
        "input_type": item.input_type,
        "options": sorted(p["embedding_option"]) if "embedding_option" in p and item.api == "v2" else None,
        "scopes": sorted(p["embedding_scope"]) if "embedding_scope" in p else None,
        "clip_length": p.get("clip_length") if item.api == "legacy" else None,
    }


def _metadata(task: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    for kind in ("video", "audio", "image", "document"):
        block = task.get(f"{kind}_embedding")
        if isinstance(block, dict):
            meta = block.get("metadata")
            return kind, meta if isinstance(meta, dict) else {}
    return None, {}


def _matches(task: dict[str, Any], identity: str, signature: dict[str, Any], api: str) -> bool:
    kind, meta = _metadata(task)
    url, filename = meta.get("input_url"), meta.get("input_filename")
    how, _, value = identity.partition(":")
    if how == "url" and url != value:
        return False
    if how == "file" and filename != value:
        return False
    if how == "anonymous" and (url is not None or filename is not None):
        return False
    if task.get("model_name") not in (None, signature["model"]):
        return False
    if kind is not None and kind != signature["input_type"]:
        return False
    prefix = "video" if api == "legacy" else (kind or "video")
    if signature["options"] is not None:
        shown = meta.get(f"{prefix}_embedding_option") or meta.get(f"{prefix}_embedding_options")
        if isinstance(shown, list) and sorted(shown) != signature["options"]:
            return False
    if signature["scopes"] is not None:
        shown = meta.get(f"{prefix}_embedding_scope") or meta.get(f"{prefix}_embedding_scopes")
        if isinstance(shown, list) and sorted(shown) != signature["scopes"]:
            return False
    if signature["clip_length"] is not None:
        shown = meta.get("video_clip_length")
        if isinstance(shown, int | float) and float(shown) != float(signature["clip_length"]):
            return False
    return True


def _created_epoch(task: dict[str, Any]) -> float | None:
    value = task.get("created_at")
    if not isinstance(value, str):
        return None
    try:
        return dt_parse(value)
    except ValueError:
        return None


def dt_parse(value: str) -> float:
    import datetime as dt

    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


class Reconciler:
    """Finds the tasks of creates that may have reached the server (items marked `creating`).

    For each API it lists the account's tasks created in the window around the marks (one listing for
    many items), and gives each item the task that matches its identity (URL, upload name, or none for
    inline media) and options, and that no item of this batch has ever owned. The earliest match after
    the item's mark wins; an item with no match provably created nothing and goes back to `pending`.
    """

    def __init__(
        self,
        client: AsyncEmbedClient,
        metered: Metered,
        ledger: Ledger,
        settings: PipelineSettings,
        *,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.metered = metered
        self.ledger = ledger
        self.settings = settings
        self._wall = wall
        self._lock = asyncio.Lock()
        self.adopted = 0
        self.released = 0

    async def reconcile(self, records: Sequence[Record]) -> dict[str, str | None]:
        """Resolve every `creating` record: key -> the adopted task id, or None (created nothing)."""
        outcome: dict[str, str | None] = {}
        async with self._lock:
            by_api: dict[str, list[Record]] = defaultdict(list)
            for record in records:
                by_api[record.api].append(record)
            for api, group in by_api.items():
                outcome.update(await self._reconcile_api(api, group))
        return outcome

    async def _reconcile_api(self, api: str, records: list[Record]) -> dict[str, str | None]:
        marks = [r.creating_since or self._wall() for r in records]
        skew = self.settings.clock_skew
        start = min(marks) - skew
        end = min(self._wall() + skew, max(marks) + self.settings.create_window + skew)
        tasks = await self._list(api, start, end)
        claimed = await self.ledger.run(LedgerDB.claimed_task_ids)
        outcome: dict[str, str | None] = {}
        for record, mark in sorted(zip(records, marks, strict=True), key=lambda pair: pair[1]):
            signature = _signature(record.item)
            identity = record.identity or "anonymous:"
            candidates = []
            for task in tasks:
                task_id = task.get("_id")
                created = _created_epoch(task)
                if not isinstance(task_id, str) or task_id in claimed:
                    continue
                if created is not None and not (mark - skew <= created <= mark + self.settings.create_window + skew):
                    continue
                if _matches(task, identity, signature, api):
                    candidates.append((created or 0.0, task_id))
            if candidates:
                created, task_id = min(candidates)
                claimed.add(task_id)
                await self.ledger.run(LedgerDB.mark_created, record.key, api, task_id, created or mark)
                self.adopted += 1
                outcome[record.key] = task_id
                logger.info("item %s: adopted task %s (its create had reached the server)", record.key, task_id)
            else:
                await self.ledger.run(LedgerDB.mark_not_created, record.key)
                self.released += 1
                outcome[record.key] = None
        return outcome

    async def _list(self, api: str, start: float, end: float) -> list[dict[str, Any]]:
        import datetime as dt

        resource: Any = self.client.v2.tasks if api == "v2" else self.client.legacy.tasks
        since = dt.datetime.fromtimestamp(start, tz=dt.UTC)
        until = dt.datetime.fromtimestamp(end, tz=dt.UTC)
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            number = page
            listing = await self.metered.call(
                LIST_OPERATION[api],
                functools.partial(resource.list, started_at=since, ended_at=until, page=number, page_limit=50),
            )
            data = listing.data if isinstance(listing.data, list) else []
            found.extend(task.to_dict() for task in data)
            total_page = getattr(listing.page_info, "total_page", None)
            if not data or len(data) < 50 or (isinstance(total_page, int) and page >= total_page) or page >= 2000:
                return found
            page += 1


class ItemPipeline:
    """The per-item step (see the module doc): `await pipeline.process(item)` -> `Ready`, or `ItemFailed`.

    The caller stores the vectors and marks the item done; `process` commits every other state change.
    `on_stage(key, stage)` is told when the item starts creating, waiting and retrieving.
    """

    def __init__(
        self,
        client: AsyncEmbedClient,
        *,
        metered: Metered,
        poller: TaskPoller,
        ledger: Ledger,
        sources: MediaSources,
        reconciler: Reconciler,
        settings: PipelineSettings | None = None,
        on_stage: Callable[[str, Stage], None] | None = None,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.metered = metered
        self.poller = poller
        self.ledger = ledger
        self.sources = sources
        self.reconciler = reconciler
        self.settings = settings or PipelineSettings()
        self.on_stage = on_stage
        self._wall = wall
        self._sleep = sleep
        self._identity_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def identity_lock(self, identity: str) -> contextlib.AbstractAsyncContextManager[Any]:
        """What makes creates of one identity go one at a time: a lock of this process. A runner spread over
        many processes (a Ray cluster) overrides it with a lock they all share."""
        return self._identity_locks[identity]

    def _stage(self, key: str, stage: Stage) -> None:
        if self.on_stage is not None:
            self.on_stage(key, stage)

    async def _fail(self, key: str, kind: str, message: str, **values: Any) -> ItemFailed:
        await self.ledger.run(LedgerDB.mark_failed, key, kind, message, **values)
        return ItemFailed(kind, message)

    async def process(self, item: Item) -> Ready:
        """Take `item` from wherever the ledger says it is to its vectors (or raise `ItemFailed`)."""
        key = item.key
        while True:
            record = await self._record(key)
            if record.status == "creating":
                await self.reconciler.reconcile([record])
                continue
            if record.task_id is None or record.status == "pending":
                task_id = await self._create(item, record)
                created_at = self._wall()
            else:
                task_id = record.task_id
                created_at = record.created_at or self._wall()
                if record.status != "waiting":
                    await self.ledger.run(LedgerDB.mark_waiting, key)
            return await self._finish(item, task_id, created_at)

    async def _record(self, key: str) -> Record:
        record = await self.ledger.run(LedgerDB.get, key)
        if record is None:
            raise KeyError(f"item {key} is not in the ledger")
        return record

    # ------------------------------------------------------------------ create
    async def _create(self, item: Item, record: Record) -> str:
        key, api = item.key, item.api
        try:
            media = await self.sources.prepare(item, asset_id=record.asset_id)
        except SourceProblem as problem:
            raise await self._fail(key, problem.kind, str(problem)) from None
        if media.asset_id is not None and media.asset_id != record.asset_id:
            await self.ledger.run(LedgerDB.set_asset, key, media.asset_id)
        resource: Any = self.client.v2.tasks if api == "v2" else self.client.legacy.tasks
        kwargs = item.create_kwargs()
        attempts = limited = 0
        async with self.identity_lock(media.identity):
            while True:
                self._stage(key, "creating")
                mark = self._wall()
                await self.ledger.run(LedgerDB.mark_creating, key, mark, media.identity)
                try:
                    with media.open() as source:
                        created = await self.metered.once(
                            CREATE_OPERATION[api], lambda: resource.create(**kwargs, **source)
                        )
                except RateLimitError as error:  # nothing was created; the limiter holds the next try
                    await self.ledger.run(LedgerDB.mark_not_created, key)
                    limited += 1
                    if limited > self.metered.max_rate_limited:
                        raise await self._fail(key, "transient", f"rate limited {limited} times: {error}") from None
                    continue
                except ValidationError as error:  # refused before sending
                    await self.ledger.run(LedgerDB.mark_not_created, key)
                    raise await self._fail(key, "invalid", f"invalid options: {error}") from None
                except OSError as error:  # the file went away or cannot be read: nothing was sent
                    await self.ledger.run(LedgerDB.mark_not_created, key)
                    raise await self._fail(key, "invalid", f"cannot read {item.source}: {error}") from None
                except APIStatusError as error:
                    if error.status_code >= 500 or error.status_code == 408:  # may have created it
                        attempts += 1
                        task_id = await self._after_uncertain_create(item, error, attempts)
                        if task_id is not None:
                            return task_id
                        continue
                    await self.ledger.run(LedgerDB.mark_not_created, key)
                    if is_fatal(error):
                        raise FatalBatchError(f"the API refused the key: {error}", error) from error
                    raise await self._fail(key, "rejected", f"the server refused the task: {error}") from None
                except TransportError as error:
                    attempts += 1
                    if _never_sent(error):
                        await self.ledger.run(LedgerDB.mark_not_created, key)
                        await self._backoff_or_fail(item, error, attempts)
                        continue
                    task_id = await self._after_uncertain_create(item, error, attempts)
                    if task_id is not None:
                        return task_id
                    continue
                except EmbedError as error:  # an unreadable answer to a create that was sent
                    attempts += 1
                    task_id = await self._after_uncertain_create(item, error, attempts)
                    if task_id is not None:
                        return task_id
                    continue
                task_id = created.id if isinstance(created.id, str) else None
                if not task_id:
                    await self.ledger.run(LedgerDB.mark_not_created, key)
                    raise await self._fail(key, "transient", "the create answer carried no task id")
                await self.ledger.run(LedgerDB.mark_created, key, api, task_id, mark)
                return task_id

    async def _backoff_or_fail(self, item: Item, error: EmbedError, attempts: int) -> None:
        if attempts >= self.settings.max_create_attempts:
            raise await self._fail(item.key, "transient", f"create failed {attempts} times; last: {error}")
        await self._sleep(self.metered.retry.backoff(attempts - 1, self.metered.rand))

    async def _after_uncertain_create(self, item: Item, error: EmbedError, attempts: int) -> str | None:
        """The create may have reached the server: look for its task; None if there is none (try again)."""
        logger.warning("item %s: create may have reached the server (%s); looking for its task", item.key, error)
        await self._sleep(self.settings.reconcile_delay)
        record = await self._record(item.key)
        if record.status == "creating":
            outcome = await self.reconciler.reconcile([record])
            task_id = outcome.get(item.key)
            if task_id is not None:
                return task_id
        await self._backoff_or_fail(item, error, attempts)
        return None

    # ------------------------------------------------------------------ wait and retrieve
    async def _finish(self, item: Item, task_id: str, created_at: float) -> Ready:
        key, api = item.key, item.api
        resource: Any = self.client.v2.tasks if api == "v2" else self.client.legacy.tasks
        retrieve = (
            functools.partial(resource.retrieve_arrays, task_id, embedding_option=item.retrieve_option())
            if api == "legacy"
            else functools.partial(resource.retrieve_arrays, task_id)
        )
        self._stage(key, "waiting")
        while True:
            try:
                check = await self.poller.wait(api, task_id, created_at=created_at, timeout=self.settings.task_timeout)
            except WaitTimeoutError:
                raise await self._fail(
                    key,
                    "timeout",
                    f"task {task_id} was still processing after {self.settings.task_timeout:g} s; "
                    "a re-run goes on waiting for it",
                ) from None
            except EmbedError as error:
                raise await self._task_error(key, task_id, error) from None
            if check.status == "failed":
                reason = check.reason or "the server gave no reason"
                raise await self._fail(key, "task_failed", f"task {task_id} failed: {reason}")
            self._stage(key, "retrieving")
            try:
                arrays = await self.metered.call(RETRIEVE_OPERATION[api], retrieve)
                if len(arrays) > 0 or check.status == "ready":
                    return Ready(task_id, arrays)
                # No vectors and no status yet: failed, ready with nothing, or (a sweep raced) processing.
                confirm = await self.poller.check(api, task_id)
            except EmbedError as error:
                raise await self._task_error(key, task_id, error) from None
            if confirm.status == "failed":
                reason = confirm.reason or "the server gave no reason"
                raise await self._fail(key, "task_failed", f"task {task_id} failed: {reason}")
            if confirm.status == "ready":
                return Ready(task_id, arrays)
            self._stage(key, "waiting")

    async def _task_error(self, key: str, task_id: str, error: EmbedError) -> BaseException:
        if is_fatal(error):
            return FatalBatchError(f"the API refused the key: {error}", error)
        if isinstance(error, APIStatusError) and error.status_code in (400, 404):
            return await self._fail(
                key,
                "task_missing",
                f"task {task_id} is gone ({error}); results are kept 7 days. A re-run creates a new task",
            )
        if is_transient(error):
            return await self._fail(key, "transient", f"task {task_id}: {error}; a re-run goes on with it")
        return await self._fail(key, "transient", f"task {task_id}: {error}")
