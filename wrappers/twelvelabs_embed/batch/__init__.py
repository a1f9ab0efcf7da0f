"""Embed a whole media library: a resumable, rate-limit-aware batch that stores every vector locally.

    from twelvelabs_embed import batch

    result = batch.run("videos/", "out/")           # a folder, a glob, a URL list, a CSV/JSONL manifest
    print(result.done, result.failed, result.failures)
    table = batch.load("out/")                      # one pyarrow table, one row per segment
    matrix, segments = batch.load("out/", numpy=True)

Each item goes through: upload when needed, create (at most once, even across crashes), wait (one
poller for every task), retrieve, store (one Parquet file per task, written atomically). Every state
change is committed to the ledger (`out/ledger.sqlite`) before the next step, so running the same
command again resumes: finished items are skipped, created tasks are polled, creates a crash left
unanswered are looked up in the account's task list before anything is created again, and items with
the same content share one task. One rate limiter, fed by the server's rate-limit headers and 429s,
paces every request.

The pieces are public so another runner can reuse them per item (`ItemPipeline.process`), with its own
`RateLimiter` implementation (an interface of two async methods, e.g. a Ray actor for a cluster).
"""

from ._calls import FatalBatchError, Metered, batch_http_client, capture_response
from ._demo import demo
from ._engine import BatchResult, Failure, Progress, arun, make_client, run, summarize
from ._items import BatchInputError, Item, ItemOptions, make_item, read_inputs
from ._ledger import LEDGER_NAME, Ledger, LedgerBusyError, LedgerDB, Record
from ._pipeline import ItemFailed, ItemPipeline, PipelineSettings, Ready, Reconciler
from ._poller import Check, TaskPoller
from ._ratelimit import AdaptiveRateLimiter, Observation, RateLimiter, observation_from_headers
from ._sources import DefaultSources, MediaSources, NeedsAssetUpload, PreparedMedia, SourceProblem
from ._store import EMBEDDINGS_DIR, load, schema, table_of, write_table

__all__ = [
    "EMBEDDINGS_DIR",
    "LEDGER_NAME",
    "AdaptiveRateLimiter",
    "BatchInputError",
    "BatchResult",
    "Check",
    "DefaultSources",
    "Failure",
    "FatalBatchError",
    "Item",
    "ItemFailed",
    "ItemOptions",
    "ItemPipeline",
    "Ledger",
    "LedgerBusyError",
    "LedgerDB",
    "MediaSources",
    "Metered",
    "NeedsAssetUpload",
    "Observation",
    "PipelineSettings",
    "PreparedMedia",
    "Progress",
    "RateLimiter",
    "Ready",
    "Reconciler",
    "Record",
    "SourceProblem",
    "TaskPoller",
    "arun",
    "batch_http_client",
    "capture_response",
    "demo",
    "load",
    "make_client",
    "make_item",
    "observation_from_headers",
    "read_inputs",
    "run",
    "schema",
    "summarize",
    "table_of",
    "write_table",
]
