"""The batch engine: read the inputs, register them in the ledger, reconcile interrupted creates, then run
every item through the pipeline with a bound on items in flight, store the vectors and summarise.

`arun(...)` is the engine (async); `run(...)` is its synchronous entry point.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._config import Timeouts, resolve_api_key, resolve_base_url
from .._errors import ConfigurationError, EmbedError
from .._polling import PollPolicy
from .._retry import RetryPolicy
from ._calls import FatalBatchError, Metered, batch_http_client, is_fatal
from ._items import Item, ItemOptions, canonical_json, read_inputs
from ._ledger import FINAL_FAILURES, Ledger, LedgerDB, Record, file_signature, read_ledger
from ._pipeline import ItemFailed, ItemPipeline, PipelineSettings, Reconciler, Stage
from ._poller import TaskPoller
from ._ratelimit import AdaptiveRateLimiter, RateLimiter
from ._sources import DefaultSources, MediaSources, SourceProblem
from ._store import EMBEDDINGS_DIR, remove_stale_temporaries, table_of, write_table

if TYPE_CHECKING:
    from .._async import AsyncEmbedClient

__all__ = ["BatchResult", "Failure", "Progress", "arun", "run", "summarize"]

logger = logging.getLogger("twelvelabs_embed.batch")

#: Poll schedule of a batch: tasks of minutes to hours, checked often enough to notice them soon.
DEFAULT_POLL = PollPolicy(initial_interval=2.0, multiplier=1.5, max_interval=60.0, max_delay_fraction=0.1, jitter=0.1)
#: Items in flight. A task of real media takes minutes: throughput is about concurrency / task duration,
#: so a library of long media wants more (the rate limiter, not this bound, keeps the pace legal).
DEFAULT_CONCURRENCY = 64


@dataclass(frozen=True)
class Progress:
    """Where a running batch stands (given to the `progress` callback after every change)."""

    total: int
    done: int
    failed: int
    reused: int
    already_done: int
    pending: int
    creating: int
    waiting: int
    retrieving: int
    elapsed: float
    finished_this_run: int


@dataclass(frozen=True)
class Failure:
    """One item that did not get its vectors: why (`kind`, `error`) and its task, if it has one."""

    key: str
    source: str
    kind: str
    error: str
    task_id: str | None


@dataclass
class BatchResult:
    """The outcome of a batch run (`ok` when every item has its vectors)."""

    folder: str
    total: int
    done: int
    failed: int
    reused: int
    already_done: int
    rows: int
    elapsed: float
    failures: list[Failure] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    rate_limited: int = 0
    reconciled: int = 0
    interrupted: bool = False
    fatal: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.done == self.total and self.fatal is None and not self.interrupted

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def summarize(folder: str | os.PathLike[str], keys: Sequence[str] | None = None) -> BatchResult:
    """The state of the batch in `folder` as its ledger tells it (no request; works while it runs)."""
    root = Path(folder)
    with read_ledger(root) as db:
        records = db.records(keys)
    return _result(root, records, elapsed=0.0)


def _result(folder: Path, records: Sequence[Record], *, elapsed: float, already_done: int = 0) -> BatchResult:
    counts = Counter(r.status for r in records)
    failures = [
        Failure(r.key, r.source, r.error_kind or "error", r.error or "", r.task_id)
        for r in records
        if r.status == "failed"
    ]
    return BatchResult(
        folder=str(folder),
        total=len(records),
        done=counts.get("done", 0),
        failed=counts.get("failed", 0),
        reused=sum(1 for r in records if r.status == "done" and r.duplicate_of is not None),
        already_done=already_done,
        rows=sum(r.rows or 0 for r in records if r.status == "done" and r.duplicate_of is None),
        elapsed=elapsed,
        failures=failures,
        counts=dict(counts),
    )


class _Tracker:
    """In-memory stage of each item of this run, for progress reports."""

    def __init__(self, keys: Sequence[str], callback: Callable[[Progress], None] | None) -> None:
        self.stage: dict[str, str] = dict.fromkeys(keys, "pending")
        self.callback = callback
        self.started = time.monotonic()
        self.already_done = 0
        self.finished = 0

    def set(self, key: str, stage: str) -> None:
        previous = self.stage.get(key)
        self.stage[key] = stage
        if stage in ("done", "failed", "reused") and previous not in ("done", "failed", "reused"):
            self.finished += 1
        self.report()

    def report(self) -> None:
        if self.callback is None:
            return
        counts = Counter(self.stage.values())
        self.callback(
            Progress(
                total=len(self.stage),
                done=counts["done"] + counts["reused"],
                failed=counts["failed"],
                reused=counts["reused"],
                already_done=self.already_done,
                pending=counts["pending"],
                creating=counts["creating"],
                waiting=counts["waiting"],
                retrieving=counts["retrieving"],
                elapsed=time.monotonic() - self.started,
                finished_this_run=self.finished,
            )
        )


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _fingerprint(item: Item, content: str) -> str:
    document = {"api": item.api, "input_type": item.input_type, "model": item.model, "params": item.options}
    return hashlib.sha256(canonical_json({**document, "content": content}).encode()).hexdigest()[:32]


class BatchRunner:
    """One run of a batch over `items` into `folder` (see `arun`)."""

    def __init__(
        self,
        items: Sequence[Item],
        folder: Path,
        *,
        client: AsyncEmbedClient,
        limiter: RateLimiter,
        sources: MediaSources,
        settings: PipelineSettings,
        poll: PollPolicy,
        concurrency: int,
        retry_failed: bool,
        durable: bool,
        progress: Callable[[Progress], None] | None,
        metered: Metered | None = None,
    ) -> None:
        self.items = list(items)
        self.folder = folder
        self.client = client
        self.limiter = limiter
        self.sources = sources
        self.settings = settings
        self.concurrency = concurrency
        self.retry_failed = retry_failed
        self.ledger = Ledger(folder, durable=durable)
        self.metered = metered or Metered(limiter)
        self.poller = TaskPoller(client, self.metered, poll=poll, clock_skew=settings.clock_skew)
        self.reconciler = Reconciler(client, self.metered, self.ledger, settings)
        self.tracker = _Tracker([i.key for i in self.items], progress)
        self.pipeline = ItemPipeline(
            client,
            metered=self.metered,
            poller=self.poller,
            ledger=self.ledger,
            sources=sources,
            reconciler=self.reconciler,
            settings=settings,
            on_stage=self._on_stage,
        )
        self._content_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._fatal: BaseException | None = None
        self._transient_streak = 0

    def _on_stage(self, key: str, stage: Stage) -> None:
        if key in self.tracker.stage:
            self.tracker.set(key, stage)

    # ------------------------------------------------------------------ the run
    async def run(self) -> BatchResult:
        started = time.monotonic()
        interrupted = False
        try:
            remove_stale_temporaries(self.folder)
            await self.ledger.run(LedgerDB.register, self.items)
            queue = await self._plan()
            await self._reconcile_interrupted()
            await self._work(queue)
        except asyncio.CancelledError:
            interrupted = True
            raise
        except FatalBatchError as error:
            self._fatal = error
            raise
        finally:
            await self.poller.aclose()
            records = await self.ledger.run(LedgerDB.records, [i.key for i in self.items])
            self.ledger.close()
            self.result = _result(
                self.folder, records, elapsed=time.monotonic() - started, already_done=self.tracker.already_done
            )
            stats = getattr(self.limiter, "stats", None)
            self.result.requests = self.metered.stats.requests
            self.result.rate_limited = getattr(stats, "rate_limited", self.metered.stats.rate_limited)
            self.result.reconciled = self.reconciler.adopted
            self.result.interrupted = interrupted
            if self._fatal is not None:
                self.result.fatal = str(self._fatal)
        return self.result

    async def _plan(self) -> list[Item]:
        """The items to work on, those with a task first; the rest are reported as they are."""
        records = {r.key: r for r in await self.ledger.run(LedgerDB.records, [i.key for i in self.items])}
        first: list[Item] = []
        then: list[Item] = []
        for item in self.items:
            record = records[item.key]
            if record.status == "done":
                output = record.output_file
                if output is None or (self.folder / output).is_file():
                    self.tracker.already_done += 1
                    self.tracker.stage[item.key] = "reused" if record.duplicate_of else "done"
                    continue
                await self.ledger.run(LedgerDB.mark_waiting, item.key)  # the file is gone: fetch it again
                first.append(item)
                continue
            if record.status == "failed":
                kind = record.error_kind or ""
                if kind in FINAL_FAILURES and not self.retry_failed:
                    self.tracker.stage[item.key] = "failed"
                    continue
                if record.task_id is not None and kind in ("timeout", "transient"):
                    await self.ledger.run(LedgerDB.mark_waiting, item.key)
                    first.append(item)
                else:
                    await self.ledger.run(LedgerDB.reset, item.key)
                    then.append(item)
                continue
            (first if record.task_id is not None and record.status == "waiting" else then).append(item)
        self.tracker.report()
        return first + then

    async def _reconcile_interrupted(self) -> None:
        """Before any new create: find the tasks of creates an earlier run may have sent."""
        creating = await self.ledger.run(LedgerDB.records, None, status="creating")
        if not creating:
            return
        logger.info("%d item(s) were being created when the last run stopped; looking for their tasks", len(creating))
        try:
            await self.reconciler.reconcile(creating)
        except EmbedError as error:
            if is_fatal(error):
                raise FatalBatchError(f"the API refused the key: {error}", error) from error
            logger.warning("could not list tasks to reconcile interrupted creates (%s); will retry per item", error)

    async def _work(self, queue: list[Item]) -> None:
        pending: asyncio.Queue[Item] = asyncio.Queue()
        for item in queue:
            pending.put_nowait(item)

        async def worker() -> None:
            while self._fatal is None:
                try:
                    item = pending.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self._run_item(item)

        workers = [asyncio.create_task(worker()) for _ in range(max(1, min(self.concurrency, len(queue))))]
        try:
            done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self._fatal is not None:
            raise self._fatal

    async def _run_item(self, item: Item) -> None:
        key = item.key
        try:
            if item.problem is not None:
                await self.ledger.run(LedgerDB.record_failure, key, "invalid", item.problem)
                self.tracker.set(key, "failed")
                return
            try:
                self.sources.check(item)
            except SourceProblem as problem:
                await self.ledger.run(LedgerDB.record_failure, key, problem.kind, str(problem))
                self.tracker.set(key, "failed")
                return
            fingerprint = await self._fingerprint(item)
            async with self._content_locks[fingerprint]:
                if await self._reuse(item, fingerprint):
                    return
                await self._process(item)
            self._transient_streak = 0
        except ItemFailed as failure:
            self.tracker.set(key, "failed")
            if failure.kind == "transient":
                self._transient_streak += 1
                if self._transient_streak >= max(5, self.concurrency):
                    self._fatal = FatalBatchError(
                        f"{self._transient_streak} items in a row failed on errors of the API or the network; "
                        f"last: {failure.message}"
                    )
            else:
                self._transient_streak = 0
        except FatalBatchError as error:
            self._fatal = error
        except EmbedError as error:
            if is_fatal(error):
                self._fatal = FatalBatchError(f"the API refused the key: {error}", error)
                return
            logger.warning("item %s: %s", key, error)
            await self.ledger.run(LedgerDB.record_failure, key, "transient", f"{type(error).__name__}: {error}")
            self.tracker.set(key, "failed")
        except OSError as error:
            await self.ledger.run(LedgerDB.record_failure, key, "invalid", f"{item.source}: {error}")
            self.tracker.set(key, "failed")

    async def _fingerprint(self, item: Item) -> str:
        record = await self.ledger.run(LedgerDB.get, item.key)
        if record is not None and record.fingerprint is not None and item.kind == "url":
            return record.fingerprint
        if item.kind == "url":
            fingerprint = _fingerprint(item, item.source)
            await self.ledger.run(LedgerDB.set_fingerprint, item.key, fingerprint)
            return fingerprint
        size, mtime = file_signature(item.source)
        content = await self.ledger.run(LedgerDB.cached_hash, item.source, size, mtime)
        if content is None:
            content = await asyncio.to_thread(_sha256, item.source)
        fingerprint = _fingerprint(item, content)
        if record is None or record.fingerprint != fingerprint or record.content_hash != content:
            await self.ledger.run(LedgerDB.set_hash, item.key, content, fingerprint, item.source, size, mtime)
        return fingerprint

    async def _reuse(self, item: Item, fingerprint: str) -> bool:
        """Give `item` the result of another item with the same content and options, if there is one."""
        record = await self.ledger.run(LedgerDB.get, item.key)
        if record is None or (record.task_id is not None and record.status != "pending"):
            return False
        other = await self.ledger.run(LedgerDB.same_content, fingerprint, item.key)
        if other is None:
            return False
        if other.status in ("waiting", "creating"):  # that content's task is under way: finish it first
            with contextlib.suppress(ItemFailed):
                await self._process(other.item)
            other = await self.ledger.run(LedgerDB.get, other.key)
            if other is None:
                return False
        if other.status == "done":
            await self.ledger.run(
                LedgerDB.mark_done,
                item.key,
                task_id=other.task_id,
                output_file=other.output_file,
                rows=other.rows or 0,
                duplicate_of=other.key,
            )
            self.tracker.set(item.key, "reused")
            return True
        if other.status == "failed" and other.error_kind == "task_failed" and not self.retry_failed:
            message = f"same content as {other.source}, whose task failed: {other.error}"
            await self.ledger.run(
                LedgerDB.mark_failed, item.key, "task_failed", message, task_id=other.task_id, duplicate_of=other.key
            )
            self.tracker.set(item.key, "failed")
            return True
        return False

    async def _process(self, item: Item) -> None:
        ready = await self.pipeline.process(item)
        rows = len(ready.arrays)
        output: str | None = None
        if rows:
            table = table_of(
                ready.arrays, key=item.key, source=item.source, task_id=ready.task_id, api=item.api, model=item.model
            )
            relative = f"{EMBEDDINGS_DIR}/{item.key}.parquet"
            await asyncio.to_thread(write_table, table, self.folder / relative)
            output = relative
        await self.ledger.run(LedgerDB.mark_done, item.key, task_id=ready.task_id, output_file=output, rows=rows)
        if item.key in self.tracker.stage:
            self.tracker.set(item.key, "done")


def make_client(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    timeouts: Timeouts | None = None,
    max_connections: int = 100,
) -> AsyncEmbedClient:
    """The client a batch uses: retries off (the batch retries through its limiter), the rate-limit hook on."""
    from .._async import AsyncEmbedClient

    key = resolve_api_key(api_key)  # a missing key fails here, before any connection is opened
    url = str(resolve_base_url(base_url, allow_insecure_http=False))
    http = batch_http_client(timeouts=timeouts, max_connections=max_connections)
    return AsyncEmbedClient(key, base_url=url, timeouts=timeouts, retry=RetryPolicy(max_retries=0), http_client=http)


async def arun(
    inputs: str | os.PathLike[str] | Item | Sequence[str | os.PathLike[str] | Item],
    output: str | os.PathLike[str],
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    client: AsyncEmbedClient | None = None,
    defaults: ItemOptions | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_rpm: int | None = None,
    retry_failed: bool = False,
    limiter: RateLimiter | None = None,
    sources: MediaSources | None = None,
    poll: PollPolicy | None = None,
    task_timeout: float = 4 * 3600.0,
    timeouts: Timeouts | None = None,
    settings: PipelineSettings | None = None,
    durable: bool = True,
    progress: Callable[[Progress], None] | None = None,
) -> BatchResult:
    """Embed every item of `inputs` and store the vectors in `output` (see `twelvelabs_embed.batch`).

    Args:
        inputs: a folder, a glob pattern, a media file, a URL, a text file of URLs, a CSV / JSONL
            manifest, `Item`s, or a list of these.
        output: the folder for the ledger (`ledger.sqlite`) and the Parquet dataset (`embeddings/`).
        api_key, base_url: as for `AsyncEmbedClient` (default: the environment).
        client: a client to use instead (its own retries should be off; the limiter then learns only
            from errors, since its responses' headers are not observed).
        defaults: options for items that do not set them (`ItemOptions`; manifests override per row).
        concurrency: items in flight (created and not yet stored) at most.
        max_rpm: our own cap on counted requests per minute, on top of what the server allows.
        retry_failed: create new tasks for items whose task failed (or whose create was refused).
        limiter: a shared `RateLimiter` (default: a new `AdaptiveRateLimiter`).
        sources: the "upload when needed" strategy (default `DefaultSources`).
        poll: the poll schedule of each task; task_timeout: how long one run waits for one task.
        durable: commit every ledger change to disk before going on (fsync); False trades that for speed.
        progress: called with a `Progress` after every change.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"concurrency must be a whole number >= 1, got {concurrency!r}")
    folder = Path(output)
    items = read_inputs(inputs, defaults)
    own_client = client is None
    the_client = client if client is not None else make_client(api_key=api_key, base_url=base_url, timeouts=timeouts)
    the_settings = settings or PipelineSettings(task_timeout=task_timeout, create_window=(timeouts or Timeouts()).total)
    try:
        runner = BatchRunner(
            items,
            folder,
            client=the_client,
            limiter=limiter or AdaptiveRateLimiter(max_per_minute=max_rpm),
            sources=sources or DefaultSources(the_client, state_dir=folder / "uploads"),
            settings=the_settings,
            poll=poll or DEFAULT_POLL,
            concurrency=concurrency,
            retry_failed=retry_failed,
            durable=durable,
            progress=progress,
        )
        try:
            return await runner.run()
        except FatalBatchError:
            return runner.result
    finally:
        if own_client:
            await the_client.aclose()


def run(
    inputs: str | os.PathLike[str] | Item | Sequence[str | os.PathLike[str] | Item],
    output: str | os.PathLike[str],
    **kwargs: Any,
) -> BatchResult:
    """`arun(...)`, for code that is not async (the arguments are the same)."""
    return asyncio.run(arun(inputs, output, **kwargs))
