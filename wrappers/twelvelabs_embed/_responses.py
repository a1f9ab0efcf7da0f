"""The one place where an HTTP exchange becomes a model or an exception.

Each call uses generated code at both ends: the operation module's `_get_kwargs` builds the request
(URL, query, body) and the declared model's `from_dict` reads a success body. The raw httpx response
is inspected here first, so an HTML 502, a truncated body or an undeclared status becomes a typed
error carrying the status and the body, never a bare `JSONDecodeError` from inside generated code
(the generated `sync_detailed` functions parse error bodies eagerly, which is why they are not used).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Protocol, Self, TypeVar

import httpx
import orjson

from ._errors import (
    APIConnectionError,
    APITimeoutError,
    ResponseParseError,
    TransportError,
    status_error_class,
)
from ._retry import parse_retry_after

__all__ = ["aread", "asend", "parse", "raise_for_status", "read", "send"]


class _Model(Protocol):
    """A generated attrs model."""

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...


M = TypeVar("M", bound=_Model)

_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


def _transport_error(error: httpx.HTTPError, method: str, url: str) -> TransportError:
    kind = type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"{method} {url}: timed out ({kind})", request=_request_of(error))
    return APIConnectionError(f"{method} {url}: connection failed ({kind}: {error})", request=_request_of(error))


def _display_url(base_url: httpx.URL, path: str) -> str:
    return str(base_url).rstrip("/") + path


def _request_of(error: httpx.HTTPError) -> httpx.Request | None:
    try:
        return error.request
    except RuntimeError:
        return None


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, dict[str, Any]]:
    """(code, message, details) from either error body shape, or from whatever text came back."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        snippet = response.text.strip().replace("\n", " ")[:200] if response.content else ""
        return None, snippet or response.reason_phrase or None, {}
    if isinstance(body, dict):
        nested = body.get("error")
        if isinstance(nested, dict):
            details = nested.get("details")
            return (
                _str_or_none(nested.get("code")),
                _str_or_none(nested.get("message")),
                details if isinstance(details, dict) else {},
            )
        if "code" in body or "message" in body:
            return _str_or_none(body.get("code")), _str_or_none(body.get("message")), {}
        if "title" in body or "detail" in body:  # RFC 7807 problem details, as gateways and proxies send
            message = " - ".join(str(body[k]) for k in ("title", "detail") if body.get(k))
            return _str_or_none(body.get("type")), message or None, {}
    return None, json.dumps(body)[:200], {}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def parse(response: httpx.Response, expected: type[M]) -> M:
    """Return the declared success model of `response`, or raise the matching typed error.

    A 2xx body is read with orjson straight into the generated model's `from_dict` (every operation
    declares one success model), whatever 2xx code the server chose.
    """
    raise_for_status(response)
    try:
        return expected.from_dict(orjson.loads(response.content))
    except _PARSE_ERRORS as error:
        raise ResponseParseError(
            f"HTTP {response.status_code} body is not a valid {expected.__name__} ({type(error).__name__}: {error})",
            response=response,
        ) from error


def raise_for_status(response: httpx.Response) -> None:
    """Raise the typed error for a non-2xx response; return quietly for a 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    code, message, details = _error_fields(response)
    retry_after = parse_retry_after(response.headers) if status in (429, 503) else None
    raise status_error_class(status)(
        response=response, code=code, message=message, details=details, retry_after=retry_after
    )


def read(http: httpx.Client, kwargs: dict[str, Any]) -> httpx.Response:
    """Send a request built by a generated `_get_kwargs`; transport failures become typed errors."""
    method, url = kwargs["method"].upper(), _display_url(http.base_url, kwargs["url"])
    try:
        return http.request(**kwargs)
    except httpx.HTTPError as error:
        raise _transport_error(error, method, url) from error


def send(http: httpx.Client, module: ModuleType, expected: type[M], *args: Any, **kwargs: Any) -> M:
    """Build the request with the generated module, send it, and parse it (sync)."""
    request_kwargs = module._get_kwargs(*args, **kwargs)
    return parse(read(http, request_kwargs), expected)


async def aread(http: httpx.AsyncClient, kwargs: dict[str, Any]) -> httpx.Response:
    """Async `read`."""
    method, url = kwargs["method"].upper(), _display_url(http.base_url, kwargs["url"])
    try:
        return await http.request(**kwargs)
    except httpx.HTTPError as error:
        raise _transport_error(error, method, url) from error


async def asend(http: httpx.AsyncClient, module: ModuleType, expected: type[M], *args: Any, **kwargs: Any) -> M:
    """Build the request with the generated module, send it, and parse it (async)."""
    request_kwargs = module._get_kwargs(*args, **kwargs)
    return parse(await aread(http, request_kwargs), expected)
