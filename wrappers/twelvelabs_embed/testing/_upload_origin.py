"""The upload origin: where the presigned chunk URLs point, a separate origin that behaves like an object store.

In-process it answers requests for the host `UPLOAD_HOST` (`fake.transport()` routes by host); served for real
it listens on its own port (`fake.run_server()` / `serve()`). Every request is recorded in `fake.requests`
with `origin="upload"` (also `fake.upload_requests`).

A chunk `PUT` to a presigned URL:
- carrying `x-api-key` -> 403 `AccessDenied` (the key must never leave for another origin); carrying
  `Authorization` -> 400 `InvalidArgument` (a presigned URL is its own authentication);
- with an unknown or altered signature -> 403 `SignatureDoesNotMatch`; a header of `upload_headers` missing
  or different -> 403 `SignatureDoesNotMatch`; past the URL's expiry -> 403 `AccessDenied` "Request has
  expired"; a session completed, failed or expired -> 404 `NoSuchUpload`;
- without Content-Length (chunked transfer) -> 411 `MissingContentLength`; more bytes than the session's
  `chunk_size` -> 400 `EntityTooLarge`;
- otherwise 200 with `ETag: "<md5 hex of the bytes received>"` and an empty body. A PUT of the same bytes
  again gives the same ETag (idempotent).
Errors have an S3-style XML body. Anything but PUT -> 405.

`ChunkFaults` (`fake.chunk_faults`) shapes chunk PUTs: `status` (answer 500, or another status, after the body
arrived; the chunk is marked failed), `drop` (close the connection after `after_bytes` bytes of the body,
default half), `expire` (every URL of that upload issued so far expires now; this PUT is refused as
expired) and `slow` (answer `delay` seconds late). `nth=3` picks the third matching PUT after the fault was
added; `chunk_index` / `upload_id` narrow the match.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._transport import IN_PROCESS, SimulatedDrop, SimulatedTimeout

if TYPE_CHECKING:
    from ._asset_state import IssuedUrl
    from ._fake import EmbedFake
    from ._models import RecordedRequest

__all__ = [
    "UPLOAD_HOST",
    "ChunkFault",
    "ChunkFaultKind",
    "ChunkFaults",
    "OriginRouter",
    "UploadOrigin",
]

#: `_app.REQUEST_LOGGER` (not imported: `_app` imports the handlers, which import this module's users): served
#: for real, the upload origin logs its requests there too, in the same `METHOD PATH STATUS DURATION ms` form.
_request_logger = logging.getLogger("twelvelabs_embed.testing.requests")

#: The host of the upload origin in-process (`https://uploads.embed-fake.test`).
UPLOAD_HOST = "uploads.embed-fake.test"


class ChunkFaultKind(StrEnum):
    """What goes wrong with a chunk PUT."""

    #: Answer `status` (default 500) after the body arrived; the chunk is marked failed.
    STATUS = "status"
    #: Close the connection after `after_bytes` bytes of the body (default: half the declared length).
    DROP = "drop"
    #: Every URL of the upload issued so far expires now; this PUT is refused 403 "Request has expired".
    EXPIRE = "expire"
    #: Answer `delay` seconds late (in-process: the fake clock advances, or httpx.ReadTimeout at once when
    #: `delay` >= the request's read timeout; real server: a real sleep).
    SLOW = "slow"


@dataclass
class ChunkFault:
    """One pending chunk fault (see `ChunkFaults.add`)."""

    kind: ChunkFaultKind
    nth: int
    chunk_index: int | None
    upload_id: str | None
    times: int | None
    status: int
    after_bytes: int | None
    delay: float
    #: Matching PUTs seen since the fault was added, and how many it shaped.
    seen: int = field(default=0)
    hits: int = field(default=0)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class ChunkFaults:
    """The chunk-PUT fault queue of one fake (`fake.chunk_faults`)."""

    def __init__(self) -> None:
        self._pending: list[ChunkFault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: ChunkFaultKind | str,
        *,
        nth: int = 1,
        chunk_index: int | None = None,
        upload_id: str | None = None,
        times: int | None = 1,
        status: int = 500,
        after_bytes: int | None = None,
        delay: float = 0.0,
    ) -> ChunkFault:
        """Shape the `nth` matching chunk PUT from now on (and the next `times - 1` matching ones after it).

        A PUT matches when it names `chunk_index` / `upload_id` (None: any). `times=None`: until cleared.
        """
        kind = ChunkFaultKind(kind)
        if nth < 1:
            raise ValueError("nth must be >= 1")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for 'until cleared')")
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if after_bytes is not None and after_bytes < 0:
            raise ValueError("after_bytes must be >= 0")
        if delay < 0:
            raise ValueError("delay must be >= 0")
        fault = ChunkFault(kind, nth, chunk_index, upload_id, times, status, after_bytes, float(delay))
        with self._lock:
            self._pending.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    @property
    def pending(self) -> list[ChunkFault]:
        with self._lock:
            return list(self._pending)

    def take(self, upload_id: str, chunk_index: int) -> ChunkFault | None:
        """Count one PUT against every matching fault; return the oldest one that fires (used by the origin)."""
        fired = None
        with self._lock:
            for fault in list(self._pending):
                if fault.upload_id not in (None, upload_id) or fault.chunk_index not in (None, chunk_index):
                    continue
                fault.seen += 1
                if fired is None and fault.seen >= fault.nth:
                    fault.hits += 1
                    fired = fault
                    if fault.exhausted:
                        self._pending.remove(fault)
        return fired

    def __len__(self) -> int:
        return len(self.pending)


def _xml_error(code: str, message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        "<RequestId>embed-fake</RequestId></Error>"
    ).encode()


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


class _Dropped(Exception):
    """The connection was closed on purpose (a `drop` fault), or the client went away."""


async def _close_connection(send: Send) -> None:
    """Close the client connection at once (in-process: SimulatedDrop -> httpx.RemoteProtocolError)."""
    if IN_PROCESS.get() is None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        close = getattr(transport, "close", None)
        if callable(close):
            close()
            for _ in range(5):
                await anyio.sleep(0)
            return
    raise SimulatedDrop


class UploadOrigin:
    """The ASGI app of the upload origin of one fake (an object store's presigned PUTs, nothing else)."""

    def __init__(self, fake: EmbedFake[Any]) -> None:
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if not _request_logger.isEnabledFor(logging.INFO):
            await self._answer(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self._answer(scope, receive, logged_send)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            answered = str(status[0]) if status else "-"
            _request_logger.info("%s %s %s %.1f ms", scope["method"], scope["path"], answered, elapsed_ms)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = self.fake._record(scope, 0, None, origin="upload")

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = int(message["status"])
            await send(message)

        try:
            await self._put(scope, receive, recording_send, send, record)
        except _Refused as refused:
            headers = [(b"content-type", b"application/xml")]
            headers += [(k.lower().encode(), v.encode()) for k, v in refused.headers.items()]
            await recording_send({"type": "http.response.start", "status": refused.status, "headers": headers})
            await recording_send({"type": "http.response.body", "body": _xml_error(refused.code, refused.message)})
        except _Dropped:
            record.status = None

    async def _put(self, scope: Scope, receive: Receive, send: Send, raw_send: Send, record: RecordedRequest) -> None:
        headers: dict[str, str] = {}
        for key, value in scope["headers"]:
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        if "x-api-key" in headers:  # checked first: any request carrying the key is refused
            raise _Refused(403, "AccessDenied", "The upload origin refuses requests carrying x-api-key.")
        if "authorization" in headers:
            raise _Refused(400, "InvalidArgument", "Only one auth mechanism allowed; the URL is presigned.")
        if scope["method"] != "PUT":
            raise _Refused(405, "MethodNotAllowed", "The specified method is not allowed.", {"Allow": "PUT"})
        issued = self._issued(scope)
        fault = self.fake.chunk_faults.take(issued.upload_id, issued.chunk_index)
        if fault is not None:
            record.chunk_fault = fault.kind
        with self.fake._lock:
            store = self.fake._asset_store
            now = self.fake.clock.now()
            if fault is not None and fault.kind is ChunkFaultKind.EXPIRE:
                store.expire_urls(now, issued.upload_id)
            if now >= issued.expires_at:
                raise _Refused(403, "AccessDenied", "Request has expired")
            if issued.used and store.settings.single_use_urls:
                raise _Refused(403, "AccessDenied", "This presigned URL was already used.")
            upload = store.uploads.get(issued.upload_id)
            if upload is None or upload.status_at(now) != "active":
                raise _Refused(404, "NoSuchUpload", "The specified multipart upload does not exist or is closed.")
            for name, value in store.settings.upload_headers.items():
                if headers.get(name.lower()) != value:
                    raise _Refused(
                        403, "SignatureDoesNotMatch", f"The signed header {name} is missing or differs from {value!r}."
                    )
            declared = headers.get("content-length", "")
            if not declared.isdigit():
                raise _Refused(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
            length = int(declared)
            if length > upload.chunk_size:
                raise _Refused(400, "EntityTooLarge", f"A chunk is at most {upload.chunk_size} bytes; got {length}.")
            keep = store.settings.keep_chunk_bytes
            record_chunk = upload.chunk(issued.chunk_index)
            record_chunk.puts += 1
        cut = None
        if fault is not None and fault.kind is ChunkFaultKind.DROP:
            cut = fault.after_bytes if fault.after_bytes is not None else length // 2
        digest, size, data = await self._receive(receive, keep, cut, raw_send, issued)
        if size != length:  # the client went away before sending everything
            self._failed(issued, "Upload interrupted")
            raise _Dropped
        if fault is not None and fault.kind is ChunkFaultKind.SLOW:
            await self._delay(fault.delay)
        if fault is not None and fault.kind is ChunkFaultKind.STATUS:
            self._failed(issued, f"Upload failed with status {fault.status}")
            code = "InternalError" if fault.status >= 500 else "BadRequest"
            raise _Refused(fault.status, code, "We encountered an internal error. Please try again.")
        with self.fake._lock:
            now = self.fake.clock.now()
            chunk = self.fake._asset_store.uploads[issued.upload_id].chunk(issued.chunk_index)
            chunk.etag, chunk.size, chunk.data = digest, size, data
            chunk.uploaded_at = chunk.updated_at = now
            chunk.error = None
            issued.used = True
        record.body_size = size
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"etag", f'"{digest}"'.encode()), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def _issued(self, scope: Scope) -> IssuedUrl:
        query = {k: v[-1] for k, v in parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1")).items()}
        with self.fake._lock:
            issued = self.fake._asset_store.urls.get(query.get("X-Amz-Signature", ""))
        if issued is None:
            raise _Refused(403, "SignatureDoesNotMatch", "The request signature does not match.")
        upload = self.fake._asset_store.uploads.get(issued.upload_id)
        expected_path = f"/embed-fake-assets/{upload.asset_id if upload else ''}"
        if (
            scope["path"] != expected_path
            or query.get("partNumber") != str(issued.chunk_index)
            or query.get("uploadId") != issued.upload_id
        ):
            raise _Refused(403, "SignatureDoesNotMatch", "The request signature does not match.")
        return issued

    def _failed(self, issued: IssuedUrl, error: str) -> None:
        with self.fake._lock:
            upload = self.fake._asset_store.uploads.get(issued.upload_id)
            if upload is not None:
                chunk = upload.chunk(issued.chunk_index)
                if chunk.reported_at is None:
                    chunk.error = error
                    chunk.updated_at = self.fake.clock.now()

    async def _receive(
        self, receive: Receive, keep: bool, cut: int | None, raw_send: Send, issued: IssuedUrl
    ) -> tuple[str, int, bytes | None]:
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        parts: list[bytes] | None = [] if keep else None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body = message.get("body", b"")
            if cut is not None and size + len(body) >= cut:
                self._failed(issued, "Upload interrupted")
                await _close_connection(raw_send)
                raise _Dropped
            md5.update(body)
            size += len(body)
            if parts is not None:
                parts.append(body)
            if not message.get("more_body", False):
                break
        return md5.hexdigest(), size, None if parts is None else b"".join(parts)

    async def _delay(self, seconds: float) -> None:
        context = IN_PROCESS.get()
        if context is None:
            await anyio.sleep(seconds)
            return
        if context.read_timeout is not None and seconds >= context.read_timeout:
            raise SimulatedTimeout
        await self.fake.clock.wait(seconds)


class OriginRouter:
    """One ASGI app for the in-process transports: requests for `upload_host` go to the upload origin,
    everything else to the API (whose base URL may use any host)."""

    def __init__(self, api: ASGIApp, uploads: ASGIApp, upload_host: str = UPLOAD_HOST) -> None:
        self.api = api
        self.uploads = uploads
        self.upload_host = upload_host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target: Callable[[Scope, Receive, Send], Awaitable[None]] = self.api
        if scope["type"] == "http":
            host = next((v for k, v in scope["headers"] if k.lower() == b"host"), b"").decode("latin-1")
            if host.split(":", 1)[0].lower() == self.upload_host:
                target = self.uploads
        await target(scope, receive, send)
