# Generated from _async/__init__.py by scripts/unasync.py; do not edit.
"""The async client and its resources: the handwritten source of the sync twin in `_sync/`."""

from ._assets import Assets
from ._client import EmbedClient
from ._resources import V2, Embeddings, Legacy, LegacyEmbeddings, LegacyTasks, Tasks

__all__ = [
    "V2",
    "Assets",
    "EmbedClient",
    "Embeddings",
    "Legacy",
    "LegacyEmbeddings",
    "LegacyTasks",
    "Tasks",
]
