"""Small readings of task models shared by both clients' waits (no I/O)."""

from __future__ import annotations

from twelvelabs_embed_generated.models import EmbeddingTask, VideoEmbeddingTaskStatus
from twelvelabs_embed_generated.types import Unset

__all__ = ["legacy_status", "status_text", "v2_failure_reason", "v2_status"]


def status_text(value: object) -> str | None:
    """A status as its wire string: an Enum member's value, a newer plain string, or None when absent."""
    if isinstance(value, Unset) or value is None:
        return None
    return str(getattr(value, "value", value))


def legacy_status(task: VideoEmbeddingTaskStatus) -> str | None:
    return status_text(task.status)


def v2_status(task: EmbeddingTask) -> str | None:
    return status_text(task.status)


def v2_failure_reason(task: EmbeddingTask) -> str | None:
    return None if isinstance(task.error, Unset) else task.error.message
