"""`EmbedMedia`: the batch job's per-item step as an async callable class for `Dataset.map_batches`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._config import ApiKey, Timeouts, resolve_api_key
from .._errors import ConfigurationError, EmbedError
from .._polling import PollPolicy
from ..batch._calls import FatalBatchError, Metered, is_fatal
from ..batch._engine import DEFAULT_POLL, make_client
from ..batch._items import BatchInputError, Item, ItemOptions, invalid_row, make_item, options_from_mapping
from ..batch._ledger import FINAL_FAILURES, LedgerDB, Record
from ..batch._pipeline import ItemFailed, ItemPipeline, PipelineSettings, Reconciler
from ..batch._poller import TaskPoller
from ..batch._sources import DefaultSources, SourceProblem
from ..batch._store import EMBEDDINGS_DIR, schema, table_of
from ._actors import LedgerKeeper, RateBudget, RemoteLedger, RemoteRateLimiter, this_worker

if TYPE_CHECKING:
    import pyarrow as pa

    from .._async import AsyncEmbedClient

__all__ = ["EmbedMedia", "SharedKey"]

logger = logging.getLogger("twelvelabs_embed.ray")

#: The name of the cluster's rate budget actor, and its namespace: one budget for every job of the cluster
#: (name another one for a second organisation's key).
BUDGET_NAME = "twelvelabs-embed-rate-budget"
BUDGET_NAMESPACE = "twelvelabs-embed"
#: The vector size of an empty result (Ray skips empty blocks when it writes).
EMPTY_DIMENSION = 512


class SharedKey(ApiKey):
    """The API key on its way to the workers (in the map's constructor arguments): an `ApiKey` that, unlike
    its parent, can be pickled, since Ray must ship it; its repr still never shows it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SharedKey('****')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[SharedKey], tuple[str]]:  # type: ignore[override]
        return (SharedKey, (self.reveal(),))


#: The driver's handles of the actors `setup` started: an actor lives while its creator holds a handle.
_HANDLES: dict[str, Any] = {}


def ledger_name(folder: Path) -> str:
    return "twelvelabs-embed-ledger-" + hashlib.sha256(str(folder).encode()).hexdigest()[:16]


class _Pipeline(ItemPipeline):
    """The batch's per-item step with the cluster's identity locks."""

    def __init__(self, *args: Any, remote: RemoteLedger, **kwargs: Any) -> None:
        super().__init__(*args, ledger=remote, **kwargs)
        self.remote = remote

    def identity_lock(self, identity: str) -> Any:
        return self.remote.hold(f"identity:{identity}")


class EmbedMedia:
    """Embeds each row of a Ray Dataset with the batch job's engine; returns its vectors as rows.

        kwargs = EmbedMedia.setup("/data/library")                   # in the driver, once
        vectors = ds.map_batches(EmbedMedia, fn_constructor_kwargs=kwargs, compute=ActorPoolStrategy(size=4),
                                 batch_size=8, num_cpus=0.25)
        vectors.write_parquet("/data/library/embeddings")            # batch.load("/data/library") reads it

    A row has a `source` (a URL or a path; `path`, `url` and `file` are accepted too) and, as in the batch
    manifest, any of `api`, `input_type`, `model`, `segmentation`, `clip_length`, `option`, `scope`,
    `embedding_type`, `start`, `end`, `embedding_dimension`. Each item goes through the batch job's
    `ItemPipeline` (create at most once, wait, retrieve), with the ledger and the rate budget shared by
    every worker (two named actors that `setup` starts). The output rows have the batch's Parquet schema,
    one per segment. An item that fails is recorded in the ledger (`batch.summarize(folder)` lists it)
    and gives no rows; an item whose rows are already stored under `folder/embeddings` gives none either.
    A column the manifest does not know stops the run (`BatchInputError`), as a key the API refuses does
    (`FatalBatchError`). One pipeline writes one vector dimension (Parquet files of one schema).

    Use `setup` to make the constructor arguments: it runs in the driver, resolves the key, and starts
    the shared actors where the folder is.
    """

    client: AsyncEmbedClient
    ledger: RemoteLedger
    metered: Metered
    poller: TaskPoller
    reconciler: Reconciler
    sources: DefaultSources
    pipeline: _Pipeline

    def __init__(
        self,
        folder: str,
        *,
        ledger: str,
        budget: str = BUDGET_NAME,
        namespace: str | None = None,
        api_key: SharedKey | None = None,
        base_url: str | None = None,
        base: str | None = None,
        stored: str | None = None,
        defaults: ItemOptions | None = None,
        retry_failed: bool = False,
        poll: PollPolicy | None = None,
        settings: PipelineSettings | None = None,
        timeouts: Timeouts | None = None,
        max_connections: int = 100,
    ) -> None:
        import ray

        self.folder = Path(folder)
        self.stored_path = Path(stored) if stored is not None else self.folder / EMBEDDINGS_DIR
        self.base = Path(base) if base is not None else Path.cwd()
        self.defaults = defaults or ItemOptions()
        self.retry_failed = retry_failed
        self.poll = poll or DEFAULT_POLL
        self.timeouts = timeouts
        self.settings = settings or PipelineSettings(create_window=(timeouts or Timeouts()).total)
        self._key = api_key
        self._base_url = base_url
        self._max_connections = max_connections
        try:
            self.ledger_actor = ray.get_actor(ledger, namespace=namespace)
            self.budget_actor = ray.get_actor(budget, namespace=BUDGET_NAMESPACE)
        except ValueError:
            raise ConfigurationError(
                f"the shared actors of {folder} are not running: pass EmbedMedia.setup({str(folder)!r}) "
                "as fn_constructor_kwargs (it starts them in the driver)"
            ) from None
        self.worker = this_worker()
        self._started: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stored: set[str] = set()
        self._dimension = self.defaults.embedding_dimension or EMPTY_DIMENSION
        # At once, and again when Ray restarts this worker: what a dead incarnation held is given back.
        handle = ray.get_runtime_context().current_actor if not self.worker.holder.startswith("pid-") else None
        ray.get(
            [self.ledger_actor.register.remote(self.worker, handle), self.budget_actor.register.remote(self.worker)]
        )

    # ------------------------------------------------------------------ the driver side
    @staticmethod
    def setup(
        folder: str | os.PathLike[str],
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_rpm: int | None = None,
        durable: bool = True,
        budget: str = BUDGET_NAME,
        **options: Any,
    ) -> dict[str, Any]:
        """Start (or find) the shared ledger of `folder` and the rate budget; return the constructor kwargs.

        Call it in the driver, after `ray.init()`. The ledger actor runs on this node (the folder is
        here) and lives as long as this driver (or until `teardown`); the rate budget is the cluster's,
        shared by every job, and lives as long as the cluster. The key is resolved here (`api_key`, else
        `TWELVELABS_API_KEY`), so a missing key fails before any work is scheduled; it travels to the
        workers in the returned arguments. `options` are the other constructor arguments (`defaults`,
        `retry_failed`, `poll`, `settings`, `timeouts`, `stored`, `max_connections`). `max_rpm` caps the
        counted requests per minute of the whole cluster (only when this call starts the budget).
        """
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from .._config import resolve_base_url

        key = resolve_api_key(api_key)
        url = str(resolve_base_url(base_url, allow_insecure_http=False))
        _check_options(max_rpm, options)
        if not ray.is_initialized():
            raise ConfigurationError("EmbedMedia.setup runs in the driver after ray.init()")
        root = Path(folder).resolve()
        timeouts = options.get("timeouts")
        lease = (timeouts.total if isinstance(timeouts, Timeouts) else Timeouts().total) + 60.0
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        name = ledger_name(root)
        keeper: Any = (
            ray.remote(LedgerKeeper)
            .options(name=name, get_if_exists=True, num_cpus=0, max_concurrency=10_000, scheduling_strategy=here)
            .remote(str(root), durable)
        )
        rate: Any = (
            ray.remote(RateBudget)
            .options(
                name=budget,
                namespace=BUDGET_NAMESPACE,
                lifetime="detached",  # the cluster's budget outlives one job; it dies with the cluster
                get_if_exists=True,
                num_cpus=0,
                max_concurrency=10_000,
            )
            .remote(max_rpm, lease)
        )
        ray.get([keeper.ready.remote(), rate.ready.remote()])  # a folder another batch holds fails here
        _HANDLES[name] = keeper
        return {
            "folder": str(root),
            "ledger": name,
            "budget": budget,
            "namespace": ray.get_runtime_context().namespace,
            "api_key": SharedKey(key.reveal()),
            "base_url": url,
            "base": os.getcwd(),
            **{name: str(Path(value).resolve()) if name == "stored" else value for name, value in options.items()},
        }

    @staticmethod
    def teardown(folder: str | os.PathLike[str]) -> None:
        """Stop the ledger actor of `folder` (it releases the folder); a no-op when it is not running."""
        import ray

        try:
            keeper = ray.get_actor(ledger_name(Path(folder).resolve()))
        except ValueError:
            return
        ray.get(keeper.close.remote())
        ray.kill(keeper)
        _HANDLES.pop(ledger_name(Path(folder).resolve()), None)

    # ------------------------------------------------------------------ the worker side
    async def _start(self) -> None:
        if self._started is None:
            self._loop = asyncio.get_running_loop()
            self._started = self._loop.create_future()
            try:
                await self._open()
            except BaseException as error:
                self._started.set_exception(error)
                raise
            self._started.set_result(None)
        await asyncio.shield(self._started)

    async def _open(self) -> None:
        self.stored = await asyncio.to_thread(_stored_keys, self.stored_path)
        self.client = make_client(
            api_key=self._key.reveal() if self._key is not None else None,
            base_url=self._base_url,
            timeouts=self.timeouts,
            max_connections=self._max_connections,
        )
        self.ledger = RemoteLedger(self.ledger_actor, self.worker)
        self.metered = Metered(RemoteRateLimiter(self.budget_actor, self.worker))
        self.poller = TaskPoller(self.client, self.metered, poll=self.poll, clock_skew=self.settings.clock_skew)
        self.reconciler = Reconciler(self.client, self.metered, self.ledger, self.settings)
        self.sources = DefaultSources()
        self.pipeline = _Pipeline(
            self.client,
            remote=self.ledger,
            metered=self.metered,
            poller=self.poller,
            sources=self.sources,
            reconciler=self.reconciler,
            settings=self.settings,
        )

    async def __call__(self, batch: Any) -> pa.Table:
        """Embed every row of `batch` (any batch format); the vectors of all of them, in row order."""
        import pyarrow as pa

        await self._start()
        rows = _rows(batch)
        items = [self._item(row, number) for number, row in enumerate(rows)]
        await self.ledger.run(LedgerDB.register, items)
        tables = await asyncio.gather(*(self._embed(item) for item in items))
        found = [t for t in tables if t is not None and t.num_rows > 0]
        if not found:  # no vectors: an empty table of the dimension this worker last produced
            return schema(self._dimension).empty_table()
        self._dimension = found[-1].schema.field("vector").type.list_size
        return pa.concat_tables(found) if len(found) > 1 else found[0]

    def _item(self, row: Mapping[str, Any], number: int) -> Item:
        where = f"row {number} of the batch"
        try:
            source, options = options_from_mapping(row, where=where)
        except BatchInputError:
            raise
        except EmbedError as error:
            return invalid_row(row, where, error)
        if source is None:
            raise BatchInputError(where, "has no source (a 'source', 'path', 'url' or 'file' column)")
        return make_item(source, options.over(self.defaults), base=self.base)

    async def _embed(self, item: Item) -> pa.Table | None:
        key = item.key
        async with self.ledger.hold(f"key:{key}"):
            record = await self.ledger.run(LedgerDB.get, key)
            if record is None or not await self._wanted(item, record):
                return None
            try:
                if item.problem is not None:
                    await self.ledger.run(LedgerDB.record_failure, key, "invalid", item.problem)
                    return None
                try:
                    self.sources.check(item)
                except SourceProblem as problem:
                    await self.ledger.run(LedgerDB.record_failure, key, problem.kind, str(problem))
                    return None
                if record.status == "creating":  # a create a dead worker may have sent: find its task first
                    async with self.ledger.hold(f"identity:{record.identity or 'anonymous:'}"):
                        again = await self.ledger.run(LedgerDB.get, key)
                        if again is not None and again.status == "creating":
                            await self.reconciler.reconcile([again])
                ready = await self.pipeline.process(item)
            except ItemFailed:
                return None
            except FatalBatchError:
                raise
            except EmbedError as error:
                if is_fatal(error):
                    raise FatalBatchError(f"the API refused the key: {error}", error) from error
                logger.warning("item %s: %s", key, error)
                await self.ledger.run(LedgerDB.record_failure, key, "transient", f"{type(error).__name__}: {error}")
                return None
            except OSError as error:
                await self.ledger.run(LedgerDB.record_failure, key, "invalid", f"{item.source}: {error}")
                return None
            rows = len(ready.arrays)
            table = None
            if rows:
                table = table_of(
                    ready.arrays, key=key, source=item.source, task_id=ready.task_id, api=item.api, model=item.model
                )
            await self.ledger.run(LedgerDB.mark_done, key, task_id=ready.task_id, output_file=None, rows=rows)
            return table

    async def _wanted(self, item: Item, record: Record) -> bool:
        """Whether to work on the item now (the batch's plan, per item); puts its ledger row in shape."""
        key = item.key
        if key in self.stored:
            if record.status != "done":
                await self.ledger.run(LedgerDB.mark_done, key, task_id=record.task_id, output_file=None, rows=0)
            return False
        if record.status == "done":  # its rows were never stored (a worker died, a write failed): fetch again
            if record.task_id is None:
                await self.ledger.run(LedgerDB.reset, key)
            else:
                await self.ledger.run(LedgerDB.mark_waiting, key)
            return True
        if record.status == "failed":
            kind = record.error_kind or ""
            if kind in FINAL_FAILURES and not self.retry_failed:
                return False
            if record.task_id is not None and kind in ("timeout", "transient"):
                await self.ledger.run(LedgerDB.mark_waiting, key)
            else:
                await self.ledger.run(LedgerDB.reset, key)
        return True

    async def aclose(self) -> None:
        """Stop this worker's poller and close its connections."""
        if self._started is not None and self._started.done() and self._started.exception() is None:
            await self.poller.aclose()
            await self.client.aclose()

    def __del__(self) -> None:
        # Ray Data drops the instance when the pipeline ends: close on the loop that ran the batches.
        loop = getattr(self, "_loop", None)
        if loop is None or loop.is_closed() or not loop.is_running() or asyncio._get_running_loop() is loop:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout=5)

    def __repr__(self) -> str:
        return f"EmbedMedia(folder={str(self.folder)!r})"


#: The constructor arguments `setup` passes on, and the type each must have.
_OPTIONS: dict[str, type | tuple[type, ...]] = {
    "defaults": ItemOptions,
    "retry_failed": bool,
    "poll": PollPolicy,
    "settings": PipelineSettings,
    "timeouts": Timeouts,
    "stored": (str, os.PathLike),
    "max_connections": int,
}


def _check_options(max_rpm: object, options: Mapping[str, Any]) -> None:
    """Refuse a bad option in the driver, naming it, before any actor starts."""
    if max_rpm is not None and (isinstance(max_rpm, bool) or not isinstance(max_rpm, int) or max_rpm < 1):
        raise ConfigurationError(f"max_rpm must be a whole number >= 1, got {max_rpm!r}")
    for name, value in options.items():
        wanted = _OPTIONS.get(name)
        if wanted is None:
            raise ConfigurationError(f"unknown option {name!r}; EmbedMedia.setup takes {', '.join(sorted(_OPTIONS))}")
        if value is not None and (not isinstance(value, wanted) or (wanted is int and isinstance(value, bool))):
            names = " or ".join(t.__name__ for t in (wanted if isinstance(wanted, tuple) else (wanted,)))
            raise ConfigurationError(f"{name} must be {names}, got {value!r}")
    connections = options.get("max_connections")
    if connections is not None and connections < 1:
        raise ConfigurationError(f"max_connections must be >= 1, got {connections!r}")


def _rows(batch: Any) -> list[dict[str, Any]]:
    """The rows of a batch in any of Ray's formats (pyarrow, pandas, a dict of columns)."""
    if hasattr(batch, "to_pylist"):
        rows: list[dict[str, Any]] = batch.to_pylist()
        return [{k: _plain(v) for k, v in r.items()} for r in rows]
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):
        records: list[dict[str, Any]] = batch.to_dict("records")
        return [{k: _plain(v) for k, v in r.items()} for r in records]
    if isinstance(batch, Mapping):
        columns = {str(k): list(v) for k, v in batch.items()}
        size = len(next(iter(columns.values()), []))
        return [{k: _plain(v[i]) for k, v in columns.items()} for i in range(size)]
    raise TypeError(f"EmbedMedia takes a batch of rows (pyarrow, pandas or a dict of columns), got {type(batch)}")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as plain Python values; a missing value (NaN in pandas and numpy) as None."""
    tolist = getattr(value, "tolist", None)
    value = tolist() if callable(tolist) else value
    return None if isinstance(value, float) and value != value else value


def _stored_keys(path: Path) -> set[str]:
    """The keys whose rows are stored under `path` (a Parquet folder); unreadable files are skipped."""
    import pyarrow.parquet as pq

    keys: set[str] = set()
    if not path.is_dir():
        return keys
    for file in sorted(path.glob("*.parquet")):
        if file.name.startswith((".", "_")):
            continue
        try:
            column = pq.read_table(file, columns=["key"]).column("key")
        except Exception as error:  # a file being written, or not ours
            logger.warning("cannot read keys of %s (%s); its items are embedded again if asked", file, error)
            continue
        keys.update(str(k) for k in column.unique().to_pylist() if k is not None)
    return keys
