"""One HTTP exchange, everything but the I/O: the request a call sends, what travels with it, what to
do with each outcome, and how any failure becomes an `EmbedError`.

The clients' send loop (`_async/_client.py`, and its generated sync twin) does the I/O and asks this
module at each step. Per-call settings (the retry policy, the timeouts, the call's deadline, the body
cap, and whether the request creates something) travel in `request.extensions[EXTENSION]`, httpx's
channel for per-request settings, so the loop reads them from the request it is handed.

The API key is added only to the copy of the request that goes on the wire, and only for the API's
own origin (redirects are followed here, hop by hop, so a redirect to another host never carries it).
The request objects a caller can reach (`response.request`, `error.request`) never carry it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from twelvelabs_embed_generated.types import ApiRequest

from ._config import ApiKey, Timeouts
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    EmbedError,
    ResponseTooLargeError,
    TransportError,
)
from ._retry import RetryPolicy
from ._version import USER_AGENT

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "EXTENSION",
    "CallSettings",
    "build_request",
    "final_response",
    "map_error",
    "on_the_wire",
    "redirect",
    "replayable",
    "settings_of",
]

logger = logging.getLogger("twelvelabs_embed")

API_KEY_HEADER = "x-api-key"
EXTENSION = "twelvelabs_embed"
MAX_REDIRECTS = 10

# The largest legitimate answer is a v2 task result for the longest media: 4 h (14,400 s) cut into
# 2 s segments is 7,200 segments; with all three embedding options (visual, audio, transcription)
# that is 21,600 vectors of 512 floats, each float at most ~24 bytes of JSON ("-0.022663719952106476,"),
# 7,200 x 3 x 512 x 24 = 265 MB; twice that for marengo3.5's per-segment uncertainty vectors and the
# `local` scope is 531 MB. The cap is the next power of two above, 1 GiB, for the body as received
# and again after decompression.
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class CallSettings:
    """What travels with one call in `request.extensions[EXTENSION]`.

    `creates`: the request creates something on the server (a task, an asset, an upload), so it is
    never sent again once it may have reached the server. It is declared where the call is written.
    `deadline`: the reading of `clock` (the client's) by which the call ends, whatever the server does.
    """

    retry: RetryPolicy
    timeouts: Timeouts
    creates: bool
    deadline: float
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)


def settings_of(request: httpx.Request) -> CallSettings:
    settings = request.extensions.get(EXTENSION)
    if not isinstance(settings, CallSettings):  # pragma: no cover - every request is built by build_request
        raise TypeError("request was not built by twelvelabs_embed")
    return settings


#: (clock, deadline) of a call; `Deadline` readings come from its clock.
Deadline = tuple[Callable[[], float], float]

#: The deadline of the call whose bytes move now. The client's own transport (`_async/_transport.py`)
#: sets it around each step of an exchange, so its network streams can clip every socket operation.
#: A context variable, not the request's extensions, because httpcore hands a pooled connection's
#: network stream no request (its `read`/`write` get bytes and a timeout only); the deadline itself
#: travels with the request (`CallSettings.deadline`) and the transport reads it from there.
_CURRENT: ContextVar[Deadline | None] = ContextVar("twelvelabs_embed_deadline", default=None)


def deadline_of(request: httpx.Request) -> Deadline | None:
    """The (clock, deadline) a request carries, or None for a request not built by this client."""
    settings = request.extensions.get(EXTENSION)
    return (settings.clock, settings.deadline) if isinstance(settings, CallSettings) else None


@contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[None]:
    """Make `deadline` the one `clip` applies, for the duration of the block."""
    token = _CURRENT.set(deadline)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def clip(timeout: float | None, expired: Callable[[str], Exception]) -> float | None:
    """`timeout` shortened to the time the current call has left; `expired(...)` is raised when none is left."""
    current = _CURRENT.get()
    if current is None:
        return timeout
    clock, deadline = current
    left = deadline - clock()
    if left <= 0:
        raise expired("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


def build_request(
    http: httpx.Client | httpx.AsyncClient, base_url: httpx.URL, call: ApiRequest[Any], settings: CallSettings
) -> httpx.Request:
    """The caller-visible request of `call` (no API key), carrying `settings`."""
    kwargs = dict(call.kwargs)
    url = str(base_url).rstrip("/") + kwargs.pop("url")
    try:
        return http.build_request(url=url, extensions={EXTENSION: settings}, **kwargs)
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError, TypeError, ValueError) as error:
        raise TransportError(f"cannot build the {call.operation} request: {type(error).__name__}") from error


def replayable(request: httpx.Request, call_kwargs: Mapping[str, Any]) -> bool:
    """True when the request's body can be sent again from its first byte (bytes, or seekable files)."""
    for _name, part in call_kwargs.get("files") or ():
        payload = part[1] if isinstance(part, tuple) else part
        if isinstance(payload, bytes | str):
            continue
        seekable = getattr(payload, "seekable", None)
        try:
            if seekable is None or not seekable():
                return False
        except (OSError, ValueError):
            return False
    return True


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


_KEY_HEADER: Final = API_KEY_HEADER.encode()
_AGENT_HEADER: Final = b"user-agent"
_HTTPX_AGENT: Final = b"python-httpx/"
_USER_AGENT: Final = USER_AGENT.encode()


def on_the_wire(request: httpx.Request, *, api_key: ApiKey, origin: httpx.URL, now: float) -> httpx.Request:
    """The copy of `request` to send: the User-Agent, the API key (same origin only), and per-phase
    timeouts clipped to the time the call has left."""
    settings = settings_of(request)
    left = max(settings.deadline - now, 0.001)
    t = settings.timeouts
    timeout = {
        "connect": min(t.connect, left),
        "read": min(t.read, left),
        "write": min(t.write, left),
        "pool": min(t.pool, left),
    }
    # Raw (name, value) bytes: each method of httpx's `Headers` decodes every header again.
    headers: list[tuple[bytes, bytes]] = []
    agent: bytes | None = None
    at = -1  # where the (first) User-Agent was
    for name, value in request.headers.raw:
        lower = name.lower()
        if lower == _AGENT_HEADER:
            if agent is None:
                agent, at = value, len(headers)
            else:
                agent += b", " + value
        elif lower != _KEY_HEADER:
            headers.append((name, value))
    if agent is None or agent.startswith(_HTTPX_AGENT):
        agent = _USER_AGENT
    headers.insert(len(headers) if at < 0 else at, (_AGENT_HEADER, agent))
    if _origin(request.url) == _origin(origin):
        headers.append((_KEY_HEADER, api_key.reveal().encode("ascii")))
    return httpx.Request(
        request.method,
        request.url,
        headers=headers,
        stream=request.stream,
        extensions={**request.extensions, "timeout": timeout},
    )


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def redirect(request: httpx.Request, response: httpx.Response, hops: int) -> httpx.Request | None:
    """The next request when `response` redirects (as browsers and httpx do), else None."""
    if response.status_code not in _REDIRECTS or "location" not in response.headers:
        return None
    if hops >= MAX_REDIRECTS:
        return None
    try:
        url = request.url.join(response.headers["location"])
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    method = request.method
    keep_body = response.status_code in (307, 308)
    if (response.status_code == 303 and method != "HEAD") or (response.status_code in (301, 302) and method == "POST"):
        method = "GET"
    headers = request.headers.copy()
    if not keep_body:
        for name in ("content-length", "content-type", "transfer-encoding"):
            headers.pop(name, None)
    return httpx.Request(
        method,
        url,
        headers=headers,
        stream=request.stream if keep_body else None,
        extensions=request.extensions,
    )


def final_response(raw: httpx.Response, body: bytes, request: httpx.Request) -> httpx.Response:
    """A response holding the already read (and decoded) `body`, tied to the caller's request."""
    headers = raw.headers
    if "content-encoding" in headers:  # the body is decoded already
        headers = headers.copy()
        del headers["content-encoding"]
    extensions = {k: v for k, v in raw.extensions.items() if k in ("http_version", "reason_phrase")}
    return httpx.Response(raw.status_code, headers=headers, content=body, request=request, extensions=extensions)


def too_large(response: httpx.Response, request: httpx.Request, size: int, limit: int) -> ResponseTooLargeError:
    error_response = httpx.Response(response.status_code, headers=response.headers, request=request)
    return ResponseTooLargeError(
        f"{request.method} {request.url}: the response body passed {limit} bytes (read {size}); "
        "raise max_response_bytes if such answers are expected",
        response=error_response,
        limit=limit,
    )


def deadline_passed(request: httpx.Request, elapsed: float) -> APITimeoutError:
    return APITimeoutError(
        f"{request.method} {request.url}: no complete answer within the call's deadline ({elapsed:.1f} s); "
        "raise Timeouts.total to allow longer calls",
        request=request,
    )


def map_error(error: BaseException, request: httpx.Request) -> EmbedError:
    """The `EmbedError` for anything a send can raise (httpx, h11, the OS, a closed client, a bad header).

    Messages are built from the exception's type and httpx's own text, which never holds the API key:
    the key only goes on the wire copy and is checked to be printable ASCII when the client is built.
    """
    if isinstance(error, EmbedError):
        return error
    if isinstance(error, httpx.RequestError):
        error.request = request  # the caller's request: the chained cause must not carry the wire copy's key
    where = f"{request.method} {request.url}"
    kind = type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"{where}: timed out ({kind})", request=request)
    if isinstance(error, httpx.HTTPError):
        return APIConnectionError(f"{where}: connection failed ({kind}: {_safe(error)})", request=request)
    if isinstance(error, RuntimeError) and "closed" in str(error):
        return ConfigurationError(f"{where}: this client is closed; create a new one")
    if isinstance(error, RuntimeError):  # e.g. an async client used from another event loop
        return APIConnectionError(f"{where}: the connection cannot be used here ({kind}: {_safe(error)})")
    if isinstance(error, OSError):
        return APIConnectionError(f"{where}: I/O error while sending ({kind}: {error.strerror or ''})", request=request)
    return APIConnectionError(f"{where}: the request could not be sent ({kind})", request=request)


def _safe(error: BaseException) -> str:
    """httpx's message, shortened; header-value errors from h11 quote the value, so they are replaced."""
    text = str(error)
    if "header" in text.lower():
        return "an invalid header"
    return text[:200]


_httpx_logger = logging.getLogger("httpx")


def log_response(request: httpx.Request, response: httpx.Response) -> None:
    """The line httpx's client logs for each response (when the client sends through its transport itself)."""
    if _httpx_logger.isEnabledFor(logging.INFO):
        _httpx_logger.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )


def log_retry(request: httpx.Request, what: str, n: int, policy: RetryPolicy, delay: float) -> None:
    logger.warning(
        "%s %s %s; retry %d/%d in %.2f s", request.method, request.url, what, n + 1, policy.max_retries, delay
    )
