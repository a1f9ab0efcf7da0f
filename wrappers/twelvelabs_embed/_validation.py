"""Argument rules, checked before any request. Each failure is a `ValidationError(field, rule)`.

Ranges cite the openapi.yaml schema they come from (`Range.source`); a test reads the spec and fails
if a range here drifts from it. Enum values come from the generated Enum classes, so they follow the
spec by construction. Rules the spec states only in prose (one media source, offsets sent together,
model/field compatibility, size limits) are written out here with the facts they rest on.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import math
import os
import re
import select
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from ._errors import APITimeoutError, ValidationError
from ._exchange import clip

__all__ = ["Range"]

E = TypeVar("E", bound=Enum)


@dataclass(frozen=True)
class Range:
    """An inclusive numeric range and the spec location it comes from (`Schema.property`)."""

    minimum: float
    maximum: float
    source: str


# ---------------------------------------------------------------- ranges from openapi.yaml
CLIP_LENGTH = Range(2, 10, "CreateVideoEmbeddingTaskForm.video_clip_length")
FIXED_DURATION = Range(2, 10, "FixedSegmentationParams.duration_sec")
DYNAMIC_MIN_DURATION = Range(2, 5, "DynamicSegmentationParams.min_duration_sec")
PAGE_LIMIT = Range(1, 50, "parameters.PageLimit")
EMBEDDING_DIMENSION = Range(1, 512, "CreateEmbeddingTaskRequest.embedding_dimension")
MULTI_INPUT_MAX_SOURCES = 10  # MultiInputRequest.media_sources.maxItems

DEFAULT_CLIP_LENGTH = 6.0  # CreateVideoEmbeddingTaskForm.video_clip_length default

# ---------------------------------------------------------------- limits stated in prose (embed-api.md §4)
MiB = 1024 * 1024
LEGACY_UPLOAD_MAX_BYTES = 2 * 1024 * MiB  # legacy `video_file`: at most 2 GB
BASE64_AV_MAX_BYTES = 36 * MiB  # v2 base64 audio/video: at most 36 MB decoded
BASE64_IMAGE_MAX_BYTES = 32 * MiB  # v2 images: at most 32 MB
BASE64_DOCUMENT_MAX_BYTES = 512 * MiB  # v2 documents: at most 512 MB

MARENGO_30 = "marengo3.0"
MARENGO_35 = "marengo3.5"


# ---------------------------------------------------------------- primitives
def number(
    field: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: float | None = None,
    source: str | None = None,
) -> float:
    """A finite real number (not a bool, NaN or infinity) within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"must be a number, got {type(value).__name__} {value!r}", value)
    if not math.isfinite(value):
        raise ValidationError(field, f"must be a finite number, got {value!r}", value)
    where = f" ({source})" if source else ""
    if minimum is not None and value < minimum:
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f">= {minimum:g}"
        raise ValidationError(field, f"must be {bound}{where}, got {value!r}", value)
    if maximum is not None and value > maximum:
        bound = f"between {minimum:g} and {maximum:g}" if minimum is not None else f"<= {maximum:g}"
        raise ValidationError(field, f"must be {bound}{where}, got {value!r}", value)
    if exclusive_minimum is not None and value <= exclusive_minimum:
        raise ValidationError(field, f"must be greater than {exclusive_minimum:g}{where}, got {value!r}", value)
    return float(value)


def in_range(field: str, value: Any, rng: Range, *, integer: bool = False) -> Any:
    """A number (an integer if `integer`) within `rng`."""
    if integer and (isinstance(value, bool) or not isinstance(value, int)):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        else:
            raise ValidationError(
                field, f"must be a whole number between {rng.minimum:g} and {rng.maximum:g}, got {value!r}", value
            )
    checked = number(field, value, minimum=rng.minimum, maximum=rng.maximum, source=rng.source)
    return int(checked) if integer else checked


def text(field: str, value: Any) -> str:
    """A non-blank string."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}", value)
    if not value.strip():
        raise ValidationError(field, "must not be empty", value)
    return str(value)


def task_id(value: Any, field: str = "task_id") -> str:
    """A task id: a non-empty string without path separators or whitespace."""
    checked = text(field, value)
    if re.search(r"[\s/?#%]", checked):
        raise ValidationError(field, "must be a task id (no whitespace, '/', '?', '#' or '%')", checked)
    return checked


def http_url(field: str, value: Any) -> str:
    """An absolute http(s) URL with a host."""
    checked = text(field, value)
    try:
        url = httpx.URL(checked)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValidationError(field, f"must be a valid http(s) URL, got {checked!r}", checked) from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError(field, f"must be an http(s) URL with a host, got {checked!r}", checked)
    return checked


def one_of(field: str, value: Any, enum: type[E], *, allowed: Iterable[str] | None = None) -> E:
    """A value of `enum` (given as the enum member or its string value), optionally restricted."""
    names = [m.value for m in enum] if allowed is None else list(allowed)
    raw = value.value if isinstance(value, Enum) else value
    if not isinstance(raw, str) or raw not in names:
        raise ValidationError(field, f"must be one of {', '.join(map(repr, names))}; got {raw!r}", value)
    return enum(raw)


def many_of(field: str, values: Any, enum: type[E], *, allowed: Iterable[str] | None = None) -> list[E]:
    """A non-empty list of distinct values of `enum`; a single string is taken as a one-item list."""
    if isinstance(values, str | Enum):
        values = [values]
    if not isinstance(values, Sequence) or isinstance(values, bytes | bytearray):
        raise ValidationError(field, f"must be a list of values, got {type(values).__name__}", values)
    if not values:
        raise ValidationError(field, "must not be empty", values)
    allowed_list = list(allowed) if allowed is not None else None
    items = [one_of(f"{field}[{i}]", v, enum, allowed=allowed_list) for i, v in enumerate(values)]
    if len({i.value for i in items}) != len(items):
        raise ValidationError(field, "must not repeat a value", values)
    return items


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be true or false, got {value!r}", value)
    return value


def timestamp(field: str, value: Any) -> dt.datetime:
    """A datetime (timezone-aware, or taken as UTC) or an RFC 3339 string."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError(field, f"must be an RFC 3339 date-time, got {value!r}", value) from exc
    if not isinstance(value, dt.datetime):
        raise ValidationError(field, f"must be a datetime or an RFC 3339 string, got {value!r}", value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------- files and base64
@dataclass(frozen=True)
class LocalFile:
    """A validated upload: a regular file on disk (checked, not opened) or a caller's open binary file.

    `size` is the byte count when it was checked (None when a file object's size cannot be known
    without reading it: a pipe, a socket, an endless stream). `open_upload` opens a path once, for the
    request that sends it; a caller's file object is used as it is and left open (its owner closes it).
    """

    field: str
    name: str
    path: Path | None = None
    size: int | None = None
    file: IO[bytes] | None = None
    max_bytes: int | None = None


def _too_large(field: str, size: int, max_bytes: int, value: Any) -> ValidationError:
    return ValidationError(
        field, f"file is {size} bytes; the limit is {max_bytes} bytes ({max_bytes // MiB} MiB)", value
    )


def _known_size(file: Any) -> int | None:
    """The size of a file object without reading it: a regular file's, or a seekable stream's; else None."""
    try:
        info = os.fstat(file.fileno())
    except (AttributeError, OSError, ValueError):
        info = None
    if info is not None:
        return info.st_size if stat.S_ISREG(info.st_mode) else None
    try:
        if not file.seekable():
            return None
        here = file.tell()
        end = int(file.seek(0, os.SEEK_END))
        file.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end


def upload(field: str, value: Any, *, max_bytes: int) -> LocalFile:
    """A regular, non-empty file of at most `max_bytes`, or an open binary file object (no file is opened)."""
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ValidationError(field, f"file not found: {str(path)!r}", str(path)) from None
        except OSError as exc:
            raise ValidationError(field, f"cannot read {str(path)!r}: {exc.strerror}", str(path)) from exc
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(field, f"must be a regular file, {str(path)!r} is not", str(path))
        if info.st_size == 0:
            raise ValidationError(field, f"file is empty: {str(path)!r}", str(path))
        if info.st_size > max_bytes:
            raise _too_large(field, info.st_size, max_bytes, str(path))
        return LocalFile(field, path.name, path=path, size=info.st_size, max_bytes=max_bytes)
    if hasattr(value, "read"):
        mode = getattr(value, "mode", "rb")
        if isinstance(mode, str) and "b" not in mode:
            raise ValidationError(field, "file object must be opened in binary mode ('rb')", value)
        name = os.path.basename(str(getattr(value, "name", "upload"))) or "upload"
        size = _known_size(value)
        if size is not None and size > max_bytes:
            raise _too_large(field, size, max_bytes, value)
        return LocalFile(field, name, size=size, file=value, max_bytes=max_bytes)
    raise ValidationError(field, f"must be a file path or a binary file object, got {type(value).__name__}", value)


class UploadReader:
    """The bytes of one upload as the request reads them: exactly the checked size, never forever.

    httpx computes the multipart Content-Length from the size a file has when the request is built and
    then reads until EOF; a file that grows or shrinks meanwhile made h11 refuse the body mid-send, and
    a pipe or an endless stream was read without end. This reader hands out exactly `size` bytes when
    the size was known (a file that changed is a `ValidationError` naming the field), up to `max_bytes`
    otherwise (sent chunked), and ends each read by the call's deadline (`_exchange.clip`): a pipe
    whose writer stalls is waited for only until then (`APITimeoutError`). `on_read`, when set, is called
    with the position after each read that returned bytes (a byte count for progress; a rewind starts it
    again from the new position).
    """

    CHUNK = 64 * 1024

    def __init__(self, upload: LocalFile, source: IO[bytes]) -> None:
        self.field = upload.field
        self._source = source
        self._size = upload.size
        self._max = upload.max_bytes
        self._position = 0
        self.on_read: Callable[[int], object] | None = None
        self._select_fd: int | None = None
        if self._size is None and os.name == "posix":
            try:
                self._select_fd = source.fileno()  # a pipe, FIFO, socket or device: wait for it with select
            except (AttributeError, OSError, ValueError):
                self._select_fd = None

    def seekable(self) -> bool:
        if self._size is None:
            return False
        try:
            return bool(self._source.seekable())
        except (AttributeError, OSError, ValueError):
            return False

    def tell(self) -> int:
        if not self.seekable():
            raise io.UnsupportedOperation("the upload's size is not known")
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move within the checked size (httpx rewinds to 0 before sending and measures with SEEK_END)."""
        if not self.seekable() or self._size is None:
            raise io.UnsupportedOperation("the upload cannot be rewound")
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}[whence]
        target = min(max(base + offset, 0), self._size)
        self._source.seek(target)
        self._position = target
        return target

    def read(self, size: int = -1) -> bytes:
        want = self.CHUNK if size is None or size < 0 else size
        if self._size is not None:
            left = self._size - self._position
            if left <= 0:
                if want and self._read_source(1):
                    raise ValidationError(
                        self.field, f"the file grew while it was being sent (it had {self._size} bytes when checked)"
                    )
                return b""
            chunk = self._read_source(min(want, left))
            if not chunk and want:
                raise ValidationError(
                    self.field,
                    f"the file shrank while it was being sent ({self._position} of the {self._size} bytes "
                    "it had when checked)",
                )
        else:
            chunk = self._read_source(want)
            if self._max is not None and self._position + len(chunk) > self._max:
                raise _too_large(self.field, self._position + len(chunk), self._max, None)
        self._position += len(chunk)
        if chunk and self.on_read is not None:
            self.on_read(self._position)
        return chunk

    def _read_source(self, size: int) -> bytes:
        left = clip(None, APITimeoutError)
        if self._select_fd is not None:
            ready, _, _ = select.select([self._select_fd], [], [], left)
            if not ready:
                raise APITimeoutError(f"{self.field}: no data from the file within the call's deadline")
            read1 = getattr(self._source, "read1", None)
            if read1 is not None:
                return bytes(read1(size))
        data = self._source.read(size)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ValidationError(self.field, f"read() returned {type(data).__name__}, not bytes")
        return bytes(data)


@contextmanager
def open_upload(upload: LocalFile | None) -> Iterator[UploadReader | None]:
    """The upload, open for the duration of one request (a path is opened here and closed after)."""
    if upload is None:
        yield None
        return
    if upload.path is None:
        yield None if upload.file is None else UploadReader(upload, upload.file)
        return
    try:
        handle = upload.path.open("rb")
    except OSError as exc:
        raise ValidationError(
            upload.field, f"cannot read {str(upload.path)!r}: {exc.strerror}", str(upload.path)
        ) from exc
    with handle:
        yield UploadReader(upload, handle)


def base64_payload(field: str, value: Any, *, max_decoded_bytes: int) -> str:
    """Valid base64 whose decoded size is within `max_decoded_bytes`."""
    compact = text(field, value).strip()
    decoded_size = (len(compact) * 3) // 4 - compact[-2:].count("=")
    if decoded_size > max_decoded_bytes:
        raise ValidationError(
            field,
            f"decodes to about {decoded_size} bytes; the limit is {max_decoded_bytes} bytes "
            f"({max_decoded_bytes // MiB} MiB); use url or asset_id for larger media",
            "<base64>",
        )
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(field, "is not valid base64", "<base64>") from exc
    return compact


def exactly_one(fields: Mapping[str, Any], *, prefix: str = "") -> str:
    """The name of the single field that is not None; an error when none or several are given."""
    given = [name for name, value in fields.items() if value is not None]
    names = " / ".join(f"{prefix}{n}" for n in fields)
    if len(given) != 1:
        which = "none was given" if not given else f"got {', '.join(prefix + g for g in given)}"
        raise ValidationError(names, f"give exactly one media source; {which}")
    return given[0]


def offsets(
    start_field: str, start: Any, end_field: str, end: Any, *, min_span: float | None = None, together: bool = False
) -> tuple[float | None, float | None]:
    """Start >= 0, end > start; optionally both or neither, and at least `min_span` apart."""
    if together and (start is None) != (end is None):
        missing = end_field if end is None else start_field
        raise ValidationError(missing, f"{start_field} and {end_field} must be given together")
    s = number(start_field, start, minimum=0) if start is not None else None
    e = number(end_field, end, exclusive_minimum=0) if end is not None else None
    if e is not None and e <= (s or 0.0):
        raise ValidationError(end_field, f"must be greater than {start_field} ({s or 0.0:g}), got {e:g}", end)
    if min_span is not None and e is not None and e - (s or 0.0) < min_span:
        raise ValidationError(
            end_field,
            f"{end_field} - {start_field} must be at least the clip length ({min_span:g} s); got {e - (s or 0.0):g} s",
            end,
        )
    return s, e


def page_args(page: Any, page_limit: Any) -> tuple[int, int]:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValidationError("page", f"must be a whole number >= 1, got {page!r}", page)
    return page, in_range("page_limit", page_limit, PAGE_LIMIT, integer=True)
