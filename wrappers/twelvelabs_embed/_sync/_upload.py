# Generated from _async/_upload.py by scripts/unasync.py; do not edit.
"""The multipart uploader: a local file of any size (up to the API's 10 GB) into an asset, resumably.

The protocol (assets-api.md §6): create a session (`POST /assets/multipart-uploads`, never retried once it
may have reached the server), PUT each chunk to its presigned URL on the upload origin, report the chunks
with their ETags in batches, and the report that completes the session starts the asset's processing.

How this uploader does it:
- each chunk is read from the file by offset when its turn comes (`os.pread`); nothing is copied to disk
  and at most `concurrency` chunks are in memory at once;
- at most `concurrency` chunk PUTs run at once, through a separate HTTP client that carries no API key
  and no default headers: each PUT carries exactly the session's `upload_headers` (plus Content-Length),
  with the client's per-phase timeouts and its `Timeouts.total` as the deadline of each PUT;
- a PUT that fails (a 5xx, a dropped connection, a timeout, no ETag) is retried with the client's
  `RetryPolicy` backoff on a fresh URL; a URL that expired (403) is replaced at once, without counting as
  a failure (at most `MAX_URL_REFRESHES` times per chunk); URLs are requested in runs of up to 50;
- a 404 from the origin (the session is closed) or a session that failed or expired ends the upload with
  `UploadError`;
- after every chunk the state file (`_upload_plan.UploadState`) is updated, so an upload interrupted in any
  way (an exception, a cancelled task, Ctrl-C, a killed process) continues, on the next call with the same
  path, from the server's record (`GET /assets/multipart-uploads/{id}`) plus the ETags it kept, sending
  only the chunks that are missing. A file that changed starts a new upload.

Written once, as async code; `scripts/unasync.py` generates the sync twin.
"""

from __future__ import annotations

import collections
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from twelvelabs_embed_generated.api.multipart_uploads import (
    create_multipart_upload,
    get_upload_status,
    report_chunk_batch,
    request_additional_presigned_urls,
)
from twelvelabs_embed_generated.models import (
    CompletedChunk,
    CreateAssetUploadRequest,
    MultipartUploadType,
    ProofType,
    ReportChunkBatchRequest,
    RequestAdditionalPresignedUrlsRequest,
    UserMetadata,
)
from twelvelabs_embed_generated.types import UNSET, Unset

from .. import _exchange as ex
from .._errors import BadRequestError, NotFoundError, UploadError, ValidationError
from .._io import notify
from .._upload_plan import MAX_REPORT_BATCH, Chunk, FileIdentity, UploadState, UrlBook, chunks_of
from .._views import status_text
from .._workers import ChunkFile, Lock, Workers
from ._transport import default_transport

if TYPE_CHECKING:
    from ._client import EmbedClient

__all__ = ["MultipartUpload", "UploadHttp"]

logger = logging.getLogger("twelvelabs_embed")

#: Fresh URLs one chunk may ask for after expiries before the upload gives up (a clock far off, a proxy
#: that rewrites URLs): expiries are not failures, but they must not loop forever.
MAX_URL_REFRESHES = 5
#: The most bytes of an upload-origin answer that are read (an error body is a short XML document).
MAX_ORIGIN_BODY = 64 * 1024

Progress = Callable[[int, int], object]


class UploadHttp:
    """The HTTP client of chunk PUTs: no base URL, no API key, no default headers, built on first use.

    Shared by a client and its `with_options` views; closed with the client (unless its transport is the
    client's own, which the client closes).
    """

    def __init__(self, transport: httpx.BaseTransport | None, verify: Any, *, shared: bool) -> None:
        self._transport = transport
        self._verify = verify
        self._shared = shared
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                transport=self._transport or default_transport(self._verify),
                verify=self._verify,
                follow_redirects=False,
                trust_env=self._transport is None,
            )
            self._client.headers.clear()
        return self._client

    def close(self) -> None:
        if self._client is not None and not self._shared:
            self._client.close()


def _etag(response: httpx.Response) -> str | None:
    """The ETag of a chunk PUT answer, without its quotes (the documented proof is unquoted)."""
    raw = response.headers.get("etag", "").strip()
    if raw.startswith("W/"):
        raw = raw[2:]
    raw = raw.strip('"').strip()
    return raw or None


def _origin_error(response: httpx.Response, body: bytes) -> str:
    """`HTTP 403 AccessDenied: Request has expired` from an object store's XML error, as far as it says."""
    text = body.decode("utf-8", "replace")
    code = message = ""
    for tag in ("Code", "Message"):
        start, end = text.find(f"<{tag}>"), text.find(f"</{tag}>")
        if 0 <= start < end:
            value = text[start + len(tag) + 2 : end][:200]
            code, message = (value, message) if tag == "Code" else (code, value)
    detail = f"{code}: {message}" if code and message else (code or message or response.reason_phrase)
    return f"HTTP {response.status_code} {detail}".rstrip()


def _expired(response: httpx.Response, body: bytes) -> bool:
    """A refused URL that a fresh one fixes: 403 (expired, or a signature the origin no longer accepts)
    or 400 with an expired-token code."""
    text = body.decode("utf-8", "replace").lower()
    return response.status_code == 403 or (response.status_code == 400 and "expired" in text)


class MultipartUpload:
    """One multipart upload of one local file: `MultipartUpload(...).run()` returns the asset id
    once every chunk is reported (the asset is then `processing`; `assets.wait` waits for `ready`)."""

    def __init__(
        self,
        client: EmbedClient,
        path: Path,
        identity: FileIdentity,
        *,
        kind: MultipartUploadType,
        filename: str,
        state_path: Path,
        concurrency: int,
        on_progress: Progress | None,
        enable_hls: bool,
        enable_thumbnail: bool,
        user_metadata: dict[str, Any] | None,
        report_batch: int = 10,
    ) -> None:
        self._c = client
        self._path = path
        self._identity = identity
        self._kind = kind
        self._filename = filename
        self._state_path = state_path
        self._concurrency = concurrency
        self._on_progress = on_progress
        self._enable_hls = enable_hls
        self._enable_thumbnail = enable_thumbnail
        self._user_metadata = user_metadata
        self._report_batch = min(max(report_batch, 1), MAX_REPORT_BATCH)
        self._lock = Lock()  # the queue, the state, the progress
        self._url_lock = Lock()  # one presigned-urls request at a time
        self._state: UploadState | None = None
        self._chunks: dict[int, Chunk] = {}
        self._done: set[int] = set()  # reported, as far as the server told
        self._reporting: set[int] = set()  # in a report a worker has sent and whose answer has not come
        self._queue: collections.deque[int] = collections.deque()
        self._book = UrlBook(0)
        self._sent = 0
        self._workers = Workers(concurrency)

    # ------------------------------------------------------------------ the whole upload
    def run(self) -> str:
        """Upload (or resume) and return the asset id once the session is complete."""
        state = UploadState.load(self._state_path)
        resumed = False
        if state is not None and state.matches(self._identity):
            resumed = self._resume(state)
        elif state is not None:
            logger.info("upload of %s: the file changed since upload %s; starting anew", self._path, state.upload_id)
        if not resumed:
            self._create()
        state = self._require_state()
        self._sent = sum(self._chunks[i].length for i in self._done)
        self._progress()
        for _ in range(3):  # missing chunks, then a check with the server, at most thrice
            missing = [i for i in range(1, state.total_chunks + 1) if i not in self._done]
            if missing:
                self._queue = collections.deque(missing)
                with ChunkFile(self._path, self._identity.size) as file:
                    self._workers = Workers(min(self._concurrency, len(missing)))
                    self._workers.run(lambda: self._worker(file))
                self._check_unchanged()
                self._flush()
            if len(self._done) >= state.total_chunks or self._server_complete():
                UploadState.remove(self._state_path)
                return state.asset_id
        raise UploadError(
            f"upload {state.upload_id}: the server does not count every chunk as reported "
            f"({len(self._done)} of {state.total_chunks})",
            upload_id=state.upload_id,
            asset_id=state.asset_id,
        )

    def _check_unchanged(self) -> None:
        """Before the last report (which completes the session): the file must be as it was when the upload
        started, or the asset would mix two versions of it; a changed file starts anew on the next call."""
        try:
            info = self._path.stat()
            changed = (info.st_size, info.st_mtime_ns) != (self._identity.size, self._identity.mtime_ns)
        except OSError:
            changed = True
        if changed:
            UploadState.remove(self._state_path)
            raise ValidationError(
                "path", f"{str(self._path)!r} changed while it was being uploaded; upload it again", str(self._path)
            )

    def _require_state(self) -> UploadState:
        assert self._state is not None
        return self._state

    def _create(self) -> None:
        """A new session; its record is written before any chunk is sent."""
        metadata: UserMetadata | Unset = UNSET
        if self._user_metadata:
            metadata = UserMetadata.from_dict(dict(self._user_metadata))
        body = CreateAssetUploadRequest(
            filename=self._filename,
            type_=self._kind,
            total_size=self._identity.size,
            enable_hls=self._enable_hls,
            enable_thumbnail=self._enable_thumbnail,
            user_metadata=metadata,
        )
        session = self._c._send(create_multipart_upload.build_request(body=body), creates=True)
        headers = {} if isinstance(session.upload_headers, Unset | None) else session.upload_headers.to_dict()
        state = UploadState(
            path=self._identity.path,
            size=self._identity.size,
            mtime_ns=self._identity.mtime_ns,
            fingerprint=self._identity.fingerprint,
            upload_id=session.upload_id,
            asset_id=session.asset_id,
            chunk_size=session.chunk_size,
            total_chunks=session.total_chunks,
            filename=self._filename,
            upload_headers={str(k): str(v) for k, v in headers.items()},
        )
        self._adopt(state)
        urls = [] if isinstance(session.upload_urls, Unset | None) else session.upload_urls
        self._book.add(
            (u.chunk_index, u.url) for u in urls if isinstance(u.chunk_index, int) and isinstance(u.url, str)
        )
        state.save(self._state_path)
        logger.info(
            "upload of %s: session %s (asset %s), %d chunks of %d bytes",
            self._path,
            state.upload_id,
            state.asset_id,
            state.total_chunks,
            state.chunk_size,
        )

    def _adopt(self, state: UploadState) -> None:
        self._chunks = {c.index: c for c in chunks_of(state.size, state.chunk_size, state.total_chunks)}
        self._book = UrlBook(state.total_chunks)
        self._state = state
        self._done = set()

    def _resume(self, state: UploadState) -> bool:
        """Take up the recorded session; False when it is gone (then a new one is created)."""
        try:
            self._adopt(state)
        except ValueError:  # a state whose chunking does not add up
            return False
        status, completed = self._server_record(state)
        if status in ("failed", "expired") or status is None:
            logger.info("upload of %s: session %s is %s; starting anew", self._path, state.upload_id, status or "gone")
            return False
        self._done = completed if status != "completed" else set(range(1, state.total_chunks + 1))
        kept = {i: e for i, e in state.etags.items() if i not in self._done and i in self._chunks}
        state.etags = kept
        logger.info(
            "upload of %s: resuming session %s (%d of %d chunks reported, %d sent and kept)",
            self._path,
            state.upload_id,
            len(self._done),
            state.total_chunks,
            len(kept),
        )
        if kept:
            try:
                self._report(sorted(kept))
            except BadRequestError:  # the server does not take the kept proofs: send those chunks again
                state.etags = {}
                state.save(self._state_path)
        return True

    def _server_record(self, state: UploadState) -> tuple[str | None, set[int]]:
        """The session's status and its reported chunks (every page of them); (None, {}) when it is gone."""
        completed: set[int] = set()
        status: str | None = None
        page, pages = 1, 1
        while page <= pages and page <= state.total_chunks // 50 + 2:
            try:
                answer = self._c._send(
                    get_upload_status.build_request(state.upload_id, page=page, page_limit=50), creates=False
                )
            except NotFoundError:
                return None, set()
            status = status_text(answer.status)
            for item in [] if isinstance(answer.uploaded_chunks, Unset | None) else answer.uploaded_chunks:
                if status_text(item.status) == "completed" and isinstance(item.index, int):
                    completed.add(item.index)
            info = answer.page_info
            total_page = None if isinstance(info, Unset | None) else info.total_page
            pages = total_page if isinstance(total_page, int) else page
            page += 1
        return status, completed

    def _server_complete(self) -> bool:
        state = self._require_state()
        status, completed = self._server_record(state)
        if status == "completed":
            return True
        if status in ("failed", "expired", None):
            raise self._error(f"the session is {status or 'gone'} on the server; call upload() again to start anew")
        self._done |= completed
        return False

    # ------------------------------------------------------------------ the workers
    def _worker(self, file: ChunkFile) -> None:
        while not self._workers.stopping:
            with self._lock:
                if not self._queue:
                    return
                index = self._queue.popleft()
            chunk = self._chunks[index]
            data = file.read(chunk.offset, chunk.length)
            etag = self._put(chunk, data)
            del data
            self._chunk_sent(chunk, etag)

    def _url_for(self, index: int) -> tuple[str, int]:
        """A URL for chunk `index` (and its generation), requested with the next chunks' when it has none."""
        state = self._require_state()
        with self._url_lock:
            entry = self._book.get(index)
            if entry is not None:
                return entry
            with self._lock:
                wanted = set(self._queue)
            start, count = self._book.span(index, wanted)
            body = RequestAdditionalPresignedUrlsRequest(start=start, count=count)
            try:
                answer = self._c._send(
                    request_additional_presigned_urls.build_request(state.upload_id, body=body), creates=False
                )
            except BadRequestError as error:
                raise self._error(f"no new URL for chunk {index} ({error})", index, error.status_code) from error
            urls = [] if isinstance(answer.upload_urls, Unset | None) else answer.upload_urls
            self._book.add(
                (u.chunk_index, u.url) for u in urls if isinstance(u.chunk_index, int) and isinstance(u.url, str)
            )
            entry = self._book.get(index)
            if entry is None:
                raise self._error(f"the server gave no URL for chunk {index}", index)
            return entry

    def _error(self, what: str, index: int | None = None, status_code: int | None = None) -> UploadError:
        state = self._require_state()
        return UploadError(
            f"upload {state.upload_id}: {what}",
            upload_id=state.upload_id,
            asset_id=state.asset_id,
            chunk_index=index,
            status_code=status_code,
        )

    def _put(self, chunk: Chunk, data: bytes) -> str:
        """PUT one chunk until it has an ETag; retries on a fresh URL, with the client's backoff."""
        state = self._require_state()
        policy = self._c.retry
        failures = refreshes = 0
        while True:
            url, generation = self._url_for(chunk.index)
            self._book.forget(chunk.index)  # one attempt per URL
            outcome = self._attempt(url, data, chunk)
            if isinstance(outcome, str):
                return outcome
            if outcome.expired and refreshes < MAX_URL_REFRESHES:
                refreshes += 1
                self._book.expired(generation)
                logger.info(
                    "upload %s chunk %d: %s; requesting fresh URLs", state.upload_id, chunk.index, outcome.reason
                )
                continue
            if outcome.status_code == 404:
                raise self._error(
                    f"the upload origin no longer takes chunk {chunk.index} ({outcome.reason}); the session is closed",
                    chunk.index,
                    404,
                )
            if failures >= policy.max_retries:
                raise self._error(
                    f"chunk {chunk.index}: {outcome.reason} (after {failures + 1} attempts); "
                    "call upload() again to resume",
                    chunk.index,
                    outcome.status_code,
                )
            delay = policy.backoff(failures, self._c._rand)
            logger.warning(
                "upload %s chunk %d: %s; retry %d/%d in %.2f s",
                state.upload_id,
                chunk.index,
                outcome.reason,
                failures + 1,
                policy.max_retries,
                delay,
            )
            failures += 1
            self._c._sleep(delay)
            if self._workers.stopping:  # another worker failed, or the caller stopped: no more attempts
                raise self._error(f"chunk {chunk.index}: stopped", chunk.index)

    def _attempt(self, url: str, data: bytes, chunk: Chunk) -> str | _Refusal:
        """One PUT of `data` to `url`: the ETag, or why there is none."""
        state = self._require_state()
        settings = self._c._settings(creates=False, deadline=None)
        t = settings.timeouts
        headers = dict(state.upload_headers)
        headers["Content-Length"] = str(len(data))
        try:
            request = httpx.Request(
                "PUT",
                url,
                headers=headers,
                content=_chunk_body(data),  # not `content=data`: the request would keep the bytes after the PUT
                extensions={
                    ex.EXTENSION: settings,
                    "timeout": {"connect": t.connect, "read": t.read, "write": t.write, "pool": t.pool},
                },
            )
        except (httpx.InvalidURL, UnicodeError, TypeError, ValueError) as error:
            raise self._error(
                f"the URL of chunk {chunk.index} cannot be used ({type(error).__name__})", chunk.index
            ) from error
        http = self._c._uploads.client
        try:
            with ex.deadline_scope((self._c._clock, settings.deadline)):
                response = http.send(request, stream=True)
                try:
                    body = b""
                    for piece in response.iter_bytes():
                        body += piece
                        if len(body) > MAX_ORIGIN_BODY:
                            break
                finally:
                    response.close()
        except Exception as error:  # httpx, h11, the OS: this attempt failed; the caller decides on another
            return _Refusal(None, f"{type(error).__name__} while sending", expired=False)
        if 200 <= response.status_code < 300:
            etag = _etag(response)
            return etag if etag is not None else _Refusal(response.status_code, "no ETag in the answer", expired=False)
        return _Refusal(response.status_code, _origin_error(response, body), _expired(response, body))

    def _chunk_sent(self, chunk: Chunk, etag: str) -> None:
        state = self._require_state()
        batch: list[int] = []
        with self._lock:
            state.etags[chunk.index] = etag
            state.save(self._state_path)
            self._sent += chunk.length
            if len(state.etags) >= self._report_batch:
                candidate = sorted(i for i in state.etags if i not in self._reporting)[: self._report_batch]
                # A report that would complete the session waits for the end, after `_check_unchanged`:
                # a worker never completes it, whatever the order in which the chunks finish.
                if len(self._done | self._reporting | set(candidate)) < state.total_chunks:
                    batch = candidate
                    self._reporting.update(batch)
            self._progress()
        if batch:
            self._report(batch)

    def _progress(self) -> None:
        callback = self._on_progress
        if callback is not None:
            total = self._identity.size
            notify(lambda sent: callback(sent, total), self._sent)

    def _flush(self) -> None:
        state = self._require_state()
        while state.etags:
            self._report(sorted(state.etags)[:MAX_REPORT_BATCH])

    def _report(self, indices: list[int]) -> None:
        """Report chunks sent (their ETags are in the state); they leave the state once the server has them."""
        state = self._require_state()
        with self._lock:
            items = [
                CompletedChunk(
                    chunk_index=i,
                    proof=state.etags[i],
                    proof_type=ProofType.ETAG,
                    chunk_size=self._chunks[i].length,
                )
                for i in indices
                if i in state.etags
            ]
        if not items:
            with self._lock:
                self._reporting.difference_update(indices)
            return
        call = report_chunk_batch.build_request(state.upload_id, body=ReportChunkBatchRequest(completed_chunks=items))
        try:
            answer = self._c._send(call, creates=False)
        except BaseException as error:
            with self._lock:
                self._reporting.difference_update(indices)
            if isinstance(error, BadRequestError) and self._closed_session():
                raise self._error(
                    f"the session is closed on the server ({error}); call upload() again to start anew",
                    status_code=error.status_code,
                ) from error
            raise
        with self._lock:
            for item in items:
                state.etags.pop(item.chunk_index, None)
                self._done.add(item.chunk_index)
            self._reporting.difference_update(indices)
            state.save(self._state_path)
        total = answer.total_completed
        logger.debug(
            "upload %s: reported %d chunks (%s of %d complete)",
            state.upload_id,
            len(items),
            total if isinstance(total, int) else "?",
            state.total_chunks,
        )

    def _closed_session(self) -> bool:
        status, _completed = self._server_record(self._require_state())
        return status in ("failed", "expired", None)


class _Refusal:
    """Why a chunk PUT brought no ETag: the origin's answer (`status_code`), or none (a transport failure)."""

    def __init__(self, status_code: int | None, reason: str, expired: bool) -> None:
        self.status_code = status_code
        self.reason = reason
        self.expired = expired


def user_metadata_json(value: dict[str, Any] | None) -> str | None:
    """`user_metadata` as `POST /assets` takes it: a JSON-encoded object."""
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _chunk_body(data: bytes) -> Iterator[bytes]:
    """The chunk as a one-piece stream. A request built from bytes keeps them (`Request.content`), and a
    response refers to its request in a reference cycle that only the cycle collector frees: with many
    chunks sent between collections, finished chunks would pile up in memory. The generator drops its
    reference once the body is sent. (`Content-Length` is set, so it is not sent chunked.)"""
    yield data
