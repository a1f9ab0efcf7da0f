"""The resource types of both clients, for annotations (`def index(tasks: Tasks) -> None: ...`).

`EmbedClient().v2.tasks` is a `Tasks`, `AsyncEmbedClient().v2.tasks` an `AsyncTasks`, and so on:

| attribute | sync | async |
|---|---|---|
| `client.legacy` | `Legacy` | `AsyncLegacy` |
| `client.legacy.tasks` | `LegacyTasks` | `AsyncLegacyTasks` |
| `client.legacy.embeddings` | `LegacyEmbeddings` | `AsyncLegacyEmbeddings` |
| `client.v2` | `V2` | `AsyncV2` |
| `client.v2.tasks` | `Tasks` | `AsyncTasks` |
| `client.v2.embeddings` | `Embeddings` | `AsyncEmbeddings` |
| `client.assets` | `Assets` | `AsyncAssets` |
"""

from ._async import (
    AsyncAssets,
    AsyncEmbeddings,
    AsyncLegacy,
    AsyncLegacyEmbeddings,
    AsyncLegacyTasks,
    AsyncTasks,
    AsyncV2,
)
from ._sync import V2, Assets, Embeddings, Legacy, LegacyEmbeddings, LegacyTasks, Tasks

__all__ = [
    "V2",
    "Assets",
    "AsyncAssets",
    "AsyncEmbeddings",
    "AsyncLegacy",
    "AsyncLegacyEmbeddings",
    "AsyncLegacyTasks",
    "AsyncTasks",
    "AsyncV2",
    "Embeddings",
    "Legacy",
    "LegacyEmbeddings",
    "LegacyTasks",
    "Tasks",
]
