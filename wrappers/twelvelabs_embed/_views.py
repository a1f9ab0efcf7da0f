"""Small readings of task models shared by both clients' waits (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import orjson

from twelvelabs_embed_generated.models import EmbeddingTask, VideoEmbeddingTaskStatus
from twelvelabs_embed_generated.types import Unset

from ._arrays import EmbeddingArrays, parse_v2_arrays
from ._config import ApiKey
from ._errors import ResponseParseError
from ._responses import raise_for_status, read_arrays

__all__ = ["V2Poll", "legacy_status", "read_v2_poll", "status_text", "v2_failure_reason", "v2_status"]


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


@dataclass(frozen=True)
class V2Poll:
    """One poll of a v2 task read for `wait_arrays`: its status, its failure reason, and, once it is
    ready, its vectors, read from that same body (the result is downloaded once)."""

    status: str | None
    reason: str | None
    arrays: EmbeddingArrays | None


def read_v2_poll(response: httpx.Response, secret: ApiKey | None = None) -> V2Poll:
    """The status of a `GET /embed-v2/tasks/{id}` answer, and its arrays when it is ready."""
    raise_for_status(response, secret=secret)
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as error:
        raise ResponseParseError(f"HTTP {response.status_code} body is not JSON: {error}", response=response) from error
    if not isinstance(body, dict):
        raise ResponseParseError(f"HTTP {response.status_code} body is not a task object", response=response)
    status = status_text(body.get("status"))
    failure = body.get("error")
    message = failure.get("message") if isinstance(failure, dict) else None
    reason = message if isinstance(message, str) else None
    arrays = read_arrays(parse_v2_arrays, response, secret) if status == "ready" else None
    return V2Poll(status, reason, arrays)
