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

Assets and multipart uploads (`POST /assets`, `/assets/multipart-uploads...`): `fake.assets`, `fake.asset(id)`,
`fake.multipart_uploads`, `fake.chunk_faults`, `fake.expire_upload_urls()`, `fake.fail_asset()`,
`fake.upload_requests`, `fake.upload_client()`; the presigned chunk URLs point at a separate upload origin
(host `uploads.embed-fake.test` in-process, a second port when served) that refuses `x-api-key`. Configure
with `EmbedFake(asset_settings=AssetSettings(chunk_size=..., url_lifetime=...))`.

Media the fake "processes": a URL's duration is its `duration=` query parameter (default 60 s), `fail` or
`fail=<message>` in the URL makes the task fail, a non-http(s) URL cannot be fetched; uploads, base64 media
and assets last `upload_duration` (default 60 s); `media_durations` overrides by URL, file name or asset id.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import FakeApp, create_app
    from ._asset_fake import DEFAULT_UPLOAD_BASE_URL
    from ._asset_state import AssetSettings, ChunkRecord, FakeAsset, FakeUpload, IssuedUrl
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
    from ._upload_origin import UPLOAD_HOST, ChunkFault, ChunkFaultKind, ChunkFaults

# Names are imported on first use (PEP 562), so `import twelvelabs_embed.testing.pytest_plugin` (the pytest11
# entry point, loaded by every pytest session) stays cheap and works without the `testing` extra installed.
_MODULES = {
    "ALL_OPERATIONS": "_operations",
    "AssetSettings": "_asset_state",
    "ChunkFault": "_upload_origin",
    "ChunkFaultKind": "_upload_origin",
    "ChunkFaults": "_upload_origin",
    "ChunkRecord": "_asset_state",
    "DEFAULT_UPLOAD_BASE_URL": "_asset_fake",
    "FakeAsset": "_asset_state",
    "FakeUpload": "_asset_state",
    "IssuedUrl": "_asset_state",
    "UPLOAD_HOST": "_upload_origin",
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
    "DEFAULT_UPLOAD_BASE_URL",
    "READY_PREFIX",
    "UPLOAD_HOST",
    "AssetSettings",
    "AudioMetadataSpelling",
    "ChunkFault",
    "ChunkFaultKind",
    "ChunkFaults",
    "ChunkRecord",
    "Clock",
    "EmbedFake",
    "FakeApp",
    "FakeAsset",
    "FakeAsyncTransport",
    "FakeClock",
    "FakeTask",
    "FakeTransport",
    "FakeUpload",
    "Fault",
    "FaultKind",
    "Faults",
    "IssuedUrl",
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
