"""Serving the fake over real HTTP with uvicorn: `serve()` (blocking, for the CLI) and `RunningServer`
(a background thread, for tests of code that needs a real URL).

Each also serves the fake's upload origin (the presigned chunk URLs of multipart uploads) on a second port,
so chunk PUTs really go to another origin; `fake.served_upload_base_url` says where.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import uvicorn
from starlette.types import ASGIApp

from ._app import REQUEST_LOGGER
from ._asset_state import AssetSettings
from ._clock import Clock, WallClock
from ._defaults import (
    DEFAULT_API_KEY,
    DEFAULT_AUDIO_METADATA_SPELLING,
    DEFAULT_CHUNK_SIZE,
    DEFAULT_HOST,
    DEFAULT_MEDIA_DURATION,
    DEFAULT_PORT,
    DEFAULT_PROCESSING_SECONDS,
    AudioMetadataSpelling,
    check_chunk_size,
    check_port,
)
from ._fake import EmbedFake
from ._models import RateLimit
from ._operations import API_PREFIX

__all__ = ["DEFAULT_PORT", "READY_PREFIX", "RunningServer", "serve"]

#: The start of the line `serve()` prints once it accepts connections.
READY_PREFIX = "twelvelabs-embed fake server ready"


class _Server(uvicorn.Server):
    """A uvicorn server that reports its real port once listening."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[int], None] | None = None) -> None:
        super().__init__(config)
        self._on_ready = on_ready
        self.port: int | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.servers and self.servers[0].sockets:
            self.port = int(self.servers[0].sockets[0].getsockname()[1])
            if self._on_ready is not None:
                self._on_ready(self.port)


def _config(fake: EmbedFake[Clock], host: str, port: int, log_level: str, app: ASGIApp | None = None) -> uvicorn.Config:
    return uvicorn.Config(
        fake.app if app is None else app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )


def ready_line(host: str, port: int, api_key: str, processing_seconds: float, upload_url: str | None = None) -> str:
    line = (
        f"{READY_PREFIX}: base_url=http://{host}:{port}{API_PREFIX} api_key={api_key} "
        f"spec=http://{host}:{port}/openapi.yaml processing_seconds={processing_seconds:g}"
    )
    return line if upload_url is None else f"{line} upload_origin={upload_url}"


class _UploadOriginThread:
    """The fake's upload origin served by uvicorn on a background thread."""

    def __init__(self, fake: EmbedFake[Clock], host: str, port: int, log_level: str) -> None:
        self.fake = fake
        self.host = host
        self._ready = threading.Event()
        config = _config(fake, host, port, log_level, app=fake.upload_origin)
        self._server = _Server(config, on_ready=lambda _port: self._ready.set())
        self._thread = threading.Thread(target=self._server.run, name="twelvelabs-embed-fake-uploads", daemon=True)

    @property
    def base_url(self) -> str:
        if self._server.port is None:
            raise RuntimeError("the upload origin is not running")
        return f"http://{self.host}:{self._server.port}"

    def start(self, timeout: float = 20.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the fake's upload origin did not start on {self.host}")
        self.fake.served_upload_base_url = self.base_url

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.fake.served_upload_base_url = None


@contextlib.contextmanager
def _request_log(stream: TextIO) -> Iterator[None]:
    """Write the fake's request records (INFO on `REQUEST_LOGGER`) to `stream` for the duration of the block."""
    logger = logging.getLogger(REQUEST_LOGGER)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    api_key: str | None = DEFAULT_API_KEY,
    processing_seconds: float = DEFAULT_PROCESSING_SECONDS,
    rate_limit: RateLimit | None = None,
    url_duration: float = DEFAULT_MEDIA_DURATION,
    upload_duration: float = DEFAULT_MEDIA_DURATION,
    audio_metadata_spelling: AudioMetadataSpelling = DEFAULT_AUDIO_METADATA_SPELLING,
    log_level: str = "warning",
    log_requests: bool = True,
    fake: EmbedFake[Any] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    upload_port: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> None:
    """Serve a fake on `host:port` until interrupted (SIGINT/SIGTERM), on wall-clock time.

    Once it accepts connections it prints one line to `out` (default stdout) and flushes it:
    `twelvelabs-embed fake server ready: base_url=http://HOST:PORT/v1.3 api_key=KEY spec=... processing_seconds=N`.
    `port=0` picks a free port (the line tells which). `api_key=None` accepts any non-empty key.
    Pass `fake` to serve a preconfigured `EmbedFake` instead (the other fake settings are then ignored).
    The upload origin listens on `upload_port` (0: a free port); the line ends with `upload_origin=URL`.
    `chunk_size` is the bytes per chunk the fake chooses for multipart uploads (`AssetSettings.chunk_size`).
    With `log_requests` (the default) every request is logged to `err` (default stderr) through the
    `twelvelabs_embed.testing.requests` logger: `METHOD PATH STATUS DURATION ms`. `log_level` is uvicorn's.

    Invalid settings (a port outside 0-65535, negative or non-finite seconds, ...) raise ValueError naming
    the parameter, before anything is served.
    """
    check_port(port)
    check_chunk_size(chunk_size)
    if fake is None:
        fake = EmbedFake(
            asset_settings=AssetSettings(chunk_size=chunk_size),
            api_keys=api_key,
            clock=WallClock(),
            processing_seconds=processing_seconds,
            rate_limit=rate_limit,
            url_duration=url_duration,
            upload_duration=upload_duration,
            audio_metadata_spelling=audio_metadata_spelling,
        )
    fake.spec.prepare()
    stream = sys.stdout if out is None else out
    served = fake
    uploads = _UploadOriginThread(fake, host, upload_port, log_level)
    uploads.start()

    def announce(actual_port: int) -> None:
        line = ready_line(host, actual_port, served.api_key, served.processing_seconds, uploads.base_url)
        stream.write(line + "\n")
        stream.flush()

    server = _Server(_config(fake, host, port, log_level), on_ready=announce)
    try:
        if not log_requests:
            server.run()
            return
        with _request_log(sys.stderr if err is None else err):
            server.run()
    finally:
        uploads.stop()


class RunningServer:
    """A fake served by uvicorn on a background thread (see `EmbedFake.run_server`)."""

    def __init__(
        self,
        fake: EmbedFake[Clock],
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        log_level: str = "warning",
        upload_port: int = 0,
    ) -> None:
        self.fake = fake
        self.host = host
        self._uploads = _UploadOriginThread(fake, host, upload_port, log_level)
        self._ready = threading.Event()
        self._server = _Server(_config(fake, host, port, log_level), on_ready=lambda _port: self._ready.set())
        self._thread = threading.Thread(target=self._server.run, name="twelvelabs-embed-fake-server", daemon=True)

    @property
    def port(self) -> int:
        if self._server.port is None:
            raise RuntimeError("the server is not running")
        return self._server.port

    @property
    def base_url(self) -> str:
        """`http://HOST:PORT/v1.3`."""
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def upload_base_url(self) -> str:
        """`http://HOST:UPLOAD_PORT`, where the presigned chunk URLs of this server point."""
        return self._uploads.base_url

    def start(self, timeout: float = 20.0) -> None:
        self.fake.spec.prepare()
        self._uploads.start(timeout)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the fake server did not start on {self.host}")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._uploads.stop()
