"""The exception tree of twelvelabs_embed. Every error a caller can see derives from `EmbedError`.

    EmbedError
    ├── ConfigurationError              no API key, a refused base URL, ... (also ValueError)
    ├── ValidationError                 a bad argument, raised before any request (also ValueError)
    ├── TransportError                  no usable HTTP response
    │   ├── APIConnectionError          could not connect, or the connection dropped
    │   └── APITimeoutError             connect/read/write/pool timeout
    ├── ResponseError                   a response that is not a parseable success
    │   ├── ResponseParseError          2xx, but the body is not the declared JSON
    │   ├── ResponseTooLargeError       the body passed the size cap (max_response_bytes)
    │   └── APIStatusError              a non-2xx status, with code/message/request id
    │       ├── BadRequestError         400
    │       ├── AuthenticationError     401
    │       ├── PermissionDeniedError   403
    │       ├── NotFoundError           404
    │       ├── ConflictError           409
    │       ├── PayloadTooLargeError    413
    │       ├── UnprocessableEntityError 422
    │       ├── RateLimitError          429 (with retry_after)
    │       └── ServerError             5xx
    ├── TaskFailedError                 the task ended `failed` (with the server's reason)
    │   └── AssetFailedError            the asset ended `failed` (with the server's reason)
    ├── UploadError                     a multipart upload cannot go on (a chunk, the session)
    └── WaitTimeoutError                a wait passed its deadline (with the last status seen)

Status errors carry `status_code`, `code`, `message`, `request_id`, `retry_after` (seconds, on
429) and the raw `httpx.Response`; `str()` shows the code and the message. Messages never
contain the API key.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AssetFailedError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "EmbedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseError",
    "ResponseParseError",
    "ResponseTooLargeError",
    "ServerError",
    "TaskFailedError",
    "TransportError",
    "UnprocessableEntityError",
    "UploadError",
    "ValidationError",
    "WaitTimeoutError",
]


class EmbedError(Exception):
    """The root of every error raised by twelvelabs_embed."""


class ConfigurationError(EmbedError, ValueError):
    """The client cannot be configured as asked (no API key, a refused base URL, ...)."""


class ValidationError(EmbedError, ValueError):
    """An argument breaks a rule of the API; raised before any request is sent.

    `field` is the argument's name (dotted for nested fields), `rule` states what is allowed.
    """

    def __init__(self, field: str, rule: str, value: Any = None) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        super().__init__(f"{field}: {rule}")


class TransportError(EmbedError):
    """No usable HTTP response was received."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APIConnectionError(TransportError):
    """The connection could not be made, or it dropped before a full response."""


class APITimeoutError(TransportError):
    """A connect, read, write or pool timeout."""


class ResponseError(EmbedError):
    """A response that is not a parseable success."""

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response)


class ResponseParseError(ResponseError):
    """A success status whose body does not parse into the declared model."""


class ResponseTooLargeError(ResponseError):
    """The body passed `max_response_bytes` (as received, or after decompression); reading stopped there."""

    def __init__(self, message: str, *, response: httpx.Response, limit: int) -> None:
        super().__init__(message, response=response)
        self.limit = limit


class APIStatusError(ResponseError):
    """A non-2xx response. Subclasses name the status class."""

    def __init__(
        self,
        *,
        response: httpx.Response,
        code: str | None,
        message: str | None,
        details: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.details = details or {}
        self.retry_after = retry_after
        text = f"{code}: {message}" if code and message else (message or code or response.reason_phrase)
        super().__init__(f"HTTP {response.status_code} {text}".rstrip(), response=response)


class BadRequestError(APIStatusError):
    """400: the request is invalid (`parameter_invalid`, `parameter_not_provided`, ...)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, invalid or expired (`api_key_invalid`)."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this endpoint."""


class NotFoundError(APIStatusError):
    """404: no such task (`resource_not_exist`)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state."""


class PayloadTooLargeError(APIStatusError):
    """413: the media exceeds the size or duration limits."""


class UnprocessableEntityError(APIStatusError):
    """422: the request is well-formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: a rate limit was exceeded; `retry_after` says how long to wait, if the server said."""


class ServerError(APIStatusError):
    """5xx: an error on the server."""


class TaskFailedError(EmbedError):
    """The task ended in status `failed`; `reason` is the server's message when it gave one."""

    def __init__(self, task_id: str, reason: str | None, task: Any = None) -> None:
        self.task_id = task_id
        self.reason = reason
        self.task = task
        super().__init__(f"task {task_id} failed: {reason or 'the server gave no reason'}")


class AssetFailedError(TaskFailedError):
    """The asset ended in status `failed` (an unreadable or unsupported file, a URL that cannot be fetched).

    `asset_id` names it, `reason` is the server's `error.message` (not a contract), `asset` the last `Asset` seen.
    """

    def __init__(self, asset_id: str, reason: str | None, asset: Any = None) -> None:
        EmbedError.__init__(self, f"asset {asset_id} failed: {reason or 'the server gave no reason'}")
        self.task_id = self.asset_id = asset_id
        self.reason = reason
        self.task = self.asset = asset


class UploadError(EmbedError):
    """A multipart upload cannot go on: a chunk failed every attempt, or the session failed or expired.

    `upload_id` and `asset_id` name the session; `chunk_index` (1-based) the chunk, when one is to blame;
    `status_code` the upload origin's last answer, when there was one. Uploads are resumable: calling
    `assets.upload(path)` again continues where this one stopped (unless the session itself is gone).
    """

    def __init__(
        self,
        message: str,
        *,
        upload_id: str | None = None,
        asset_id: str | None = None,
        chunk_index: int | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.upload_id = upload_id
        self.asset_id = asset_id
        self.chunk_index = chunk_index
        self.status_code = status_code


class WaitTimeoutError(EmbedError):
    """A wait passed its deadline before the task reached `ready` or `failed`."""

    def __init__(
        self,
        task_id: str,
        *,
        timeout: float,
        last_status: str | None,
        last: Any = None,
        elapsed: float | None = None,
    ) -> None:
        self.task_id = task_id
        self.timeout = timeout
        self.elapsed = timeout if elapsed is None else elapsed
        self.last_status = last_status
        self.last = last
        super().__init__(
            f"task {task_id} was still {last_status or 'unknown'} after {self.elapsed:.1f} s "
            f"(the wait's timeout is {timeout:g} s; raise `timeout` to wait longer)"
        )


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for a non-2xx status."""
    if status_code >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def _request_id(response: httpx.Response) -> str | None:
    for name in ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-cf-id"):
        value = response.headers.get(name)
        if value:
            return str(value)
    return None
