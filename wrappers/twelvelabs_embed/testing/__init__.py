"""A stateful fake of the TwelveLabs Embed API for tests (like stripe-mock for Stripe).

In-process (no sockets)::

    from twelvelabs_embed.testing import EmbedFake

    fake = EmbedFake()                          # FakeClock, key "test-key", tasks take 10 s
    with fake.client() as http:                 # httpx.Client: base_url .../v1.3, x-api-key set
        task = http.post("/embed-v2/tasks", json={...}).json()
        fake.clock.advance(10)                  # processing -> ready, no real waiting
        fake.faults.add("status", operation="getEmbeddingTaskV2", status=503, times=2)

Also: `fake.transport()` / `fake.async_transport()` for your own httpx clients, `fake.requests` /
`fake.calls(op)` (every request received), `fake.uploads` (uploaded bytes, with `record_uploads=True`),
`fake.tasks`, `fake.fail_next()`, `fake.rate_limit = RateLimit(...)`,
`fake.run_server()` (real HTTP on a background thread), `serve()` (blocking; the CLI's `fake-server`),
`create_app()` (a uvicorn factory: `uvicorn --factory twelvelabs_embed.testing:create_app`), and the pytest
fixtures of `twelvelabs_embed.testing.pytest_plugin`.

Media the fake "processes": a URL's duration is its `duration=` query parameter (default 60 s), `fail` or
`fail=<message>` in the URL makes the task fail, a non-http(s) URL cannot be fetched; uploads, base64 media
and assets last `upload_duration` (default 60 s); `media_durations` overrides by URL, file name or asset id.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import FakeApp, create_app
    from ._clock import Clock, FakeClock, WallClock
    from ._defaults import (
        DEFAULT_API_KEY,
        DEFAULT_MEDIA_DURATION,
        DEFAULT_PORT,
        DEFAULT_PROCESSING_SECONDS,
        AudioMetadataSpelling,
    )
    from ._fake import DEFAULT_BASE_URL, EmbedFake
    from ._faults import Fault, FaultKind, Faults
    from ._models import DEFAULT_FAILURE_MESSAGE, FakeTask, RateLimit, RecordedRequest, RecordedUpload
    from ._operations import ALL_OPERATIONS, API_PREFIX, CREATE_OPERATIONS
    from ._server import READY_PREFIX, RunningServer, serve
    from ._spec import packaged_spec_bytes
    from ._transport import FakeAsyncTransport, FakeTransport

# Names are imported on first use (PEP 562), so `import twelvelabs_embed.testing.pytest_plugin` (the pytest11
# entry point, loaded by every pytest session) stays cheap and works without the `testing` extra installed.
_MODULES = {
    "ALL_OPERATIONS": "_operations",
    "API_PREFIX": "_operations",
    "CREATE_OPERATIONS": "_operations",
    "DEFAULT_API_KEY": "_defaults",
    "DEFAULT_BASE_URL": "_fake",
    "DEFAULT_FAILURE_MESSAGE": "_models",
    "DEFAULT_MEDIA_DURATION": "_defaults",
    "DEFAULT_PORT": "_defaults",
    "DEFAULT_PROCESSING_SECONDS": "_defaults",
    "READY_PREFIX": "_server",
    "AudioMetadataSpelling": "_defaults",
    "Clock": "_clock",
    "EmbedFake": "_fake",
    "FakeApp": "_app",
    "FakeAsyncTransport": "_transport",
    "FakeClock": "_clock",
    "FakeTask": "_models",
    "FakeTransport": "_transport",
    "Fault": "_faults",
    "FaultKind": "_faults",
    "Faults": "_faults",
    "RateLimit": "_models",
    "RecordedRequest": "_models",
    "RecordedUpload": "_models",
    "RunningServer": "_server",
    "WallClock": "_clock",
    "create_app": "_app",
    "packaged_spec_bytes": "_spec",
    "serve": "_server",
}
__all__ = [
    "ALL_OPERATIONS",
    "API_PREFIX",
    "CREATE_OPERATIONS",
    "DEFAULT_API_KEY",
    "DEFAULT_BASE_URL",
    "DEFAULT_FAILURE_MESSAGE",
    "DEFAULT_MEDIA_DURATION",
    "DEFAULT_PORT",
    "DEFAULT_PROCESSING_SECONDS",
    "READY_PREFIX",
    "AudioMetadataSpelling",
    "Clock",
    "EmbedFake",
    "FakeApp",
    "FakeAsyncTransport",
    "FakeClock",
    "FakeTask",
    "FakeTransport",
    "Fault",
    "FaultKind",
    "Faults",
    "RateLimit",
    "RecordedRequest",
    "RecordedUpload",
    "RunningServer",
    "WallClock",
    "create_app",
    "packaged_spec_bytes",
    "serve",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
