"""The edges of the core rules that mutation testing found untested: zero and one, values exactly at a cap,
the documented defaults, and the rarer answer shapes (a 3xx without Location, RFC 7807 halves)."""

from __future__ import annotations

import dataclasses
import io
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from twelvelabs_embed import (
    APITimeoutError,
    AsyncEmbedClient,
    AuthenticationError,
    ConfigurationError,
    EmbedClient,
    PollPolicy,
    RateLimitError,
    ResponseParseError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    Timeouts,
    TransportError,
    ValidationError,
    WaitTimeoutError,
)
from twelvelabs_embed import _validation as v
from twelvelabs_embed._config import ApiKey, resolve_api_key, resolve_base_url
from twelvelabs_embed._errors import status_error_class
from twelvelabs_embed._exchange import (
    DEFAULT_MAX_RESPONSE_BYTES,
    EXTENSION,
    CallSettings,
    build_request,
    clip,
    deadline_of,
    deadline_scope,
    map_error,
    replayable,
    settings_of,
)
from twelvelabs_embed._polling import FINAL_POLL_GRACE, is_transient
from twelvelabs_embed._requests import legacy_embed_form, legacy_task_form
from twelvelabs_embed._responses import _redact, _redact_all
from twelvelabs_embed._retry import parse_retry_after
from twelvelabs_embed_generated.types import ApiRequest

from ._support import TASK_ID, FakeClock, Server, call, json_response, v2_task

MODES = ["sync", "async"]
README = Path(__file__).resolve().parents[2] / "README.md"


def get_task(client: Any) -> Any:
    return client.v2.tasks.retrieve(TASK_ID)


# ---------------------------------------------------------------- documented defaults
def _readme_defaults(name: str) -> dict[str, str]:
    """The `name(...)` defaults stated in README's configuration paragraph, as written."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"`\w+={name}\(([^`]*)\)`", text)
    assert match, f"README states no defaults for {name}"
    pairs = [part.strip() for part in match.group(1).split(",") if "=" in part]
    return dict(pair.split("=", 1) for pair in pairs)


def _seconds(text: str) -> float:
    return float(text[:-2]) * 3600 if text.endswith(" h") else float(text)


@pytest.mark.parametrize(
    "name, cls", [("Timeouts", Timeouts), ("RetryPolicy", RetryPolicy), ("PollPolicy", PollPolicy)]
)
def test_readme_states_the_real_defaults(name: str, cls: type) -> None:
    """Every default README gives for a policy is the value the class really has."""
    stated = _readme_defaults(name)
    assert stated, f"README lists no value for {name}"
    instance = cls()
    for field, value in stated.items():
        assert getattr(instance, field) == _seconds(value), f"README says {name}.{field}={value}"


def test_policy_defaults() -> None:
    """The defaults docstrings and docs describe: retries 3 x (0.5 s doubling to 8 s, 25% jitter, hints up
    to 60 s, on 408/429/5xx), polls every 2 s growing 1.5x to 60 s, a 4 h wait, a 600 s call."""
    retry = RetryPolicy()
    assert (retry.max_retries, retry.initial_delay, retry.multiplier, retry.max_delay) == (3, 0.5, 2.0, 8.0)
    assert (retry.jitter, retry.max_retry_after) == (0.25, 60.0)
    assert retry.statuses == frozenset({408, 429, 500, 502, 503, 504})
    poll = PollPolicy()
    assert (poll.initial_interval, poll.multiplier, poll.max_interval) == (2.0, 1.5, 60.0)
    assert (poll.max_delay_fraction, poll.jitter, poll.timeout) == (0.1, 0.1, 4 * 3600.0)
    assert Timeouts() == Timeouts(connect=10.0, read=60.0, write=60.0, pool=10.0, total=600.0)


# ---------------------------------------------------------------- RetryPolicy: zero and one
@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": 0},
        {"initial_delay": 0},
        {"max_delay": 0},
        {"max_retry_after": 0},
        {"multiplier": 1},
        {"jitter": 0},
        {"jitter": 1},
    ],
)
def test_retry_policy_accepts_its_boundaries(kwargs: dict[str, Any]) -> None:
    """0 retries, zero delays, a multiplier of exactly 1 and jitter of exactly 0 or 1 are valid."""
    policy = RetryPolicy(**kwargs)
    for name, value in kwargs.items():
        assert getattr(policy, name) == value


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"max_retries": True},
        {"max_retries": 1.0},
        {"initial_delay": -0.001},
        {"max_delay": -1},
        {"max_retry_after": -1},
        {"multiplier": 0.999},
        {"jitter": -0.001},
        {"jitter": 1.001},
    ],
)
def test_retry_policy_refuses_just_past_its_boundaries(kwargs: dict[str, Any]) -> None:
    """A hair past each boundary is a ConfigurationError naming the field."""
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)


def test_backoff_with_multiplier_one_and_no_jitter_is_constant() -> None:
    """multiplier=1 keeps every delay at initial_delay; jitter=0 ignores the random draw."""
    policy = RetryPolicy(initial_delay=0.7, multiplier=1, jitter=0)
    assert [policy.backoff(n, rand=lambda: 0.99) for n in range(5)] == [0.7] * 5


def test_backoff_jitter_one_can_reach_zero() -> None:
    """jitter=1 with a draw of 1 shortens a delay to 0; a draw of 0 leaves it whole."""
    policy = RetryPolicy(initial_delay=1, jitter=1)
    assert policy.backoff(0, rand=lambda: 1.0) == 0.0
    assert policy.backoff(0, rand=lambda: 0.0) == 1.0


def test_backoff_reaches_max_delay_exactly() -> None:
    """The n-th delay is initial * multiplier**n until it meets max_delay, then max_delay."""
    policy = RetryPolicy(initial_delay=1, multiplier=2, max_delay=4, jitter=0)
    assert [policy.backoff(n) for n in range(5)] == [1, 2, 4, 4, 4]


def test_one_retry_means_exactly_two_attempts() -> None:
    """max_retries=1: a retry after the first failure, none after the second."""
    policy = RetryPolicy(max_retries=1)
    busy = httpx.Response(503)
    assert policy.delay_for_response(busy, 0, creates=False, rand=lambda: 0.0) == 0.5
    assert policy.delay_for_response(busy, 1, creates=False) is None


def test_zero_retries_never_retry_anything() -> None:
    """max_retries=0: neither an answer nor a transport error is retried."""
    policy = RetryPolicy(max_retries=0)
    assert policy.delay_for_response(httpx.Response(429), 0, creates=False) is None
    assert policy.delay_for_error(httpx.ConnectError("x"), 0, creates=False) is None


def test_non_retryable_status_is_not_retried() -> None:
    """A status outside `statuses` (404, or 501 when the set says so) is returned as it is."""
    assert RetryPolicy().delay_for_response(httpx.Response(404), 0, creates=False) is None
    custom = RetryPolicy(statuses=frozenset({503}))
    assert custom.delay_for_response(httpx.Response(502), 0, creates=False) is None
    assert custom.delay_for_response(httpx.Response(503), 0, creates=False, rand=lambda: 0.0) == 0.5


def test_creating_requests_retry_only_429_and_unsent_errors() -> None:
    """A creating request is retried on 429 and on a connect failure, never on 5xx or a read error."""
    policy = RetryPolicy()
    assert policy.delay_for_response(httpx.Response(503), 0, creates=True) is None
    assert policy.delay_for_response(httpx.Response(429), 0, creates=True, rand=lambda: 0.0) == 0.5
    assert policy.delay_for_error(httpx.ConnectError("x"), 0, creates=True, rand=lambda: 0.0) == 0.5
    assert policy.delay_for_error(httpx.PoolTimeout("x"), 0, creates=True, rand=lambda: 0.0) == 0.5
    assert policy.delay_for_error(httpx.ReadError("x"), 0, creates=True) is None
    assert policy.delay_for_error(httpx.ReadError("x"), 0, creates=False, rand=lambda: 0.0) == 0.5


# ---------------------------------------------------------------- Retry-After: zero and the cap
@pytest.mark.parametrize("headers", [{"retry-after": "0"}, {"retry-after-ms": "0"}, {"retry-after": " 0 "}])
def test_zero_retry_after_means_retry_at_once(headers: dict[str, str]) -> None:
    """`Retry-After: 0` and `retry-after-ms: 0` are hints of 0 s, not "no hint" (the backoff is not used)."""
    assert parse_retry_after(headers) == 0.0
    policy = RetryPolicy(initial_delay=5)
    assert policy.delay_for_response(httpx.Response(429, headers=headers), 0, creates=False) == 0.0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("headers", [{"retry-after": "0"}, {"retry-after-ms": "0"}])
def test_zero_retry_after_retries_without_sleeping(mode: str, headers: dict[str, str]) -> None:
    """The client retries a 429 with a zero hint at once: one retry, no time slept."""
    clock = FakeClock()
    server = Server(json_response(429, {"message": "slow"}, **headers), json_response(200, v2_task()))
    call(mode, server, get_task, clock=clock)
    assert len(server.requests) == 2 and clock.sleeps == [0.0]


@pytest.mark.parametrize("headers", [{"retry-after": "60"}, {"retry-after-ms": "60000"}])
def test_a_hint_exactly_at_the_cap_is_waited(headers: dict[str, str]) -> None:
    """A hint equal to max_retry_after is honoured; a hint a millisecond longer is not."""
    policy = RetryPolicy()
    assert policy.delay_for_response(httpx.Response(503, headers=headers), 0, creates=False) == 60.0
    longer = {"retry-after-ms": "60001"}
    assert policy.delay_for_response(httpx.Response(503, headers=longer), 0, creates=False) is None


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon", ""])
def test_unusable_retry_after_falls_back_to_the_backoff(value: str) -> None:
    """A negative, non-finite or unreadable Retry-After is no hint: the backoff applies."""
    assert parse_retry_after({"retry-after": value}) is None
    assert parse_retry_after({"retry-after-ms": value}) is None
    policy = RetryPolicy()
    response = httpx.Response(503, headers={"retry-after": value})
    assert policy.delay_for_response(response, 0, creates=False, rand=lambda: 0.0) == 0.5


def test_retry_after_ms_wins_over_retry_after_and_a_bad_one_falls_through() -> None:
    """`retry-after-ms` is read first; when it is unusable, `Retry-After` still counts."""
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after-ms": "x", "retry-after": "9"}) == 9.0


def test_retry_after_dates_in_the_future_and_past() -> None:
    """An HTTP date is seconds from now; a date in the past means 0."""
    now = 1_700_000_000.0
    future = "Tue, 14 Nov 2023 22:13:40 GMT"  # now + 20 s
    assert parse_retry_after({"retry-after": future}, now=lambda: now) == pytest.approx(20.0)
    assert parse_retry_after({"retry-after": future}, now=lambda: now + 100) == 0.0


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_is_set_on_a_503(mode: str) -> None:
    """A 503 that is not retried (out of retries) carries the server's Retry-After as `retry_after`."""
    server = Server(json_response(503, {"message": "busy"}, **{"Retry-After": "7"}))
    with pytest.raises(ServerError) as info:
        call(mode, server, get_task, retry=RetryPolicy(max_retries=0))
    assert info.value.retry_after == 7.0 and info.value.status_code == 503


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_is_not_read_on_other_statuses(mode: str) -> None:
    """Only 429 and 503 carry `retry_after`; a 500 with the header leaves it None."""
    server = Server(json_response(500, {"message": "boom"}, **{"Retry-After": "7"}))
    with pytest.raises(ServerError) as info:
        call(mode, server, get_task, retry=RetryPolicy(max_retries=0))
    assert info.value.retry_after is None


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_on_a_429(mode: str) -> None:
    """A 429 past the cap carries `retry_after` as RateLimitError."""
    server = Server(json_response(429, {"message": "slow"}, **{"retry-after-ms": "61000"}))
    with pytest.raises(RateLimitError) as info:
        call(mode, server, get_task)
    assert info.value.retry_after == 61.0 and len(server.requests) == 1


# ---------------------------------------------------------------- PollPolicy: zero and one
@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_interval": 0},
        {"max_interval": 0},
        {"timeout": 0},
        {"multiplier": 0.999},
        {"jitter": 1},
        {"jitter": -0.001},
        {"max_delay_fraction": 0},
        {"initial_interval": True},
    ],
)
def test_poll_policy_refuses_its_boundaries(kwargs: dict[str, Any]) -> None:
    """Zero intervals and timeouts, a multiplier under 1, jitter of 1 and a zero fraction are refused."""
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        PollPolicy(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"multiplier": 1}, {"jitter": 0}, {"jitter": 0.999}, {"timeout": 0.001}, {"max_delay_fraction": 1}],
)
def test_poll_policy_accepts_its_boundaries(kwargs: dict[str, Any]) -> None:
    """A multiplier of exactly 1, jitter of 0 or just under 1, a tiny timeout and a fraction of 1 are valid."""
    policy = PollPolicy(**kwargs)
    for name, value in kwargs.items():
        assert getattr(policy, name) == value


def test_poll_interval_edges() -> None:
    """Poll 0 waits initial_interval; multiplier 1 keeps it; the caps apply exactly; jitter 0 ignores the draw."""
    flat = PollPolicy(initial_interval=3, multiplier=1, jitter=0, max_delay_fraction=1)
    assert [flat.interval(n, elapsed=1000, rand=lambda: 0.9) for n in range(4)] == [3, 3, 3, 3]
    grow = PollPolicy(initial_interval=1, multiplier=2, max_interval=4, jitter=0, max_delay_fraction=1)
    assert [grow.interval(n, elapsed=1000) for n in range(5)] == [1, 2, 4, 4, 4]
    # The fraction cap: 10% of 20 s waited is 2 s, below the exponential 8 s, never below initial_interval.
    frac = PollPolicy(initial_interval=1, multiplier=2, jitter=0)
    assert frac.interval(3, elapsed=20) == 2.0
    assert frac.interval(3, elapsed=0) == 1.0
    jittery = PollPolicy(initial_interval=2, jitter=0.5)
    assert jittery.interval(0, elapsed=0, rand=lambda: 1.0) == 1.0


@pytest.mark.parametrize("mode", MODES)
def test_a_one_poll_wait_reports_the_real_elapsed_time(mode: str) -> None:
    """A wait whose timeout is shorter than one interval polls once, sleeps only the time left, then polls
    the last time and raises WaitTimeoutError with the elapsed time."""
    clock = FakeClock()
    server = Server(default=lambda r: json_response(200, v2_task("processing")))
    with pytest.raises(Exception) as info:
        call(mode, server, lambda c: c.v2.tasks.wait(TASK_ID, timeout=0.5), clock=clock)
    error: Any = info.value
    assert type(error).__name__ == "WaitTimeoutError"
    assert clock.sleeps == [0.5] and len(server.requests) == 2
    assert error.elapsed == pytest.approx(0.5) and error.timeout == 0.5


# ---------------------------------------------------------------- a 3xx answer without Location
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_without_location_is_an_answer_not_a_loop(mode: str, status: int) -> None:
    """A 3xx without Location is not followed: it comes back as a typed status error after one request."""
    server = Server(httpx.Response(status, json={"message": "moved somewhere"}))
    with pytest.raises(Exception) as info:
        call(mode, server, get_task)
    error: Any = info.value
    assert type(error).__name__ == "APIStatusError" and error.status_code == status
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_redirect_to_a_non_http_scheme_is_not_followed(mode: str) -> None:
    """A Location with another scheme (file:, javascript:) is returned as the answer, never followed."""
    server = Server(httpx.Response(302, headers={"location": "file:///etc/passwd"}))
    with pytest.raises(Exception) as info:
        call(mode, server, get_task)
    assert getattr(info.value, "status_code", None) == 302 and len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_redirects_stop_after_ten_hops(mode: str) -> None:
    """A redirect loop is followed ten times, then the eleventh 3xx comes back as the answer."""
    loop = f"https://api.test/v1.3/embed-v2/tasks/{TASK_ID}"
    server = Server(default=lambda r: httpx.Response(307, headers={"location": loop}))
    with pytest.raises(Exception) as info:
        call(mode, server, get_task)
    assert getattr(info.value, "status_code", None) == 307 and len(server.requests) == 11


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "method"), [(301, "GET"), (302, "GET"), (303, "GET"), (307, "POST"), (308, "POST")])
def test_redirect_method_rules(mode: str, status: int, method: str) -> None:
    """301/302/303 turn a POST into a GET without a body; 307/308 keep the method and the body."""
    target = "https://api.test/v1.3/embed-v2/tasks"
    created = {"_id": TASK_ID, "status": "processing"}
    server = Server(httpx.Response(status, headers={"location": target}), json_response(200, created))
    call(mode, server, lambda c: c.v2.tasks.create(input_type="audio", url="https://example.com/a.mp3"))
    follow = server.requests[1]
    assert follow.method == method
    assert (follow.content != b"") == (method == "POST")


# ---------------------------------------------------------------- RFC 7807 halves
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"title": "Unauthorized"}, "Unauthorized", None),
        ({"detail": "token expired"}, "token expired", None),
        (
            {"type": "about:blank", "title": "Unauthorized", "detail": "token expired"},
            "Unauthorized - token expired",
            "about:blank",
        ),
        ({"title": "", "detail": "only detail"}, "only detail", None),
    ],
    ids=["title-only", "detail-only", "both", "empty-title"],
)
def test_problem_details_with_only_a_title_or_only_a_detail(
    mode: str, body: dict[str, Any], message: str, code: str | None
) -> None:
    """An RFC 7807 body gives its title and/or detail as the message, and its type as the code."""
    server = Server(httpx.Response(401, json=body, headers={"content-type": "application/problem+json"}))
    with pytest.raises(AuthenticationError) as info:
        call(mode, server, get_task)
    assert info.value.message == message and info.value.code == code


@pytest.mark.parametrize("mode", MODES)
def test_problem_details_with_neither_falls_back_to_the_reason(mode: str) -> None:
    """A problem body with an empty title and no detail has no message; the error shows the reason phrase."""
    server = Server(httpx.Response(401, json={"title": "", "detail": None}))
    with pytest.raises(AuthenticationError) as info:
        call(mode, server, get_task)
    assert info.value.message is None and info.value.code is None
    assert str(info.value) == "HTTP 401 Unauthorized"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b'{"code": "x"}', "x", None),
        (b'{"message": "m"}', None, "m"),
        (b'{"error": {"code": "c"}}', "c", None),
        (b"[1, 2]", None, "[1, 2]"),
        (b"", None, "X"),
        (b"<html>bad gateway</html>", None, "<html>bad gateway</html>"),
    ],
    ids=["code-only", "message-only", "nested-code-only", "json-array", "empty", "html"],
)
def test_error_body_shapes(mode: str, body: bytes, code: str | None, message: str | None) -> None:
    """Each error-body shape gives what it has: code, message, the JSON text, the page text or the reason."""
    server = Server(httpx.Response(401, content=body, extensions={"reason_phrase": b"X"}))
    with pytest.raises(AuthenticationError) as info:
        call(mode, server, get_task)
    assert info.value.code == code and info.value.message == message


# ---------------------------------------------------------------- uploads at the byte limit
def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def test_an_upload_exactly_at_the_limit_is_accepted_and_one_byte_more_refused(tmp_path: Path) -> None:
    """A legacy video of exactly 2 GiB passes validation; 2 GiB + 1 byte is refused naming the field."""
    limit = v.LEGACY_UPLOAD_MAX_BYTES
    at = legacy_task_form(
        model_name="marengo3.0",
        video_file=_sparse(tmp_path / "at.mp4", limit),
        video_url=None,
        video_start_offset_sec=None,
        video_end_offset_sec=None,
        video_clip_length=None,
        video_embedding_scope=None,
    )
    assert at.upload is not None and at.upload.size == limit
    with pytest.raises(ValidationError, match="video_file") as info:
        legacy_task_form(
            model_name="marengo3.0",
            video_file=_sparse(tmp_path / "over.mp4", limit + 1),
            video_url=None,
            video_start_offset_sec=None,
            video_end_offset_sec=None,
            video_clip_length=None,
            video_embedding_scope=None,
        )
    assert str(limit) in info.value.rule


def test_an_open_file_at_the_limit_is_accepted_and_one_byte_more_refused(tmp_path: Path) -> None:
    """The same limit applies to an open file object, before any request."""
    limit = v.BASE64_IMAGE_MAX_BYTES
    with _sparse(tmp_path / "at.png", limit).open("rb") as at:
        form = legacy_embed_form(
            model_name="marengo3.0",
            text=None,
            image_url=None,
            image_file=at,
            audio_url=None,
            audio_file=None,
            audio_start_offset_sec=None,
        )
        assert form.image is not None and form.image.size == limit
    with (
        _sparse(tmp_path / "over.png", limit + 1).open("rb") as over,
        pytest.raises(ValidationError, match="image_file"),
    ):
        legacy_embed_form(
            model_name="marengo3.0",
            text=None,
            image_url=None,
            image_file=over,
            audio_url=None,
            audio_file=None,
            audio_start_offset_sec=None,
        )


def test_upload_reader_hands_out_exactly_the_checked_size(tmp_path: Path) -> None:
    """The reader reads the checked size in the chunk sizes asked, reports it through seek/tell, and rewinds."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(256)) * 40)
    upload = v.upload("video_file", path, max_bytes=10_240)
    with v.open_upload(upload) as reader:
        assert reader is not None and reader.seekable()
        assert reader.seek(0, os.SEEK_END) == 10_240 and reader.tell() == 10_240
        assert reader.seek(0) == 0
        chunks = [reader.read(4096), reader.read(4096), reader.read(4096), reader.read(4096)]
        assert [len(c) for c in chunks] == [4096, 4096, 2048, 0]
        assert b"".join(chunks) == path.read_bytes()
        reader.seek(10)
        assert reader.read(2) == bytes([10, 11])


def test_upload_reader_of_unknown_size_stops_at_the_limit() -> None:
    """A stream whose size cannot be known is read up to the limit, then refused naming the field."""

    class Stream:
        mode = "rb"

        def read(self, n: int = -1) -> bytes:
            return b"\0" * (4 if n < 0 else n)

    upload = v.upload("audio_file", Stream(), max_bytes=10)
    assert upload.size is None
    with v.open_upload(upload) as reader:
        assert reader is not None and not reader.seekable()
        with pytest.raises(OSError):
            reader.tell()
        assert reader.read(6) == b"\0" * 6
        assert reader.read(4) == b"\0" * 4
        with pytest.raises(ValidationError, match="audio_file"):
            reader.read(1)


# ---------------------------------------------------------------- multipart whole numbers
@pytest.mark.parametrize("mode", MODES)
def test_multipart_form_sends_whole_numbers_as_integers(mode: str) -> None:
    """`video_clip_length=6.0` and whole offsets travel as `6`, `0`, `12` in the form; fractions stay fractions."""
    server = Server(json_response(200, {"_id": TASK_ID}), json_response(200, {"_id": TASK_ID}))
    call(
        mode,
        server,
        lambda c: c.legacy.tasks.create(
            video_url="https://example.com/v.mp4",
            video_clip_length=6.0,
            video_start_offset_sec=0.0,
            video_end_offset_sec=12.0,
        ),
    )
    fields = _form_fields(server.requests[0])
    assert fields["video_clip_length"] == "6"
    assert fields["video_start_offset_sec"] == "0" and fields["video_end_offset_sec"] == "12"
    call(
        mode,
        server,
        lambda c: c.legacy.tasks.create(video_url="https://example.com/v.mp4", video_clip_length=2.5),
    )
    assert _form_fields(server.requests[1])["video_clip_length"] == "2.5"


def _form_fields(request: httpx.Request) -> dict[str, str]:
    body = request.read().decode()
    return dict(re.findall(r'name="([^"]+)"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r]*)\r\n', body))


# ---------------------------------------------------------------- configuration edges
@pytest.mark.parametrize("port", [1, 65535])
def test_base_url_ports_at_the_ends_of_the_range_are_accepted(port: int) -> None:
    """Ports 1 and 65535 are valid."""
    assert resolve_base_url(f"http://127.0.0.1:{port}/v1.3", allow_insecure_http=False).port == port


@pytest.mark.parametrize("port", [0, 65536, 99999])
def test_base_url_ports_just_outside_the_range_are_refused(port: int) -> None:
    """Ports 0 and 65536 (and beyond) are a ConfigurationError naming the port."""
    with pytest.raises(ConfigurationError, match=f"invalid port {port}"):
        resolve_base_url(f"http://127.0.0.1:{port}/v1.3", allow_insecure_http=False)


def test_an_unparseable_base_url_is_refused_by_name() -> None:
    """A URL httpx cannot parse (an unclosed IPv6 bracket) is a ConfigurationError naming base_url."""
    with pytest.raises(ConfigurationError, match="base_url is not a valid URL"):
        resolve_base_url("http://[::1", allow_insecure_http=False)


@pytest.mark.parametrize("key", ["tlk_a b", "tlk_~", "~", " tlk_x"])
def test_keys_with_the_printable_ascii_ends_are_accepted(key: str) -> None:
    """Space (0x20) and tilde (0x7e), the ends of printable ASCII, may appear in a key."""
    assert resolve_api_key(key).reveal() == key.strip()


@pytest.mark.parametrize("key", ["tlk_\x1f", "tlk_\x7f", "tlk_\x80"])
def test_keys_just_outside_printable_ascii_are_refused(key: str) -> None:
    """0x1f, 0x7f and 0x80, just outside printable ASCII, are refused with the position, not the key."""
    with pytest.raises(ConfigurationError, match="position 5") as info:
        resolve_api_key(key)
    assert key not in str(info.value)


def test_api_key_equality_and_hash_follow_the_value() -> None:
    """Two ApiKey objects are equal (and hash alike) exactly when their values are; never equal to a str."""
    assert ApiKey("a") == ApiKey("a") and hash(ApiKey("a")) == hash(ApiKey("a"))
    assert ApiKey("a") != ApiKey("b") and ApiKey("a") != "a"
    assert len({ApiKey("a"), ApiKey("a"), ApiKey("b")}) == 2


def test_settings_objects_are_frozen() -> None:
    """Timeouts, RetryPolicy, PollPolicy and CallSettings cannot be changed after they are built."""
    settings = CallSettings(retry=RetryPolicy(), timeouts=Timeouts(), creates=False, deadline=1.0)
    for obj, name in (
        (Timeouts(), "read"),
        (RetryPolicy(), "max_retries"),
        (PollPolicy(), "timeout"),
        (settings, "deadline"),
    ):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, 1)


def test_default_byte_cap_is_one_gibibyte() -> None:
    """max_response_bytes defaults to 1 GiB (2**30), the documented cap, for both clients."""
    assert DEFAULT_MAX_RESPONSE_BYTES == 1 << 30
    for make in (EmbedClient, AsyncEmbedClient):
        assert make("k", base_url="http://127.0.0.1:9/v1.3").max_response_bytes == 1 << 30
    assert (
        CallSettings(retry=RetryPolicy(), timeouts=Timeouts(), creates=False, deadline=1.0).max_response_bytes
        == 1 << 30
    )


# ---------------------------------------------------------------- the exchange's pure parts
def _built() -> httpx.Request:
    clock = FakeClock()
    settings = CallSettings(retry=RetryPolicy(), timeouts=Timeouts(), creates=False, deadline=1010.0, clock=clock)
    return httpx.Request("GET", "https://api.test/v1.3/x", extensions={EXTENSION: settings})


def test_settings_and_deadline_of_a_request() -> None:
    """A request built by the client yields its settings and (clock, deadline); any other request does not."""
    request = _built()
    assert settings_of(request).deadline == 1010.0
    clock, deadline = deadline_of(request) or (None, None)
    assert deadline == 1010.0 and clock is not None and clock() == 1000.0
    foreign = httpx.Request("GET", "https://api.test/")
    assert deadline_of(foreign) is None
    with pytest.raises(TypeError):
        settings_of(foreign)


def test_clip_shortens_timeouts_to_the_time_left() -> None:
    """Outside a deadline scope `clip` returns the timeout as it is; inside, the smaller of it and the time
    left (the time left for no timeout); at or past the deadline it raises the given error."""
    clock = FakeClock()
    assert clip(5.0, TimeoutError) == 5.0 and clip(None, TimeoutError) is None
    with deadline_scope((clock, 1003.0)):
        assert clip(5.0, TimeoutError) == 3.0
        assert clip(2.0, TimeoutError) == 2.0
        assert clip(None, TimeoutError) == 3.0
        clock.now = 1003.0
        with pytest.raises(TimeoutError, match="deadline"):
            clip(5.0, TimeoutError)
        clock.now = 1004.0
        with pytest.raises(TimeoutError):
            clip(None, TimeoutError)
    assert clip(5.0, TimeoutError) == 5.0  # the scope ended


def test_map_error_cases() -> None:
    """An EmbedError passes through; a closed client is a ConfigurationError; header text from h11 is hidden;
    long messages are cut to 200 characters; timeouts and other errors get their classes."""
    request = _built()
    own = ValidationError("f", "rule")
    assert map_error(own, request) is own
    closed = map_error(RuntimeError("Cannot send a request, as the client has been closed."), request)
    assert isinstance(closed, ConfigurationError) and "closed" in str(closed)
    loop = map_error(RuntimeError("bound to a different event loop"), request)
    assert type(loop).__name__ == "APIConnectionError" and "different event loop" in str(loop)
    hidden = map_error(httpx.LocalProtocolError("Illegal header value b'secret'"), request)
    assert "secret" not in str(hidden) and "an invalid header" in str(hidden)
    long = map_error(httpx.ReadError("x" * 500), request)
    assert "x" * 200 in str(long) and "x" * 201 not in str(long)
    assert type(map_error(httpx.ReadTimeout("t"), request)).__name__ == "APITimeoutError"
    oserror = map_error(OSError(5, "Input/output error"), request)
    assert "Input/output error" in str(oserror) and oserror.request is request


@pytest.mark.parametrize("mode", MODES)
def test_a_redirect_to_another_scheme_with_a_host_is_not_followed(mode: str) -> None:
    """`ftp://host/...` has a host but not an http(s) scheme: the 3xx is the answer, nothing is followed."""
    server = Server(httpx.Response(302, headers={"location": "ftp://files.example/x"}))
    with pytest.raises(Exception) as info:
        call(mode, server, get_task)
    assert getattr(info.value, "status_code", None) == 302 and len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "kept"), [(303, False), (302, False), (307, True), (308, True)])
def test_a_redirect_drops_or_keeps_the_body_headers(mode: str, status: int, kept: bool) -> None:
    """A redirect that turns a POST into a GET drops Content-Length and Content-Type; 307/308 keep them."""
    target = "https://api.test/v1.3/embed-v2/tasks"
    created = {"_id": TASK_ID, "status": "processing"}
    server = Server(httpx.Response(status, headers={"location": target}), json_response(200, created))
    call(mode, server, lambda c: c.v2.tasks.create(input_type="audio", url="https://example.com/a.mp3"))
    first, follow = server.requests
    for name in ("content-length", "content-type"):
        assert (name in follow.headers) == kept
        if kept:
            assert follow.headers[name] == first.headers[name]


def test_a_request_that_cannot_be_built_is_a_transport_error() -> None:
    """Arguments httpx cannot encode become a TransportError naming the operation, before anything is sent."""
    bad = ApiRequest(
        operation="made_up",
        success="EmbeddingTask",
        kwargs={"method": "post", "url": "/x", "json": {"a": {1, 2}}},  # a set is not JSON
        parse_success=lambda body: body,
    )
    settings = CallSettings(retry=RetryPolicy(), timeouts=Timeouts(), creates=False, deadline=1.0)
    with httpx.Client() as http, pytest.raises(TransportError, match="cannot build the made_up request"):
        build_request(http, httpx.URL("https://api.test/v1.3"), bad, settings)


# ---------------------------------------------------------------- waits: the grace and what is transient
@pytest.mark.parametrize("mode", MODES)
def test_every_poll_of_a_wait_ends_by_the_wait_deadline_plus_the_grace(mode: str) -> None:
    """Each poll's request carries the wait's deadline plus FINAL_POLL_GRACE (0.5 s), not the call's own."""
    assert FINAL_POLL_GRACE == 0.5
    clock = FakeClock()
    server = Server(default=lambda r: json_response(200, v2_task("processing")))
    with pytest.raises(WaitTimeoutError):
        call(mode, server, lambda c: c.v2.tasks.wait(TASK_ID, timeout=3), clock=clock)
    deadlines = {request.extensions[EXTENSION].deadline for request in server.requests}
    assert deadlines == {1000.0 + 3 + 0.5} and len(server.requests) >= 2


def test_what_a_wait_absorbs() -> None:
    """Transport errors, unreadable bodies, 408, 429 and 5xx are transient; other statuses, a body over the
    cap, a configuration or validation error are not."""
    response = httpx.Response(500, request=httpx.Request("GET", "https://api.test/"))

    def status(code: int) -> Any:
        return status_error_class(code)(
            response=httpx.Response(code, request=response.request), code=None, message=None
        )

    transient = [
        TransportError("x"),
        ResponseParseError("x", response=response),
        *(status(code) for code in (408, 429, 500, 503, 599)),
    ]
    fatal = [
        *(status(code) for code in (400, 401, 404, 409, 499)),
        ResponseTooLargeError("x", response=response, limit=1),
        ConfigurationError("closed"),
        ValidationError("f", "r"),
    ]
    assert all(is_transient(error) for error in transient)
    assert not any(is_transient(error) for error in fatal)


@pytest.mark.parametrize("mode", MODES)
def test_a_poll_over_the_byte_cap_ends_the_wait_at_once(mode: str) -> None:
    """A status answer larger than max_response_bytes is not retried by the wait: it is raised."""
    clock = FakeClock()
    big = json_response(200, {**v2_task("processing"), "pad": "x" * 2000})
    server = Server(default=lambda r: big)
    with pytest.raises(ResponseTooLargeError):
        call(mode, server, lambda c: c.v2.tasks.wait(TASK_ID, timeout=60), clock=clock, max_response_bytes=1000)
    assert len(server.requests) == 1 and clock.sleeps == []


# ---------------------------------------------------------------- responses: redaction, cuts, the 2xx range
def test_redaction_walks_details_and_leaves_other_values() -> None:
    """The key is replaced in every string of the details (keys too), numbers and nulls stay; no key, no change."""
    key = ApiKey("tlk_SECRET")
    details = {"k": "tlk_SECRET!", "tlk_SECRET": 1, "n": [None, "x tlk_SECRET", 2.5, {"d": ["tlk_SECRET"]}], "b": True}
    assert _redact_all(details, key) == {
        "k": "****!",
        "****": 1,
        "n": [None, "x ****", 2.5, {"d": ["****"]}],
        "b": True,
    }
    assert _redact_all(details, None) is details
    assert _redact("tlk_SECRET", None) == "tlk_SECRET" and _redact(None, key) is None
    assert _redact("no secret here", key) == "no secret here"


@pytest.mark.parametrize("mode", MODES)
def test_long_error_texts_are_cut(mode: str) -> None:
    """A non-JSON error page is shown up to 200 characters, and so is a JSON body of another shape."""
    server = Server(
        httpx.Response(502, content=b"<html>" + b"x" * 1000),
        httpx.Response(502, json=["y" * 1000]),
    )
    for expected in ("<html>" + "x" * 194, '["' + "y" * 198):
        with pytest.raises(ServerError) as info:
            call(mode, server, get_task, retry=RetryPolicy(max_retries=0))
        assert info.value.message == expected


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [199, 300])
def test_statuses_just_outside_2xx_are_errors(mode: str, status: int) -> None:
    """199 and 300 are not successes: they raise APIStatusError, even with a valid task body."""
    server = Server(json_response(status, v2_task()))
    with pytest.raises(Exception) as info:
        call(mode, server, get_task)
    assert type(info.value).__name__ == "APIStatusError" and getattr(info.value, "status_code", None) == status


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [200, 201, 299])
def test_every_2xx_is_read_as_the_success_model(mode: str, status: int) -> None:
    """Whatever 2xx code the server chose, the body is the operation's success model."""
    server = Server(json_response(status, v2_task()))
    assert call(mode, server, get_task).id == TASK_ID


def test_replayable_bodies() -> None:
    """Bytes and seekable files can be sent again; an unseekable file, or one whose seekable() fails, cannot."""

    class Broken:
        def read(self, n: int = -1) -> bytes:
            return b""

        def seekable(self) -> bool:
            raise ValueError("I/O operation on closed file")

    class Pipe(Broken):
        def seekable(self) -> bool:
            return False

    request = _built()
    assert replayable(request, {}) is True
    assert replayable(request, {"files": [("a", (None, b"x", "text/plain")), ("b", "raw")]}) is True
    assert replayable(request, {"files": [("f", ("n", io.BytesIO(b"x"), "video/mp4"))]}) is True
    assert replayable(request, {"files": [("f", ("n", Pipe(), "video/mp4"))]}) is False
    assert replayable(request, {"files": [("f", ("n", Broken(), "video/mp4"))]}) is False
    assert replayable(request, {"files": [("f", ("n", object(), "video/mp4"))]}) is False


# ---------------------------------------------------------------- validation: limits, base64 and readers
def test_size_limits_are_the_documented_ones() -> None:
    """The limits embed-api.md states: a 2 GB legacy video, 36 MB base64 audio/video, 32 MB images, 512 MB
    documents (binary units, as the API counts them)."""
    assert v.LEGACY_UPLOAD_MAX_BYTES == 2 * 1024**3
    assert v.BASE64_AV_MAX_BYTES == 36 * 1024**2
    assert v.BASE64_IMAGE_MAX_BYTES == 32 * 1024**2
    assert v.BASE64_DOCUMENT_MAX_BYTES == 512 * 1024**2


@pytest.mark.parametrize(("payload", "decoded"), [("AAAA", 3), ("AAA=", 2), ("AA==", 1), (" AAAAAA== ", 4)])
def test_base64_at_and_just_over_the_limit(payload: str, decoded: int) -> None:
    """Base64 decoding to exactly the limit is accepted (and returned stripped); one byte less of limit refuses it."""
    assert v.base64_payload("base64_string", payload, max_decoded_bytes=decoded) == payload.strip()
    with pytest.raises(ValidationError, match=f"decodes to about {decoded} bytes"):
        v.base64_payload("base64_string", payload, max_decoded_bytes=decoded - 1)


def test_a_bad_timestamp_string_is_named_as_such() -> None:
    """A string that is not RFC 3339 is refused as a date-time, not as a wrong type."""
    with pytest.raises(ValidationError, match="must be an RFC 3339 date-time, got 'yesterday'"):
        v.timestamp("started_at", "yesterday")


def test_a_checked_upload_cannot_be_changed() -> None:
    """LocalFile and the spec ranges are frozen: what was checked is what is sent."""
    upload = v.LocalFile("video_file", "v.mp4", size=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        upload.size = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.CLIP_LENGTH.maximum = 11  # type: ignore[misc]


def test_an_endless_reader_hands_out_one_chunk_at_a_time() -> None:
    """read() without a size returns one 64 KiB chunk of a stream whose size is unknown."""

    class Zeros:
        mode = "rb"

        def read(self, n: int = -1) -> bytes:
            return bytes(n if n >= 0 else 10)

    with v.open_upload(v.upload("video_file", Zeros(), max_bytes=1 << 20)) as reader:
        assert reader is not None and reader.CHUNK == 64 * 1024
        assert len(reader.read()) == 64 * 1024


def test_a_pipe_is_read_as_data_arrives_and_waited_for_only_until_the_deadline() -> None:
    """A pipe (no size) is read with what has arrived (never blocking for a full chunk); when nothing comes,
    the read ends at the call's deadline with APITimeoutError."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as source, os.fdopen(write_end, "wb", buffering=0) as sink:
        upload = v.upload("video_file", source, max_bytes=1 << 20)
        assert upload.size is None
        sink.write(b"abc")
        clock = FakeClock()
        with v.open_upload(upload) as reader, deadline_scope((clock, 1000.2)):
            assert reader is not None
            assert reader.read(65536) == b"abc"
            with pytest.raises(APITimeoutError, match="video_file"):
                reader.read(65536)
