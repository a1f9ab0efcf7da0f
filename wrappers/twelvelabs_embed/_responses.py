"""The one place where an HTTP exchange becomes a model or an exception.

Each call uses the generated operation module twice: `_get_kwargs` builds the request (URL, query,
body) and `_parse_response` parses a success body into the declared model. The raw httpx response
is inspected here first, so an HTML 502, a truncated body or an undeclared status becomes a typed
error carrying the status and the body, never a bare `JSONDecodeError` from inside generated code.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, TypeVar

import httpx

from twelvelabs_embed_generated import Client

from ._errors import (
    APIConnectionError,
    APITimeoutError,
    ResponseParseError,
    TransportError,
    status_error_class,
)
from ._retry import parse_retry_after

__all__ = ["aread", "asend", "parse", "raise_for_status", "read", "send"]

T = TypeVar("T")

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


def parse(module: ModuleType, client: Client, response: httpx.Response, expected: type[T]) -> T:
    """Return the declared success model of `response`, or raise the matching typed error."""
    status = response.status_code
    if 200 <= status < 300:
        try:
            parsed = module._parse_response(client=client, response=response)
            if parsed is None:  # a 2xx the spec does not declare for this operation: parse it all the same
                parsed = expected.from_dict(response.json())  # type: ignore[attr-defined]
        except _PARSE_ERRORS as error:
            raise ResponseParseError(
                f"HTTP {status} body is not a valid {expected.__name__} ({type(error).__name__}: {error})",
                response=response,
            ) from error
        if not isinstance(parsed, expected):
            raise ResponseParseError(
                f"HTTP {status} body parsed as {type(parsed).__name__}, expected {expected.__name__}",
                response=response,
            )
        return parsed
    raise_for_status(response)
    raise AssertionError("unreachable")  # pragma: no cover


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


def send(http: httpx.Client, client: Client, module: ModuleType, expected: type[T], *args: Any, **kwargs: Any) -> T:
    """Build the request with the generated module, send it, and parse it (sync)."""
    request_kwargs = module._get_kwargs(*args, **kwargs)
    return parse(module, client, read(http, request_kwargs), expected)


async def aread(http: httpx.AsyncClient, kwargs: dict[str, Any]) -> httpx.Response:
    """Async `read`."""
    method, url = kwargs["method"].upper(), _display_url(http.base_url, kwargs["url"])
    try:
        return await http.request(**kwargs)
    except httpx.HTTPError as error:
        raise _transport_error(error, method, url) from error


async def asend(
    http: httpx.AsyncClient, client: Client, module: ModuleType, expected: type[T], *args: Any, **kwargs: Any
) -> T:
    """Build the request with the generated module, send it, and parse it (async)."""
    request_kwargs = module._get_kwargs(*args, **kwargs)
    return parse(module, client, await aread(http, request_kwargs), expected)
