"""twelvelabs_embed: a typed, resilient client for the TwelveLabs Embed API.

    from twelvelabs_embed import EmbedClient

    with EmbedClient() as client:  # the key comes from TWELVELABS_API_KEY
        task = client.v2.tasks.create(input_type="video", url="https://example.com/clip.mp4")
        ready = client.v2.tasks.wait(task.id)
        arrays = client.v2.tasks.retrieve_arrays(task.id)  # float32 matrix + segment table

The exception tree is drawn in `twelvelabs_embed._errors`; every error derives from `EmbedError`.
Models live in `twelvelabs_embed.models`; the offline fake server in `twelvelabs_embed.testing`.
"""

import logging as _logging

from ._arrays import EmbeddingArrays
from ._async import AsyncEmbedClient
from ._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL, ApiKey, Timeouts
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AssetFailedError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    EmbedError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    ResponseParseError,
    ResponseTooLargeError,
    ServerError,
    TaskFailedError,
    TransportError,
    UnprocessableEntityError,
    UploadError,
    ValidationError,
    WaitTimeoutError,
)
from ._polling import PollPolicy
from ._requests import dynamic_segments, fixed_segments
from ._retry import RetryPolicy
from ._sync import EmbedClient
from ._version import __version__

# Requests, retries and waits are logged under "twelvelabs_embed"; the application decides where.
_logging.getLogger("twelvelabs_embed").addHandler(_logging.NullHandler())

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "AssetFailedError",
    "AsyncEmbedClient",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "EmbedClient",
    "EmbedError",
    "EmbeddingArrays",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PollPolicy",
    "RateLimitError",
    "ResponseError",
    "ResponseParseError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "TaskFailedError",
    "Timeouts",
    "TransportError",
    "UnprocessableEntityError",
    "UploadError",
    "ValidationError",
    "WaitTimeoutError",
    "__version__",
    "dynamic_segments",
    "fixed_segments",
]
