"""Plain data of the fake: tasks, recorded requests, the rate limit, and how media durations are decided."""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from ._defaults import DEFAULT_MEDIA_DURATION
from ._faults import FaultKind
from ._operations import CREATE_OPERATIONS, check_operation_ids

__all__ = [
    "DEFAULT_FAILURE_MESSAGE",
    "DEFAULT_MEDIA_DURATION",
    "FakeTask",
    "Media",
    "RateLimit",
    "RecordedRequest",
    "RecordedUpload",
]

#: `error.message` of a v2 task that fails on request without a message of its own.
DEFAULT_FAILURE_MESSAGE = "The embedding task failed. Please try again later."
#: `error.message` of a v2 task whose media URL cannot be fetched (not http/https).
FETCH_FAILURE_MESSAGE = "failed to fetch or materialize source media"

TaskStatus = Literal["processing", "ready", "failed"]


@dataclass
class FakeTask:
    """One embedding task held by the fake (legacy `/embed/tasks` or v2 `/embed-v2/tasks`).

    The status is derived from the clock: `processing` until `ready_at`, then `outcome`.
    """

    id: str
    api: Literal["legacy", "v2"]
    model_name: str
    input_type: str
    created_at: datetime
    ready_at: datetime
    outcome: Literal["ready", "failed"]
    error_message: str | None
    input_url: str | None
    input_filename: str | None
    duration: float
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    def status_at(self, now: datetime) -> TaskStatus:
        """The status at time `now`."""
        return "processing" if now < self.ready_at else self.outcome

    def updated_at(self, now: datetime) -> datetime:
        return self.created_at if now < self.ready_at else self.ready_at


@dataclass(frozen=True)
class RecordedUpload:
    """One uploaded file as the fake's multipart parser received it (kept only with `record_uploads=True`)."""

    schema: str
    form_field: str
    filename: str | None
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class RecordedRequest:
    """One request as the fake received it.

    `status` is the status the fake sent (or, for an in-process timeout, would have sent); None when the
    connection was dropped before a status line. `fault` names the injected fault that shaped the answer.
    Requests to the upload origin have `origin="upload"` and no `operation`; their `body_size` counts the
    bytes of a chunk received in full.
    """

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body_size: int
    operation: str | None
    received_at: datetime
    status: int | None = None
    fault: FaultKind | None = None
    #: `api`, or `upload` for the upload origin (presigned chunk PUTs).
    origin: str = "api"
    #: The chunk fault (`ChunkFaultKind` value) that shaped an upload-origin answer.
    chunk_fault: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key == lowered), None)


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` requests per sliding `window_seconds` (on the fake's clock), shared by `operations`.

    Over the limit the fake answers 429 `too_many_requests` with `Retry-After` (whole seconds until a slot
    frees) and `X-Ratelimit-Dimensions: <dimensions>`, and does nothing else (no task is created).
    Admitted requests get `X-Ratelimit-Limit/-Remaining/-Used/-Reset`.
    """

    limit: int
    window_seconds: float = 60.0
    operations: Collection[str] = CREATE_OPERATIONS
    dimensions: str = "Request"

    def __post_init__(self) -> None:
        if self.limit < 0 or self.window_seconds <= 0:
            raise ValueError("RateLimit needs limit >= 0 and window_seconds > 0")
        object.__setattr__(self, "operations", check_operation_ids(list(self.operations)))


class RateLimiter:
    def __init__(self) -> None:
        self.limit: RateLimit | None = None
        self._admitted: deque[datetime] = deque()

    def configure(self, limit: RateLimit | None) -> None:
        self.limit = limit
        self._admitted.clear()

    def admit(self, operation_id: str, now: datetime) -> tuple[bool, dict[str, str]]:
        """Whether the request may proceed, and the headers to add to the answer."""
        limit = self.limit
        if limit is None or operation_id not in limit.operations:
            return True, {}
        window = timedelta(seconds=limit.window_seconds)
        while self._admitted and self._admitted[0] <= now - window:
            self._admitted.popleft()
        if len(self._admitted) >= limit.limit:
            oldest = self._admitted[0] if self._admitted else now
            wait = max(1, math.ceil((oldest + window - now).total_seconds()))
            return False, {"Retry-After": str(wait), "X-Ratelimit-Dimensions": limit.dimensions}
        self._admitted.append(now)
        reset = self._admitted[0] + window
        return True, {
            "X-Ratelimit-Limit": str(limit.limit),
            "X-Ratelimit-Remaining": str(limit.limit - len(self._admitted)),
            "X-Ratelimit-Used": str(len(self._admitted)),
            "X-Ratelimit-Reset": str(math.ceil(reset.timestamp())),
        }


@dataclass(frozen=True)
class Media:
    """What the fake knows about one media input."""

    duration: float
    input_url: str | None = None
    input_filename: str | None = None
    #: Set when the media cannot be fetched (the task fails / the sync call is rejected).
    fetch_error: str | None = None
    #: Set when the test asked for this media to fail (`fail=` in the URL).
    fail_message: str | None = None
    hints: dict[str, str] = field(default_factory=dict)


def _positive_float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def media_from_url(url: str, *, default_duration: float, durations: dict[str, float]) -> Media:
    """Media behind a URL. The test controls it with query parameters of the URL itself:
    `duration=<seconds>` (default `default_duration`), `fail` or `fail=<message>` (the task ends `failed`),
    `pages=<n>` (PDF pages) and `sentences=<n>` (txt/md). A URL whose scheme is not http/https cannot be
    fetched. An entry in `durations` keyed by the exact URL wins over everything."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    duration = durations.get(url) or _positive_float(query.get("duration")) or default_duration
    fail_message = None
    if "fail" in query:
        value = query["fail"]
        fail_message = value if value not in ("", "1", "true", "yes") else DEFAULT_FAILURE_MESSAGE
    fetch_error = None if parts.scheme.lower() in ("http", "https") else FETCH_FAILURE_MESSAGE
    return Media(
        duration=duration,
        input_url=url,
        fetch_error=fetch_error,
        fail_message=fail_message,
        hints={key: value for key, value in query.items() if key in ("pages", "sentences")} | {"path": parts.path},
    )
