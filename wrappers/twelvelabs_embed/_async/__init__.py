"""The async client and its resources: the handwritten source of the sync twin in `_sync/`."""

from ._assets import AsyncAssets
from ._client import AsyncEmbedClient
from ._resources import AsyncEmbeddings, AsyncLegacy, AsyncLegacyEmbeddings, AsyncLegacyTasks, AsyncTasks, AsyncV2

__all__ = [
    "AsyncAssets",
    "AsyncEmbedClient",
    "AsyncEmbeddings",
    "AsyncLegacy",
    "AsyncLegacyEmbeddings",
    "AsyncLegacyTasks",
    "AsyncTasks",
    "AsyncV2",
]
