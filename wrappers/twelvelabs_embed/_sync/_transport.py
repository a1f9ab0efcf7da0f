# Generated from _async/_transport.py by scripts/unasync.py; do not edit.
"""The default transport: httpx's own connection pool (httpcore), with every socket operation clipped to
the deadline of the call it serves.

A read timeout bounds the silence between two bytes, so a server that drips one byte every half second
never trips it, in the response head as well as in the body. httpx has no total timeout (upstream
encode/httpx#1450 places one in httpcore's network layer), so this transport builds the same
`httpcore` pool as `httpx.HTTPTransport`, with a network backend whose streams clip each connect,
read and write to the time the call has left (`_exchange.clip`): a drip ends at the deadline, however
slow each byte is. The call's deadline travels in the request's extensions (`_exchange.CallSettings`);
the transport makes it visible to its streams (a context variable) for each step of the exchange.

Used when the client builds its own httpx client and no proxy is configured in the environment; with a
caller's `transport=` / `http_client=`, or a proxy, httpx's transports are used as they are, and the
deadline is enforced by the per-phase timeouts (clipped at each attempt) and between body chunks.
Written once, as async code; `scripts/unasync.py` generates the sync twin.
"""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from .. import _exchange as ex

__all__ = ["DeadlineTransport", "default_transport"]

Verify = bool | str | ssl.SSLContext

# httpcore's exceptions as httpx raises them (httpx.HTTPTransport maps them the same way), so the
# retry rules and the error mapping see the httpx classes whatever transport sent the request.
_MAPPED: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        for source, target in _MAPPED:
            if isinstance(error, source):
                raise target(str(error)) from error
        raise


class _Stream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the current call's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, ex.clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, ex.clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        clipped = ex.clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, clipped))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own backend, handing out deadline-clipped streams."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        clipped = ex.clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, clipped, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - the pool is built without `uds`
        clipped = ex.clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, clipped, socket_options))

    def sleep(self, seconds: float) -> None:  # pragma: no cover - only used with retries=, never set
        self._inner.sleep(seconds)


class _Body(httpx.SyncByteStream):
    """A response body whose reads run under its call's deadline and raise httpx's exceptions."""

    def __init__(self, inner: Iterable[bytes], deadline: ex.Deadline | None) -> None:
        self._inner = inner
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._inner.__iter__()
        while True:
            with ex.deadline_scope(self._deadline), _httpx_errors():
                try:
                    chunk = chunks.__next__()
                except StopIteration:
                    return
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            with _httpx_errors():
                close()


class DeadlineTransport(httpx.BaseTransport):
    """`httpx.HTTPTransport`'s pool (HTTP/1.1, httpx's default limits) with deadline-clipped sockets."""

    def __init__(self, *, verify: Verify = True) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = ex.deadline_of(request)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with ex.deadline_scope(deadline), _httpx_errors():
            answer = self._pool.handle_request(core)
        assert isinstance(answer.stream, Iterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream, deadline),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def default_transport(verify: Verify) -> DeadlineTransport | None:
    """The transport the client builds for itself, or None to let httpx build its own (a proxy is set in
    the environment: httpx's transports honour HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, this one does not)."""
    if urllib.request.getproxies():
        return None
    return DeadlineTransport(verify=verify)
