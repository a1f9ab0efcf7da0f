"""Configuration and secrecy: API key and base URL resolution, injected I/O, logging, reprs, redirects, User-Agent."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

import twelvelabs_embed
from twelvelabs_embed import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    ApiKey,
    AsyncEmbedClient,
    AuthenticationError,
    ConfigurationError,
    EmbedClient,
    PollPolicy,
    ValidationError,
)

from ._support import API_KEY, BASE_URL, NO_RETRY, TASK_ID, FakeClock, Server, call, json_response, make_client, v2_task

MODES = ["sync", "async"]


def ok_task() -> httpx.Response:
    return json_response(200, v2_task("ready", data=[]))


def sent_key(api_key: str | None = None, **kwargs: Any) -> str | None:
    """The x-api-key header of one request made by a client built with these arguments."""
    server = Server(ok_task())
    with EmbedClient(api_key, transport=server.transport(), **kwargs) as client:
        client.v2.tasks.retrieve(TASK_ID)
    return server.requests[0].headers.get("x-api-key")


# ---------------------------------------------------------------- API key
def test_api_key_from_argument() -> None:
    """An explicit `api_key` is sent as `x-api-key`."""
    assert sent_key("explicit-key") == "explicit-key"


def test_api_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an argument the key comes from TWELVELABS_API_KEY."""
    monkeypatch.setenv(API_KEY_ENV, "env-key")
    assert sent_key() == "env-key"


def test_explicit_api_key_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit key wins over the environment variable."""
    monkeypatch.setenv(API_KEY_ENV, "env-key")
    assert sent_key("explicit-key") == "explicit-key"


def test_missing_api_key_is_a_clear_configuration_error() -> None:
    """With neither an argument nor the variable, construction fails naming both ways to give a key."""
    with pytest.raises(ConfigurationError) as info:
        EmbedClient()
    assert API_KEY_ENV in str(info.value) and "api_key" in str(info.value)
    with pytest.raises(ConfigurationError):
        AsyncEmbedClient()


@pytest.mark.parametrize("value", ["", "   ", "key\nX-Evil: 1", "key\r\n"])
def test_blank_or_header_breaking_key_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """An empty key, or one with a line break, is refused before it could reach a header."""
    with pytest.raises(ConfigurationError):
        EmbedClient(value)
    monkeypatch.setenv(API_KEY_ENV, value)
    with pytest.raises(ConfigurationError, match=API_KEY_ENV):
        EmbedClient()


def test_api_key_object_is_accepted() -> None:
    """An `ApiKey` instance works as the key."""
    assert sent_key(ApiKey("wrapped-key")) == "wrapped-key"


# ---------------------------------------------------------------- base URL
def request_url(**kwargs: Any) -> str:
    server = Server(ok_task())
    with EmbedClient(API_KEY, transport=server.transport(), **kwargs) as client:
        client.v2.tasks.retrieve(TASK_ID)
    return str(server.requests[0].url)


def test_default_base_url_is_production() -> None:
    """Without configuration requests go to the production API."""
    assert DEFAULT_BASE_URL == "https://api.twelvelabs.io/v1.3"
    assert request_url() == f"{DEFAULT_BASE_URL}/embed-v2/tasks/{TASK_ID}"


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """TWELVELABS_BASE_URL replaces the default."""
    monkeypatch.setenv(BASE_URL_ENV, "https://eu.api.example/v1.3")
    assert request_url() == f"https://eu.api.example/v1.3/embed-v2/tasks/{TASK_ID}"


def test_explicit_base_url_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit `base_url` wins over TWELVELABS_BASE_URL, and a trailing slash is harmless."""
    monkeypatch.setenv(BASE_URL_ENV, "https://eu.api.example/v1.3")
    assert (
        request_url(base_url="https://us.api.example/v1.3/") == f"https://us.api.example/v1.3/embed-v2/tasks/{TASK_ID}"
    )


@pytest.mark.parametrize(
    "url", ["http://api.twelvelabs.io/v1.3", "http://10.0.0.5:8080", "http://example.com", "http://127.0.0.1.nip.io"]
)
def test_plain_http_to_remote_host_is_refused(url: str) -> None:
    """Plain http to a non-loopback host is refused, since the key would travel in clear text."""
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        EmbedClient(API_KEY, base_url=url)
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        AsyncEmbedClient(API_KEY, base_url=url)


def test_plain_http_from_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The http rule applies to a base URL from the environment too, and names the variable."""
    monkeypatch.setenv(BASE_URL_ENV, "http://api.example.com")
    with pytest.raises(ConfigurationError, match=BASE_URL_ENV):
        EmbedClient(API_KEY)


def test_plain_http_allowed_when_asked() -> None:
    """`allow_insecure_http=True` permits plain http to a remote host."""
    assert request_url(base_url="http://10.0.0.5:8080/v1.3", allow_insecure_http=True).startswith("http://10.0.0.5")


@pytest.mark.parametrize("url", ["http://localhost:4010", "http://127.0.0.1:4010", "http://[::1]:4010"])
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    """Plain http to a loopback host (a local fake or mock server) needs no opt-in."""
    assert request_url(base_url=url).startswith(url)


@pytest.mark.parametrize("url", ["ftp://api.example.com", "api.example.com", "https://", "not a url at all"])
def test_malformed_base_url_is_refused(url: str) -> None:
    """A base URL that is not http(s) with a host is refused."""
    with pytest.raises(ConfigurationError):
        EmbedClient(API_KEY, base_url=url)


# ---------------------------------------------------------------- injected I/O
def test_injected_transport_carries_every_request() -> None:
    """A `transport=` receives the client's requests (with the key added)."""
    server = Server(ok_task())
    with make_client(server) as client:
        client.v2.tasks.retrieve(TASK_ID)
    assert server.requests[0].headers["x-api-key"] == API_KEY


@pytest.mark.parametrize("mode", MODES)
def test_injected_http_client_is_used_with_key_and_retries(mode: str) -> None:
    """An `http_client=` is used for the requests, gains the key and keeps the client's retries."""
    server, clock = Server(httpx.Response(503), ok_task()), FakeClock()

    if mode == "sync":
        own = httpx.Client(transport=httpx.MockTransport(server))
        with EmbedClient(API_KEY, base_url=BASE_URL, http_client=own, sleep=clock.sleep, rand=lambda: 0.0) as client:
            client.v2.tasks.retrieve(TASK_ID)
        assert own.is_closed
    else:

        async def main() -> None:
            own = httpx.AsyncClient(transport=httpx.MockTransport(server))
            async with AsyncEmbedClient(
                API_KEY, base_url=BASE_URL, http_client=own, sleep=clock.asleep, rand=lambda: 0.0
            ) as client:
                await client.v2.tasks.retrieve(TASK_ID)

        asyncio.run(main())
    assert [str(r.url) for r in server.requests] == [f"{BASE_URL}/embed-v2/tasks/{TASK_ID}"] * 2
    assert all(r.headers["x-api-key"] == API_KEY for r in server.requests)
    assert clock.sleeps == [0.5]


def test_transport_and_http_client_together_are_refused() -> None:
    """Passing both `transport` and `http_client` is ambiguous and refused."""
    with pytest.raises(ConfigurationError, match="not both"):
        EmbedClient(API_KEY, transport=httpx.MockTransport(lambda r: ok_task()), http_client=httpx.Client())


@pytest.mark.parametrize("name", ["timeouts", "retry", "poll"])
def test_policy_arguments_are_type_checked(name: str) -> None:
    """A policy argument of the wrong type is refused at construction."""
    with pytest.raises(ConfigurationError, match=name):
        EmbedClient(API_KEY, **{name: 5})


# ---------------------------------------------------------------- User-Agent
@pytest.mark.parametrize("mode", MODES)
def test_user_agent_names_package_and_version(mode: str) -> None:
    """Requests carry a User-Agent naming this package and its version (not httpx's default)."""
    server = Server(ok_task())
    call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID))
    agent = server.requests[0].headers["user-agent"]
    assert agent.startswith(f"twelvelabs-embed/{twelvelabs_embed.__version__}")
    assert "python-httpx" not in agent


def test_user_agent_on_injected_http_client() -> None:
    """An injected httpx client's default User-Agent is replaced, but one the caller set is kept."""
    for headers, expected in (({}, "twelvelabs-embed/"), ({"user-agent": "my-app/2.0"}, "my-app/2.0")):
        server = Server(ok_task())
        own = httpx.Client(transport=httpx.MockTransport(server), headers=headers)
        with EmbedClient(API_KEY, base_url=BASE_URL, http_client=own) as client:
            client.v2.tasks.retrieve(TASK_ID)
        assert server.requests[0].headers["user-agent"].startswith(expected)


# ---------------------------------------------------------------- redirects
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/v1.3/embed-v2/tasks/x",
        "http://api.test/v1.3/embed-v2/tasks/x",
        "https://api.test:8443/v1.3/embed-v2/tasks/x",
    ],
    ids=["other-host", "downgraded-scheme", "other-port"],
)
def test_key_is_not_sent_across_origins_on_redirect(mode: str, target: str) -> None:
    """A redirect to another origin (host, scheme or port) is followed without the API key."""
    server = Server(httpx.Response(302, headers={"location": target}), ok_task())
    call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID))
    first, second = server.requests
    assert first.headers["x-api-key"] == API_KEY
    assert str(second.url) == target
    assert "x-api-key" not in second.headers
    assert API_KEY not in str(second.headers.raw)


@pytest.mark.parametrize("mode", MODES)
def test_key_is_kept_on_same_origin_redirect(mode: str) -> None:
    """A redirect within the API's origin keeps the key (the stripping is origin-specific)."""
    server = Server(httpx.Response(307, headers={"location": f"{BASE_URL}/embed-v2/tasks/moved"}), ok_task())
    call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID))
    assert server.requests[1].headers["x-api-key"] == API_KEY


# ---------------------------------------------------------------- the key never shows
def test_client_repr_and_str_hide_the_key() -> None:
    """repr/str of the clients, their resources, their httpx client and ApiKey never contain the key."""
    with make_client() as client:
        texts = [repr(client), str(client), repr(client.v2.tasks), repr(client._http), repr(vars(client))]
    aclient = AsyncEmbedClient(API_KEY, base_url=BASE_URL)
    texts += [repr(aclient), str(aclient), repr(ApiKey(API_KEY)), str(ApiKey(API_KEY)), f"{ApiKey(API_KEY)}"]
    asyncio.run(aclient.aclose())
    for text in texts:
        assert API_KEY not in text
    assert "****" in repr(client)


def test_api_key_cannot_be_pickled() -> None:
    """The key object refuses to be pickled, so it cannot leak through a serialized client."""
    with pytest.raises(TypeError):
        pickle.dumps(ApiKey(API_KEY))


def test_errors_never_show_the_key() -> None:
    """str, repr and the formatted traceback of status, transport and validation errors never contain the key."""
    server = Server(
        json_response(401, {"code": "api_key_invalid", "message": "The API key is invalid."}),
        httpx.ConnectError,
    )
    errors: list[BaseException] = []
    with make_client(server, retry=NO_RETRY) as client:
        for op in (
            lambda: client.v2.tasks.retrieve(TASK_ID),
            lambda: client.v2.tasks.retrieve(TASK_ID),
            lambda: client.v2.tasks.retrieve(API_KEY + "/x"),
        ):
            try:
                op()
            except Exception as error:
                errors.append(error)
    assert type(errors[0]) is AuthenticationError
    assert isinstance(errors[2], ValidationError)
    assert server.requests[0].headers["x-api-key"] == API_KEY  # the key was really sent
    for error in errors[:2]:
        rendered = [str(error), repr(error), "".join(traceback.format_exception(error))]
        for text in rendered:
            assert API_KEY not in text


# ---------------------------------------------------------------- logging
class _Handler(BaseHTTPRequestHandler):
    """Answers from the server's script; records what it received."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen_keys.append(self.headers.get("x-api-key"))  # type: ignore[attr-defined]
        status, body, headers = self.server.script.pop(0)  # type: ignore[attr-defined]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.script = []  # type: ignore[attr-defined]
    server.seen_keys = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_debug_logs_of_requests_retries_and_waits_never_contain_the_key(
    local_server: ThreadingHTTPServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Over a real loopback connection, DEBUG logs (ours, httpx's, httpcore's) cover the calls, never the key."""
    local_server.script.extend(  # type: ignore[attr-defined]
        [
            (202, {"_id": TASK_ID, "status": "processing"}, {}),
            (503, {"code": "unavailable", "message": "later"}, {}),
            (200, v2_task("processing"), {}),
            (200, v2_task("ready", data=[]), {}),
            (200, {"_id": TASK_ID}, {}),
            (401, {"code": "api_key_invalid", "message": "bad key"}, {"x-request-id": "r1"}),
        ]
    )
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"fake video bytes")
    for name in ("", "twelvelabs_embed", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    clock = FakeClock()
    host, port = local_server.server_address[:2]
    with EmbedClient(
        API_KEY,
        base_url=f"http://{host}:{port}/v1.3",
        sleep=clock.sleep,
        clock=clock,
        rand=lambda: 0.0,
        poll=PollPolicy(initial_interval=1, jitter=0),
    ) as client:
        task = client.v2.tasks.create(input_type="video", url="https://m.example/v.mp4")
        client.v2.tasks.wait(task.id)
        client.legacy.tasks.create(video_file=video)
        with pytest.raises(AuthenticationError):
            client.legacy.tasks.status(TASK_ID)

    assert local_server.seen_keys == [API_KEY] * 6  # type: ignore[attr-defined]
    names = {record.name.split(".")[0] for record in caplog.records}
    assert {"twelvelabs_embed", "httpx", "httpcore"} <= names
    ours = [r.getMessage() for r in caplog.records if r.name == "twelvelabs_embed"]
    assert any("retry" in m for m in ours), ours
    assert any(TASK_ID in m and "next poll" in m for m in ours), ours
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in repr(record.args)
    assert API_KEY not in caplog.text


class _RecordingProxy(BaseHTTPRequestHandler):
    """A loopback HTTP proxy stand-in: records each request line and key, answers a v2 task."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("x-api-key")))
        body = json.dumps({"_id": TASK_ID, "status": "processing"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_environment_proxy_is_used_and_wrapped(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY from the environment is honoured, and the proxied request still carries the key for its origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _RecordingProxy.seen.clear()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    base = "http://api.proxied.example/v1.3"
    try:
        if mode == "sync":
            with EmbedClient("proxy-key", base_url=base, allow_insecure_http=True) as client:
                task = client.v2.tasks.retrieve(TASK_ID)
        else:

            async def run() -> Any:
                async with AsyncEmbedClient("proxy-key", base_url=base, allow_insecure_http=True) as client:
                    return await client.v2.tasks.retrieve(TASK_ID)

            task = asyncio.run(run())
    finally:
        server.shutdown()
        thread.join(5)
    assert task.id == TASK_ID
    assert _RecordingProxy.seen == [(f"{base}/embed-v2/tasks/{TASK_ID}", "proxy-key")]
