"""Security properties of the client, checked over real HTTP where it matters.

(a) The API key never shows: not in log records (every logger at DEBUG), reprs, error messages and args,
    `__cause__`/`__context__` chains, or the request headers reachable from errors and responses. The
    autouse `secret_guard` fixture checks every test of tests/robustness (fault matrix and fuzzing
    included); the tests here add the error paths the other modules do not reach, and prove the guard
    itself finds a leak.
(b) A redirect to another origin (two loopback servers on different ports) never carries the key.
(c) TLS verification is on unless the caller turns it off (`verify=False`).
(d) A plain-http base URL is refused unless the host is loopback or `allow_insecure_http=True`.
(e) Uploads whose bytes look like multipart framing arrive byte-exact at the fake (real HTTP), which
    records what its multipart parser received (`EmbedFake(record_uploads=True)`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import free_port
from twelvelabs_embed import (
    API_KEY_ENV,
    BASE_URL_ENV,
    APIConnectionError,
    AsyncEmbedClient,
    AuthenticationError,
    ConfigurationError,
    EmbedClient,
    NotFoundError,
    RetryPolicy,
    Timeouts,
)
from twelvelabs_embed.testing import EmbedFake, RunningServer, WallClock

from ._support import API_KEY, KEY_CORE, REPORTS, SecretGuard, texts_of

TASK_ID = "64f8d2c7e4a1b37f8a9c5d12"
READY_TASK = {"_id": TASK_ID, "status": "ready", "data": None}


# ---------------------------------------------------------------- (a) the key never shows
def test_the_guard_finds_a_planted_leak() -> None:
    """The leak detector flags a secret in a library's DEBUG record, an error's cause chain and request headers."""
    planted = "tlk_planted-0123456789"  # not the session key, so the autouse guard of this test stays quiet
    guard = SecretGuard(secrets=(planted,))
    guard.arm()
    try:
        logging.getLogger("some.library").debug("sending %s", {"x-api-key": planted})
    finally:
        guard.disarm()
    assert [leak for leak in guard.leaks() if leak.startswith("log: some.library DEBUG")]
    guard = SecretGuard(secrets=(planted,))
    try:
        try:
            raise KeyError("inner " + planted)
        except KeyError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as error:
        guard.inspect(error)
    guard.inspect(httpx.Request("GET", "https://a.test/", headers={"x-api-key": planted}))
    assert {leak.split(":", 1)[0] for leak in guard.leaks()} == {"RuntimeError", "Request"}


@pytest.fixture
def fake_server() -> Iterator[tuple[EmbedFake, RunningServer]]:
    fake = EmbedFake(api_keys=API_KEY, clock=WallClock(), processing_seconds=0, record_uploads=True)
    with fake, fake.run_server() as server:
        yield fake, server


def test_key_absent_from_every_error_path(
    fake_server: tuple[EmbedFake, RunningServer], secret_guard: SecretGuard
) -> None:
    """Successes, 401, 404, 5xx after retries, parse errors and connection errors show no key anywhere."""
    fake, server = fake_server
    secret_guard.arm()  # uvicorn reconfigured its loggers when the server was created
    seen: list[Any] = []
    options: dict[str, Any] = {"retry": RetryPolicy(max_retries=1), "sleep": lambda s: None}
    with EmbedClient(API_KEY, base_url=server.base_url, **options) as client:
        created = client.v2.tasks.create(input_type="video", url="https://media.example.com/a.mp4")
        seen += [client, created, client.v2.tasks.retrieve(created.id), client.legacy.tasks.list()]
        with pytest.raises(NotFoundError) as missing:
            client.v2.tasks.retrieve("0" * 24)
        fake.faults.add("status", operation="getEmbeddingTaskV2", status=503, times=2)
        with pytest.raises(Exception) as unavailable:
            client.v2.tasks.retrieve(created.id)
        fake.faults.add("malformed_json", operation="getEmbeddingTaskV2")
        with pytest.raises(Exception) as broken:
            client.v2.tasks.retrieve(created.id)
        seen += [missing.value, unavailable.value, broken.value]
    with (
        EmbedClient("tlk_wrong-key", base_url=server.base_url, **options) as wrong,
        pytest.raises(AuthenticationError) as denied,
    ):
        wrong.v2.tasks.list()
    seen.append(denied.value)
    down = EmbedClient(API_KEY, base_url=f"http://127.0.0.1:{free_port()}/v1.3", **options)
    with down, pytest.raises(APIConnectionError) as refused:
        down.legacy.tasks.status(TASK_ID)
    seen.append(refused.value)
    secret_guard.inspect(*seen)
    # The key did travel: the fake only answers 200 to it.
    assert fake.calls("createEmbeddingTaskV2")[-1].status == 202
    assert dict(fake.calls("createEmbeddingTaskV2")[-1].headers)["x-api-key"] == API_KEY
    # The request objects a caller can reach carry no key (the transport adds it to its own copy).
    assert "x-api-key" not in missing.value.response.request.headers
    assert refused.value.request is not None and "x-api-key" not in refused.value.request.headers
    assert isinstance(refused.value.__cause__, httpx.ConnectError)
    assert "x-api-key" not in refused.value.__cause__.request.headers


def test_key_absent_from_async_error_paths(secret_guard: SecretGuard) -> None:
    """The async client keeps the key out of errors and responses too."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(404, json={"error": {"code": "resource_not_exist", "message": "no"}})

    async def main() -> BaseException:
        async with AsyncEmbedClient(
            API_KEY, base_url="https://api.test/v1.3", transport=httpx.MockTransport(answer)
        ) as client:
            secret_guard.inspect(client)
            with pytest.raises(NotFoundError) as caught:
                await client.v2.tasks.retrieve(TASK_ID)
            return caught.value

    error = asyncio.run(main())
    secret_guard.inspect(error)
    assert sent[0].headers["x-api-key"] == API_KEY
    assert isinstance(error, NotFoundError) and "x-api-key" not in error.response.request.headers


def test_reports_never_contain_the_key() -> None:
    """No report written by the robustness tests (schemathesis' JUnit with its curl lines included) holds the key."""
    for path in sorted(REPORTS.glob("*")) if REPORTS.exists() else []:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert API_KEY not in text and KEY_CORE not in text, path


# ---------------------------------------------------------------- (b) redirects to another origin
class _Recorder(BaseHTTPRequestHandler):
    """Records each request's headers; answers by the server's `route` (a redirect or a JSON body)."""

    server: Any

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers.items()), body))
        status, headers, payload = self.server.route(self.command, self.path)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Origin:
    """A loopback HTTP server on its own port (one origin)."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        self.httpd.seen = []  # type: ignore[attr-defined]
        self.httpd.route = lambda method, path: (
            200,
            {"content-type": "application/json"},
            json.dumps(READY_TASK).encode(),
        )  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def seen(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        return self.httpd.seen  # type: ignore[attr-defined, no-any-return]

    def redirect_to(self, base: str, status: int = 302) -> None:
        self.httpd.route = lambda method, path: (status, {"location": base + path}, b"")  # type: ignore[attr-defined]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def origins() -> Iterator[tuple[Origin, Origin]]:
    api, other = Origin(), Origin()
    try:
        yield api, other
    finally:
        api.close()
        other.close()


def _keys_seen(origin: Origin) -> list[str | None]:
    return [{k.lower(): v for k, v in headers.items()}.get("x-api-key") for _, _, headers, _ in origin.seen]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_origin_drops_the_key(origins: tuple[Origin, Origin], status: int) -> None:
    """A redirect from the API origin to another port is followed without the key; the first hop had it."""
    api, other = origins
    api.redirect_to(f"http://127.0.0.1:{other.port}", status)
    with EmbedClient(API_KEY, base_url=f"http://127.0.0.1:{api.port}/v1.3") as client:
        task = client.v2.tasks.retrieve(TASK_ID)
    assert task.id == TASK_ID
    assert _keys_seen(api) == [API_KEY]
    assert _keys_seen(other) == [None]
    assert API_KEY not in str(other.seen)


def test_redirected_task_creation_drops_the_key(origins: tuple[Origin, Origin]) -> None:
    """A 307 on task creation re-sends the body to the other origin, but not the key."""
    api, other = origins
    api.redirect_to(f"http://localhost:{other.port}", 307)
    other.httpd.route = lambda method, path: (  # type: ignore[attr-defined]
        202,
        {"content-type": "application/json"},
        json.dumps({"_id": TASK_ID, "status": "processing"}).encode(),
    )
    with EmbedClient(API_KEY, base_url=f"http://127.0.0.1:{api.port}/v1.3") as client:
        created = client.v2.tasks.create(input_type="video", url="https://media.example.com/a.mp4")
    assert created.id == TASK_ID
    assert _keys_seen(api) == [API_KEY] and _keys_seen(other) == [None]
    assert json.loads(other.seen[0][3])["input_type"] == "video"


def test_redirect_within_the_origin_keeps_the_key(origins: tuple[Origin, Origin]) -> None:
    """A redirect back to the API origin still authenticates (so the check above is not vacuous)."""
    api, _ = origins
    hops = iter([(302, {"location": f"http://127.0.0.1:{api.port}/v1.3/embed-v2/tasks/{TASK_ID}?moved=1"}, b"")])
    api.httpd.route = lambda method, path: next(  # type: ignore[attr-defined]
        hops, (200, {"content-type": "application/json"}, json.dumps(READY_TASK).encode())
    )
    with EmbedClient(API_KEY, base_url=f"http://127.0.0.1:{api.port}/v1.3") as client:
        client.v2.tasks.retrieve(TASK_ID)
    assert _keys_seen(api) == [API_KEY, API_KEY]


# ---------------------------------------------------------------- (c) TLS verification
def _ssl_context(client: EmbedClient | AsyncEmbedClient) -> ssl.SSLContext:
    inner = client._http._transport  # the client's DeadlineTransport, on the same httpcore pool httpx builds
    context = inner._pool._ssl_context  # type: ignore[union-attr]
    assert isinstance(context, ssl.SSLContext)
    return context


def test_tls_verification_is_on_by_default() -> None:
    """The default transport verifies certificates and host names (sync and async)."""
    for make in (EmbedClient, AsyncEmbedClient):
        client = make(API_KEY)
        context = _ssl_context(client)
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
        assert str(client.base_url).startswith("https://")


def test_tls_verification_off_only_when_asked() -> None:
    """`verify=False` turns verification off; a custom SSL context keeps it on."""
    for make in (EmbedClient, AsyncEmbedClient):
        context = _ssl_context(make(API_KEY, verify=False))
        assert context.verify_mode == ssl.CERT_NONE and context.check_hostname is False
        bundle = make(API_KEY, verify=ssl.create_default_context())
        assert _ssl_context(bundle).verify_mode == ssl.CERT_REQUIRED


def test_tls_verification_ignores_ssl_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment variables cannot turn verification off behind the caller's back."""
    monkeypatch.setenv("PYTHONHTTPSVERIFY", "0")
    monkeypatch.setenv("CURL_CA_BUNDLE", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "")
    context = _ssl_context(EmbedClient(API_KEY))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True


# ---------------------------------------------------------------- (d) plain http
REFUSED = [
    "http://api.twelvelabs.io/v1.3",
    "http://10.0.0.5:8080/v1.3",
    "http://0.0.0.0:4020/v1.3",
    "http://127.0.0.1.nip.io/v1.3",
    "http://localhost.evil.example/v1.3",
    "http://127.0.0.1@evil.example/v1.3",
    "http://[::ffff:7f00:1]/v1.3",
    "HTTP://API.TWELVELABS.IO/v1.3",
]
LOOPBACK = [
    "http://127.0.0.1:4020/v1.3",
    "http://127.9.8.7/v1.3",
    "http://localhost:8787/v1.3",
    "http://fake.localhost/v1.3",
    "http://[::1]:4020/v1.3",
]


@pytest.mark.parametrize("url", REFUSED)
def test_plain_http_to_another_host_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain http to a host that is not loopback raises ConfigurationError, from the argument or the environment."""
    with pytest.raises(ConfigurationError, match="plain http"):
        EmbedClient(API_KEY, base_url=url)
    with pytest.raises(ConfigurationError, match="plain http"):
        AsyncEmbedClient(API_KEY, base_url=url)
    monkeypatch.setenv(BASE_URL_ENV, url)
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    with pytest.raises(ConfigurationError, match=BASE_URL_ENV) as caught:
        EmbedClient()
    assert API_KEY not in str(caught.value)


@pytest.mark.parametrize("url", REFUSED[:3])
def test_plain_http_allowed_when_explicit(url: str) -> None:
    """`allow_insecure_http=True` is the one way to use plain http to another host."""
    assert EmbedClient(API_KEY, base_url=url, allow_insecure_http=True).base_url.scheme == "http"


@pytest.mark.parametrize("url", LOOPBACK)
def test_plain_http_to_loopback_is_accepted(url: str) -> None:
    """Loopback hosts (the fake, a mock server) may use plain http without the opt-in."""
    assert EmbedClient(API_KEY, base_url=url).base_url.scheme == "http"


# ---------------------------------------------------------------- (e) multipart framing in upload bytes
def _payloads(previous_boundary: bytes) -> dict[str, bytes]:
    disposition = b'Content-Disposition: form-data; name="model_name"\r\n\r\nMarengo-retrieval-2.7'
    return {
        "old-fixed-boundary": b"\x00\x00\x00\x18ftypmp42\r\n--+++\r\n" + disposition + b"\r\n--+++--\r\n",
        "dash-runs": b"--" + b"-" * 500 + b"\r\n--\r\n--",
        "crlf-runs": b"\r\n" * 2000 + b"\n\r\r\n\n",
        "previous-boundary": b"\r\n--"
        + previous_boundary
        + b"\r\n"
        + disposition
        + b"\r\n--"
        + previous_boundary
        + b"--\r\n",
        "content-disposition-lines": (
            b"\r\n" + disposition + b'\r\nContent-Disposition: form-data; name="video_file"; filename="x;y.mp4"\r\n'
            b"Content-Type: text/plain\r\n\r\n"
        )
        * 20,
        "all-byte-values": bytes(range(256)) * 64 + b"\r\n--\r\n",
    }


def _boundary(content_type: str) -> bytes:
    match = re.search(r"boundary=([^;]+)", content_type)
    assert match, content_type
    return match.group(1).strip('"').encode()


def test_boundary_like_upload_bytes_arrive_byte_exact(
    fake_server: tuple[EmbedFake, RunningServer], tmp_path: Path
) -> None:
    """Files full of multipart framing (old `+++` boundary, the previous request's boundary, CRLF and `--` runs,
    Content-Disposition lines) reach the fake over real HTTP with the same SHA-256, and inject no field."""
    fake, server = fake_server
    options: dict[str, Any] = {"timeouts": Timeouts(connect=5, read=30, write=30, pool=5)}
    boundaries: list[bytes] = []
    with EmbedClient(API_KEY, base_url=server.base_url, **options) as client:
        warmup = tmp_path / "warmup.mp4"
        warmup.write_bytes(b"\x00\x00\x00\x18ftypmp42 warm-up")
        client.legacy.tasks.create(video_file=warmup)
        boundaries.append(_boundary(dict(fake.requests[-1].headers)["content-type"]))
        for name, payload in _payloads(boundaries[-1]).items():
            upload = tmp_path / f"{name}.mp4"
            upload.write_bytes(payload)
            created = client.legacy.tasks.create(video_file=upload)
            received = fake.uploads[-1]
            assert received.form_field == "video_file" and received.filename == upload.name
            assert received.sha256 == hashlib.sha256(payload).hexdigest(), name
            assert fake.task(created.id).model_name == "marengo3.0", f"{name}: a field was injected"
            boundaries.append(_boundary(dict(fake.requests[-1].headers)["content-type"]))
        # The legacy sync endpoint takes two files in one body: both arrive intact.
        audio, image = tmp_path / "audio.wav", tmp_path / "image.png"
        audio.write_bytes(_payloads(boundaries[-1])["previous-boundary"])
        image.write_bytes(_payloads(boundaries[-1])["old-fixed-boundary"])
        client.legacy.embeddings.create(audio_file=audio, image_file=image)
        by_field = {u.form_field: u for u in fake.uploads[-2:]}
        assert by_field["audio_file"].data == audio.read_bytes()
        assert by_field["image_file"].data == image.read_bytes()
    assert b"+++" not in boundaries and len(set(boundaries)) == len(boundaries), "boundaries must be random"


def test_upload_recording_is_opt_in() -> None:
    """A fake keeps no upload bytes unless asked to (uploads can be large)."""
    with EmbedFake() as fake, fake.client() as http:
        http.post(
            "/embed/tasks",
            files=[("model_name", (None, b"marengo3.0")), ("video_file", ("a.mp4", b"\x00\x01\x02", "video/mp4"))],
        )
        assert fake.uploads == [] and len(fake.tasks) == 1


def test_texts_of_reaches_the_cause_chain() -> None:
    """The guard's text extraction follows __cause__ and the request of a cause, so an error cannot hide a key there."""
    planted = "tlk_planted-0123456789"
    request = httpx.Request("GET", "https://a.test/", headers={"x-api-key": planted})
    try:
        try:
            raise httpx.ConnectError("boom", request=request)
        except httpx.ConnectError as inner:
            raise APIConnectionError("failed") from inner
    except APIConnectionError as error:
        assert any(planted in text for text in texts_of(error))
