"""Scale the batch out on Ray Data: the batch job's engine as an async callable class for `map_batches`.

    import ray
    from ray.data import ActorPoolStrategy
    from twelvelabs_embed.ray import EmbedMedia

    ray.init()
    kwargs = EmbedMedia.setup("/data/library")       # the shared ledger and rate budget, in the driver
    ds = ray.data.read_csv("/data/items.csv")        # a `source` column and the manifest's option columns
    ds = ds.map_batches(EmbedMedia, fn_constructor_kwargs=kwargs, compute=ActorPoolStrategy(size=4),
                        batch_size=8, num_cpus=0.25)
    ds.write_parquet("/data/library/embeddings")     # then batch.load / batch.summarize("/data/library")

Paths are absolute: Ray's workers resolve relative ones in their own working folder.

Each worker runs the batch job's per-item step (`ItemPipeline`) with the batch's ledger and rate limiter
shared through two named actors: `LedgerKeeper` (the SQLite ledger of the folder, and the cluster's
locks) and `RateBudget` (one `AdaptiveRateLimiter` for the whole cluster, fed by every worker's answers).
So a row Ray runs again after a worker died polls the task its first run created (or finds it by listing
the account's tasks) instead of creating it again, and a re-run of the pipeline skips the rows already
stored. Install with `pip install 'twelvelabs-embed[ray]'`.
"""

from ._actors import LedgerKeeper, RateBudget, RemoteLedger, RemoteRateLimiter, Worker
from ._embed import BUDGET_NAME, EmbedMedia, SharedKey

__all__ = [
    "BUDGET_NAME",
    "EmbedMedia",
    "LedgerKeeper",
    "RateBudget",
    "RemoteLedger",
    "RemoteRateLimiter",
    "SharedKey",
    "Worker",
]
