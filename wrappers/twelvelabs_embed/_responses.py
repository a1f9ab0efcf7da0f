"""The one place where a received response becomes a model or an exception (no I/O here).

A 2xx body is decoded with orjson and handed to the operation's generated success parser
(`ApiRequest.parse_success`, the declared model's `from_dict`). Anything else becomes the typed
error of its status, carrying the server's code and message from either error-body shape. An HTML
502, a truncated body, or JSON nested deeper than orjson's limit never escapes as a bare decoding
error from inside generated code; the client's own API key is redacted from any server text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import orjson

from twelvelabs_embed_generated.types import ApiRequest

from ._arrays import ArrayParseError, EmbeddingArrays
from ._config import ApiKey
from ._errors import ResponseParseError, status_error_class
from ._retry import parse_retry_after

__all__ = ["parse", "raise_for_status", "read_arrays"]

M = TypeVar("M")

_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, RecursionError)


def _redact(text: str | None, secret: ApiKey | None) -> str | None:
    if text is None or secret is None:
        return text
    key = secret.reveal()
    return text.replace(key, "****") if key and key in text else text


def _redact_all(value: Any, secret: ApiKey | None) -> Any:
    """`value` (the server's `details`: JSON, at most orjson's 1024 levels) with the key replaced in every string."""
    if secret is None:
        return value
    if isinstance(value, str):
        return _redact(value, secret)
    if isinstance(value, dict):
        return {_redact(str(k), secret): _redact_all(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_all(item, secret) for item in value]
    return value


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, dict[str, Any]]:
    """(code, message, details) from either error body shape, or from whatever text came back."""
    try:
        body = orjson.loads(response.content)  # orjson refuses nesting deeper than 1024 levels
    except orjson.JSONDecodeError:
        snippet = response.content[:400].decode("utf-8", "replace").strip().replace("\n", " ")[:200]
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
    try:
        shown = json.dumps(body)
    except RecursionError:  # json.dumps recurses; orjson parsed up to 1024 levels
        shown = orjson.dumps(body).decode()
    return None, shown[:200], {}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)[:2000]


def parse(response: httpx.Response, call: ApiRequest[M], *, secret: ApiKey | None = None) -> M:
    """Return the declared success model of `response`, or raise the matching typed error.

    Whatever 2xx code the server chose, the body is read as the operation's one success model.
    """
    raise_for_status(response, secret=secret)
    if response.status_code == 204:  # No Content: the operation's success carries no body
        return call.parse_success(None)
    try:
        return call.parse_success(orjson.loads(response.content))
    except _PARSE_ERRORS as error:
        raise ResponseParseError(
            f"HTTP {response.status_code} body is not a valid {call.success} ({type(error).__name__}: "
            f"{_redact(str(error)[:300], secret)})",
            response=response,
        ) from error


def raise_for_status(response: httpx.Response, *, secret: ApiKey | None = None) -> None:
    """Raise the typed error for a non-2xx response; return quietly for a 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    code, message, details = _error_fields(response)
    retry_after = parse_retry_after(response.headers) if status in (429, 503) else None
    error = status_error_class(status)(
        response=response,
        code=_redact(code, secret),
        message=_redact(message, secret),
        details=_redact_all(details, secret),
        retry_after=retry_after,
    )
    error.request_id = _redact(error.request_id, secret)
    raise error


def read_arrays(
    parse_body: Callable[[bytes], EmbeddingArrays], response: httpx.Response, secret: ApiKey | None = None
) -> EmbeddingArrays:
    """The vectors of a task body as one matrix (`_arrays`), or the typed error of the response."""
    raise_for_status(response, secret=secret)
    try:
        return parse_body(response.content)
    except ArrayParseError as error:
        raise ResponseParseError(
            f"HTTP {response.status_code} body has no readable vectors: {error}", response=response
        ) from error
