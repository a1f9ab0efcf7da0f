"""Hostile servers on loopback against the sync client, the async client and the CLI.

Each case is a real server (tests/robustness/_hostile.py) that drips, never answers, never ends, bombs,
overflows, nests, loops or echoes the key. Every run must end within its bound, raise nothing but the
`EmbedError` subclass the case names (never MemoryError, RecursionError, OverflowError, RuntimeError or an
h11 error), keep its memory bounded (the peak of traced Python allocations during the call, with
tracemalloc; the CLI's peak RSS), and never show the API key (the autouse secret guard checks logs,
errors and their chains; the CLI's stdout and stderr are searched). The CLI is only asked to fail
cleanly: a non-zero exit (zero where the right answer is a success), no traceback, no key, in time.

The figures of each run go to reports/hostile.json; scripts/robustness_report.py renders them as the
table of docs/ROBUSTNESS.md §7.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from twelvelabs_embed import (
    API_KEY_ENV,
    BASE_URL_ENV,
    APIConnectionError,
    APITimeoutError,
    AsyncEmbedClient,
    AuthenticationError,
    BadRequestError,
    EmbedClient,
    EmbedError,
    RateLimitError,
    ResponseParseError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    Timeouts,
    ValidationError,
    WaitTimeoutError,
)

from ._hostile import Exchange, HostileServer, gzip_bomb_blocks
from ._support import API_KEY, KEY_CORE, SecretGuard, write_report

CLI = Path(sys.executable).parent / "twelvelabs-embed"
TASK_ID = "64f8d2c7e4a1b37f8a9c5d12"
MiB = 1024 * 1024
#: The byte cap the library runs use; the endless and bomb cases must stop near it.
CAP = 10 * MiB
#: Traced allocations a capped call may reach: the cap, a decoded chunk in flight, and the join.
MEMORY_BOUND = 100 * MiB
#: What a CLI run may take beyond a library call's bound: starting Python and importing the package,
#: with the other CLI cases running beside it on two shared cores (the healthy baseline runs, under the
#: same load, are reported next to the figures).
CLI_STARTUP = 10.0
#: CLI cases run side by side (most of their time is spent waiting on a hostile server).
CLI_WORKERS = 6
#: A wait's promise: `wait(timeout=T)` ends by T + 1 s.
WAIT = 1.5

RESULTS: dict[str, dict[str, Any]] = {}


def _task(status: str = "processing") -> dict[str, Any]:
    return {"_id": TASK_ID, "status": status, "data": None}


# ---------------------------------------------------------------- behaviours
async def drip_head(x: Exchange) -> bool:
    """A status line and an endless header block, one byte every 0.5 s."""
    await x.drip(b"HTTP/1.1 200 OK\r\n" + b"x-drip: 1\r\n" * 10_000, 0.5)
    return False


async def drip_body(x: Exchange) -> bool:
    """A complete head, then a valid ~200-byte task one byte every 0.5 s (it would take 100 s)."""
    body = json.dumps({**_task(), "padding": "x" * 150}).encode()
    await x.send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body))
    await x.drip(body, 0.5)
    return True


async def silent(x: Exchange) -> bool:
    """Accept, read the request, never answer."""
    await asyncio.sleep(3600)
    return False


def retry_after(status: int, value: str) -> Callable[[Exchange], Any]:
    async def behaviour(x: Exchange) -> bool:
        return await x.answer(status, {"code": "busy", "message": "come back later"}, retry_after=value)

    return behaviour


async def endless(x: Exchange) -> bool:
    """A chunked 200 whose body never ends (a JSON array that never closes), as fast as the client reads."""
    await x.send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
    payload = b"[" + b"0," * 32_000
    chunk = b"%x\r\n%s\r\n" % (len(payload), payload)
    while True:
        await x.send(chunk)


BOMB_BLOCKS = 10 * 1024  # 1 MiB of zeros per ~1 KiB block: a ~10 MB body that inflates to 10 GiB


async def gzip_bomb(x: Exchange) -> bool:
    """A 10 MB gzip body (Content-Length declared) that inflates to 10 GiB of zeros."""
    head, block = gzip_bomb_blocks()
    size = len(head) + len(block) * (BOMB_BLOCKS - 1)
    await x.send(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
        b"content-length: %d\r\n\r\n" % size
    )
    await x.send(head)
    many = block * 64
    for _ in range((BOMB_BLOCKS - 1) // 64):
        await x.send(many)
    await x.send(block * ((BOMB_BLOCKS - 1) % 64))
    return False


#: More answers than the pool has connections (100): a leaked connection per answer would exhaust it.
ABSURD_ANSWERS = 105
ABSURD_DATE = "Mon, 01 Jan 2024 00:00:00 +9999999999"


async def absurd_dates(x: Exchange) -> bool:
    """503 with a Retry-After date whose zone offset overflows; a healthy task on `/healthy`."""
    if x.path.endswith("/healthy"):
        return await x.answer(200, _task("ready"))
    return await x.answer(503, {"message": "busy"}, retry_after=ABSURD_DATE)


DEPTH = 100_000


async def nested_error(x: Exchange) -> bool:
    """A 400 whose JSON body nests 100,000 arrays deep."""
    return await x.answer(400, b'{"error": {"message": ' + b"[" * DEPTH + b"]" * DEPTH + b"}}")


async def nested_success(x: Exchange) -> bool:
    """A 200 whose JSON body nests 100,000 objects deep."""
    return await x.answer(200, b'{"_id": ' + b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH + b"}")


async def echo_key(x: Exchange) -> bool:
    """Error bodies quoting the key the client sent, in each shape a server or a gateway uses."""
    key = x.headers.get("x-api-key", "")
    if x.path.endswith("/problem"):  # RFC 7807, as gateways send
        return await x.answer(401, {"type": key, "title": f"bad key {key}", "detail": f"{key} is revoked"})
    if x.path.endswith("/text"):
        await x.send(b"HTTP/1.1 401 X\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n" % (len(key) + 9))
        await x.send(b"bad key: " + key.encode())
        return True
    body = {"error": {"code": f"key_{key}", "message": f"invalid key {key}", "details": {"key": key, "n": [key]}}}
    return await x.answer(401, body)


def _items(prefix: str) -> list[dict[str, Any]]:
    return [{"_id": f"{prefix}{i}", "status": "ready"} for i in range(10)]


async def same_page(x: Exchange) -> bool:
    """Ignores `page`, sends no `page_info`: the same full page for every page number."""
    return await x.answer(200, {"data": _items("a")})


async def alternating_pages(x: Exchange) -> bool:
    """Ignores `page`, no `page_info`: two full pages, A, B, A, B, ... for ever."""
    return await x.answer(200, {"data": _items("ab"[x.number % 2])})


async def huge_header_line(x: Exchange) -> bool:
    """A 200 whose head carries one 1 MB header line."""
    await x.send(b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * MiB + b"\r\ncontent-length: 2\r\n\r\n{}")
    return False


async def many_headers(x: Exchange) -> bool:
    """A valid 200 task behind 5,000 header lines (about 60 KB of head, within h11's limit)."""
    head = b"".join(b"x-h-%d: v\r\n" % i for i in range(5_000))
    body = json.dumps(_task()).encode()
    await x.send(b"HTTP/1.1 200 OK\r\n" + head + b"content-length: %d\r\n\r\n" % len(body) + body)
    return False


# ---------------------------------------------------------------- operations (one body for sync and async)
async def resolve(value: Any) -> Any:
    """The value of a call of either client: awaited (async), collected (an iterator), or as it is."""
    if inspect.isawaitable(value):
        value = await value
    if hasattr(value, "__aiter__"):
        return [item async for item in value]
    if inspect.isgenerator(value) or isinstance(value, Iterator):
        return list(value)
    return value


def retrieve(task_id: str = TASK_ID) -> Callable[[Any], Any]:
    async def op(client: Any) -> Any:
        return await resolve(client.v2.tasks.retrieve(task_id))

    return op


def wait(timeout: float = WAIT) -> Callable[[Any], Any]:
    async def op(client: Any) -> Any:
        return await resolve(client.v2.tasks.wait(TASK_ID, timeout=timeout))

    return op


async def list_all(client: Any) -> Any:
    return await resolve(client.v2.tasks.iter(page_limit=10))


async def absurd_dates_then_healthy(client: Any) -> Any:
    """105 calls answered 503 with an absurd Retry-After date, then one healthy call."""
    for _ in range(ABSURD_ANSWERS):
        with pytest.raises(ServerError) as info:
            await resolve(client.v2.tasks.retrieve("overflow"))
        assert info.value.retry_after is None
    return await resolve(client.v2.tasks.retrieve("healthy"))


async def echo_three_shapes(client: Any) -> Any:
    """One call per echoing body shape; each error is checked for the key and returned."""
    errors = []
    for task_id in ("json", "problem", "text"):
        with pytest.raises(AuthenticationError) as info:
            await resolve(client.v2.tasks.retrieve(task_id))
        errors.append(info.value)
    return errors


def run_op(op: Callable[[Any], Any], client: Any) -> Any:
    """Drive `op(client)` with a sync client: nothing in it suspends, so one `send` runs it to the end."""
    coroutine = op(client)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise AssertionError("a sync operation suspended")


# ---------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    key: str
    title: str
    behaviour: Callable[[Exchange], Any]
    op: Callable[[Any], Any]
    bound: float  # seconds within which a library run must end
    expect: type[EmbedError] | None  # None: the right outcome is a value
    options: dict[str, Any] = field(default_factory=dict)
    cli: tuple[str, ...] = ("status", TASK_ID, "--api", "v2")
    cli_bound: float = 8.0  # seconds within which the CLI must end, beyond its start-up
    cli_ok: bool = False  # the CLI's right outcome is exit 0
    capped: bool = False  # the case is about memory: assert the traced peak
    traced: bool = True  # measure allocations with tracemalloc (it slows the 106-call case fourfold)


FAST = RetryPolicy(max_retries=1, initial_delay=0.1)
CLI_WAIT = ("wait", TASK_ID, "--api", "v2", "--timeout", str(WAIT))

CASES = [
    Case(
        "drip-head",
        f"response head dripped, 1 byte / 0.5 s (`Timeouts(total={WAIT:g})`)",
        drip_head,
        retrieve(),
        WAIT + 1,
        APITimeoutError,
        {"timeouts": Timeouts(total=WAIT)},
        cli=CLI_WAIT,
        cli_bound=WAIT + 1,
    ),
    Case(
        "drip-body",
        f"200-byte body dripped, 1 byte / 0.5 s (`wait(timeout={WAIT:g})`)",
        drip_body,
        wait(),
        WAIT + 1,
        WaitTimeoutError,
        cli=CLI_WAIT,
        cli_bound=WAIT + 1,
    ),
    Case(
        "silent",
        f"accepts, never answers (`wait(timeout={WAIT:g})`)",
        silent,
        wait(),
        WAIT + 1,
        WaitTimeoutError,
        cli=CLI_WAIT,
        cli_bound=WAIT + 1,
    ),
    Case(
        "retry-after-3600",
        f"503 with `Retry-After: 3600` (`wait(timeout={WAIT:g})`)",
        retry_after(503, "3600"),
        wait(),
        WAIT + 1,
        WaitTimeoutError,
        cli=CLI_WAIT,
        cli_bound=WAIT + 1,
    ),
    Case(
        "retry-after-20",
        "429 with `Retry-After: 20` (`Timeouts(total=3)`)",
        retry_after(429, "20"),
        retrieve(),
        1.0,
        RateLimitError,
        {"timeouts": Timeouts(total=3.0)},
        cli=CLI_WAIT,
        cli_bound=WAIT + 1,
    ),
    Case(
        "endless",
        f"endless chunked body (cap 10 MiB; CLI: `wait --timeout {WAIT:g}`, default cap)",
        endless,
        retrieve(),
        20.0,
        ResponseTooLargeError,
        {"max_response_bytes": CAP},
        cli=CLI_WAIT,
        cli_bound=WAIT + 1,
        capped=True,
    ),
    Case(
        "gzip-bomb",
        f"gzip bomb, 10 MB -> 10 GiB (cap 10 MiB; CLI: `wait --timeout {WAIT:g}`, default cap)",
        gzip_bomb,
        retrieve(),
        20.0,
        ResponseTooLargeError,
        {"max_response_bytes": CAP},
        cli=CLI_WAIT,
        cli_bound=WAIT + 1,
        capped=True,
    ),
    Case(
        "absurd-retry-after-date",
        "503 + `Retry-After` date at zone offset +9999999999, 105 times, then a healthy call",
        absurd_dates,
        absurd_dates_then_healthy,
        20.0,
        None,
        {"retry": RetryPolicy(max_retries=0)},
        cli=("status", "overflow", "--api", "v2"),
        traced=False,
    ),
    Case(
        "nested-error",
        "400 error body nested 100,000 deep",
        nested_error,
        retrieve(),
        5.0,
        BadRequestError,
    ),
    Case(
        "nested-success",
        "200 body nested 100,000 deep",
        nested_success,
        retrieve(),
        5.0,
        ResponseParseError,
    ),
    Case(
        "echo-key",
        "401 bodies quoting the API key (JSON fields, RFC 7807, plain text)",
        echo_key,
        echo_three_shapes,
        5.0,
        None,
        cli=("status", "json", "--api", "v2"),
    ),
    Case(
        "same-page",
        "list ignores `page`, no `page_info` (the same full page)",
        same_page,
        list_all,
        5.0,
        None,
        cli=("list", "--api", "v2", "--limit", "1000"),
        cli_ok=True,
    ),
    Case(
        "alternating-pages",
        "list ignores `page`, no `page_info` (two pages, A B A B ...)",
        alternating_pages,
        list_all,
        5.0,
        None,
        cli=("list", "--api", "v2", "--limit", "1000"),
        cli_ok=True,
    ),
    Case(
        "redirect-away",
        "307 to another origin (which answers 401 without a key)",
        same_page,  # replaced by the redirecting pair in the test
        retrieve(),
        5.0,
        AuthenticationError,
    ),
    Case(
        "huge-header-line",
        "a 1 MB header line",
        huge_header_line,
        retrieve(),
        5.0,
        APIConnectionError,
        {"retry": FAST},
        cli_bound=12.0,
    ),
    Case(
        "many-headers",
        "5,000 header lines before a valid task",
        many_headers,
        retrieve(),
        5.0,
        None,
        cli_ok=True,
    ),
]
BY_KEY = {case.key: case for case in CASES}


# ---------------------------------------------------------------- fixtures and runners
@pytest.fixture
def hostile() -> Iterator[Callable[..., HostileServer]]:
    """Start hostile servers for one test; every one is stopped at teardown, whatever happened."""
    servers: list[HostileServer] = []

    def start(behaviour: Callable[[Exchange], Any], **kwargs: Any) -> HostileServer:
        server = HostileServer(behaviour, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """Write the figures of this module's runs to reports/hostile.json when the module ends."""
    yield
    if RESULTS:
        titles = {c.key: c.title for c in CASES} | {u.key: u.title for u in UPLOADS}
        write_report("hostile.json", {"cases": RESULTS, "order": list(titles), "titles": titles})


def _record(key: str, client: str, figures: dict[str, Any]) -> None:
    RESULTS.setdefault(key, {})[client] = figures


@dataclass
class Run:
    value: Any
    error: EmbedError | None
    seconds: float
    peak: int | None


def run_library(mode: str, base_url: str, op: Callable[[Any], Any], *, trace: bool = True, **options: Any) -> Run:
    """Build a client of `mode` on `base_url`, run `op` once, and measure it (time, traced peak)."""
    value: Any = None
    error: EmbedError | None = None
    if trace:
        tracemalloc.start()
    try:
        if mode == "sync":
            with EmbedClient(API_KEY, base_url=base_url, **options) as client:
                tracemalloc.reset_peak()
                start = time.monotonic()
                try:
                    value = run_op(op, client)
                except EmbedError as caught:
                    error = caught
                seconds = time.monotonic() - start
        else:

            async def main() -> tuple[Any, EmbedError | None, float]:
                async with AsyncEmbedClient(API_KEY, base_url=base_url, **options) as client:
                    tracemalloc.reset_peak()
                    start = time.monotonic()
                    try:
                        return await op(client), None, time.monotonic() - start
                    except EmbedError as caught:
                        return None, caught, time.monotonic() - start

            value, error, seconds = asyncio.run(main())
        peak = tracemalloc.get_traced_memory()[1] if trace else None
    finally:
        tracemalloc.stop()
    return Run(value, error, seconds, peak)


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int


def run_cli(args: tuple[str, ...], base_url: str, *, hard_limit: float) -> CliRun:
    """Run the console script against `base_url`; its peak RSS is its `VmHWM`, read every 20 ms while it runs.

    Not `ru_maxrss` from wait4: on Linux a child's maxrss keeps the high-water mark of the memory it was
    forked (or vforked) from, here the whole pytest process, whatever the CLI itself used."""
    env = {k: v for k, v in os.environ.items() if k not in (API_KEY_ENV, BASE_URL_ENV)}
    env.update({API_KEY_ENV: API_KEY, BASE_URL_ENV: base_url, "COLUMNS": "200", "NO_COLOR": "1"})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen(
            [str(CLI), *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
        peak = 0
        while True:
            peak = max(peak, _vm_hwm(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > hard_limit:
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if not peak:  # no /proc (macOS): wait4's figure, an upper bound there too
        peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux
    return CliRun(process.returncode, stdout, stderr, seconds, peak)


def _vm_hwm(pid: int) -> int:
    """The process's peak resident set since its exec (bytes), or 0 when /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _check_error(case: Case, run: Run, secret_guard: SecretGuard) -> str:
    """The outcome of a library run, asserted: the case's EmbedError (or a value), the key nowhere."""
    if case.expect is None:
        assert run.error is None, f"{case.key}: expected a value, got {run.error!r}"
        outcome = "value"
    else:
        assert run.error is not None, f"{case.key}: expected {case.expect.__name__}, got {run.value!r}"
        assert type(run.error) is case.expect, f"{case.key}: {type(run.error).__name__}: {run.error}"
        outcome = type(run.error).__name__
    for error in [run.error, *(run.value if isinstance(run.value, list) else [])]:
        if isinstance(error, BaseException):
            secret_guard.inspect(error)
            assert API_KEY not in str(error) and API_KEY not in repr(error)
            assert KEY_CORE not in str(getattr(error, "details", ""))
    return outcome


# ---------------------------------------------------------------- the library clients
LIBRARY = [pytest.param(case, mode, id=f"{case.key}-{mode}") for case in CASES for mode in ("sync", "async")]


@pytest.mark.parametrize(("case", "mode"), LIBRARY)
def test_library_client_survives(
    case: Case, mode: str, hostile: Callable[..., HostileServer], secret_guard: SecretGuard
) -> None:
    """The client ends within the case's bound with only the named EmbedError, bounded memory, and no key."""
    if case.key == "redirect-away":
        other = _keyless_origin(hostile)
        server = hostile(_redirect_to(other.origin))
    else:
        other, server = None, hostile(case.behaviour)
    run = run_library(mode, server.base_url, case.op, trace=case.traced, **case.options)
    outcome = _check_error(case, run, secret_guard)
    assert run.seconds <= case.bound, f"{case.key} ({mode}) took {run.seconds:.2f} s (bound {case.bound} s)"
    if case.capped:
        assert run.peak is not None and run.peak <= MEMORY_BOUND, (
            f"{case.key} ({mode}) peaked at {run.peak / MiB:.0f} MiB"
        )
    _case_checks(case, run, server, other)
    _record(
        case.key,
        mode,
        {
            "outcome": outcome,
            "seconds": round(run.seconds, 2),
            "peak_mb": None if run.peak is None else round(run.peak / MiB, 1),
            "bound": case.bound,
        },
    )


def _case_checks(case: Case, run: Run, server: HostileServer, other: HostileServer | None) -> None:
    """What each case promises beyond "typed and in time"."""
    if case.key == "absurd-retry-after-date":
        assert run.value.id == TASK_ID
        # Every answer was read and closed: the calls shared one pooled connection.
        assert server.stats.connections <= 2, f"{server.stats.connections} connections for {ABSURD_ANSWERS + 1} calls"
    elif case.key in ("same-page", "alternating-pages"):
        pages = 2 if case.key == "same-page" else 3
        assert len(server.requests) == pages and len(run.value) == 10 * (pages - 1)
    elif case.key == "redirect-away":
        assert other is not None and other.requests, "the redirect was not followed"
        assert all("x-api-key" not in seen.headers for seen in other.requests)
    elif case.key == "echo-key":
        assert all("****" in str(error) for error in run.value)
        assert run.value[0].details == {"key": "****", "n": ["****"]} and "****" in str(run.value[0].code)
    elif case.key == "retry-after-20":
        assert run.error is not None and getattr(run.error, "retry_after", None) == 20
    elif case.key == "retry-after-3600":
        assert len(server.requests) <= 3, "the wait did not honour Retry-After"
    elif case.key == "endless" or case.key == "gzip-bomb":
        assert isinstance(run.error, ResponseTooLargeError) and run.error.limit == CAP


async def _keyless_behaviour(x: Exchange) -> bool:
    """The other origin of a redirect: 401 without a key (as the real API would), a task with one."""
    if "x-api-key" not in x.headers:
        return await x.answer(401, {"code": "api_key_invalid", "message": "no key"})
    return await x.answer(200, _task())


def _keyless_origin(hostile: Callable[..., HostileServer]) -> HostileServer:
    return hostile(_keyless_behaviour)


def _redirect_to(origin: str) -> Callable[[Exchange], Any]:
    async def behaviour(x: Exchange) -> bool:
        await x.send(
            b"HTTP/1.1 307 X\r\nlocation: %s%s\r\ncontent-length: 0\r\n\r\n" % (origin.encode(), x.path.encode())
        )
        return True

    return behaviour


# ---------------------------------------------------------------- the CLI
@dataclass
class CliCase:
    run: CliRun
    keys_at_other_origin: list[bool]  # redirect case: whether each request there carried x-api-key


async def _healthy(x: Exchange) -> bool:
    return await x.answer(200, _task())


@pytest.fixture(scope="module")
def cli_runs() -> Iterator[dict[str, CliCase]]:
    """Every CLI case, run concurrently (each against its own servers), plus healthy baseline runs.

    Most cases spend their time waiting on a hostile server, so running them side by side keeps the
    module within its time budget; the baseline runs measure the start-up under the same load.
    """
    servers: list[HostileServer] = []
    jobs: dict[str, tuple[tuple[str, ...], HostileServer, HostileServer | None, float]] = {}
    try:
        for case in CASES:
            other = None
            if case.key == "redirect-away":
                other = HostileServer(_keyless_behaviour)
                server = HostileServer(_redirect_to(other.origin))
                servers.append(other)
            else:
                server = HostileServer(case.behaviour)
            servers.append(server)
            jobs[case.key] = (case.cli, server, other, case.cli_bound + CLI_STARTUP + 30)
        healthy = HostileServer(_healthy)
        servers.append(healthy)
        for i in range(2):
            jobs[f"baseline-{i}"] = (("status", TASK_ID, "--api", "v2"), healthy, None, 60.0)
        with ThreadPoolExecutor(max_workers=CLI_WORKERS) as pool:
            futures = {
                key: pool.submit(run_cli, args, server.base_url, hard_limit=hard)
                for key, (args, server, _other, hard) in jobs.items()
            }
            runs = {key: future.result() for key, future in futures.items()}
        yield {
            key: CliCase(run, [] if other is None else ["x-api-key" in seen.headers for seen in other.requests])
            for key, run in runs.items()
            for _args, _server, other, _hard in [jobs[key]]
        }
    finally:
        for server in servers:
            server.stop()


def test_cli_baseline(cli_runs: dict[str, CliCase]) -> None:
    """A healthy `status` call succeeds: the reference for the CLI's start-up time and footprint."""
    baselines = [cli_runs[f"baseline-{i}"].run for i in range(2)]
    for run in baselines:
        assert run.returncode == 0, run.stderr
    _record(
        "baseline",
        "cli",
        {
            "seconds": round(max(r.seconds for r in baselines), 2),
            "peak_rss_mb": round(max(r.peak_rss for r in baselines) / MiB, 1),
        },
    )


@pytest.mark.parametrize("case", CASES, ids=[case.key for case in CASES])
def test_cli_survives(case: Case, cli_runs: dict[str, CliCase]) -> None:
    """The CLI exits non-zero (zero for a listing that must end), without a traceback or the key, in time."""
    result = cli_runs[case.key]
    run = result.run
    bound = case.cli_bound + CLI_STARTUP
    assert "Traceback" not in run.stderr, run.stderr
    for text in (run.stdout, run.stderr):
        assert API_KEY not in text and KEY_CORE not in text
    if case.cli_ok:
        assert run.returncode == 0, run.stderr
    else:
        assert run.returncode not in (0, -signal.SIGKILL), (run.returncode, run.stderr)
    assert run.seconds <= bound, f"{case.key} (cli) took {run.seconds:.2f} s (bound {bound} s)"
    if case.key == "redirect-away":
        assert result.keys_at_other_origin and not any(result.keys_at_other_origin)
    _record(
        case.key,
        "cli",
        {
            "exit": run.returncode,
            "seconds": round(run.seconds, 2),
            "peak_rss_mb": round(run.peak_rss / MiB, 1),
            "bound": bound,
        },
    )


# ---------------------------------------------------------------- hostile uploads
UPLOAD_SIZE = 16 * MiB  # larger than what loopback buffers hold unread, so the client is mid-body when the file changes


def _created() -> dict[str, Any]:
    return {"_id": TASK_ID}


def _sink_then_answer(before_body: Callable[[], None] | None = None) -> Callable[[Exchange], Any]:
    """Read the request head, run `before_body`, then read the body until the client stops; answer 200."""

    async def behaviour(x: Exchange) -> bool:
        if before_body is not None:
            await asyncio.get_running_loop().run_in_executor(None, before_body)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await x.server._read_body(x.reader, x.headers)
            return await x.answer(200, _created())
        return False

    return behaviour


def _grow(path: Path) -> Callable[[], None]:
    def grow() -> None:
        with path.open("ab") as handle:
            handle.write(b"\1" * MiB)

    return grow


def _shrink(path: Path) -> Callable[[], None]:
    def shrink() -> None:
        os.truncate(path, UPLOAD_SIZE // 2)

    return shrink


class Endless(io.RawIOBase):
    """A `/dev/zero`-like binary file object: readable for ever, not seekable, no file descriptor."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        view[:] = bytes(len(view))
        return len(view)


@dataclass(frozen=True)
class Upload:
    key: str
    title: str
    expect: type[EmbedError]
    match: str
    bound: float


UPLOADS = [
    Upload("upload-grows", "legacy upload: the file grows during the send", ValidationError, "grew", 10.0),
    Upload("upload-shrinks", "legacy upload: the file shrinks during the send", ValidationError, "shrank", 10.0),
    Upload(
        "upload-fifo",
        f"legacy upload: a FIFO whose writer stalls (`Timeouts(total={WAIT:g})`)",
        APITimeoutError,
        "",
        WAIT + 1,
    ),
    Upload(
        "upload-endless",
        f"legacy upload: an endless file object (`Timeouts(total={WAIT:g})`)",
        APITimeoutError,
        "",
        WAIT + 1,
    ),
]


@pytest.mark.parametrize(
    ("upload", "mode"), [pytest.param(u, m, id=f"{u.key}-{m}") for u in UPLOADS for m in ("sync", "async")]
)
def test_hostile_upload_is_typed_and_bounded(
    upload: Upload, mode: str, hostile: Callable[..., HostileServer], secret_guard: SecretGuard, tmp_path: Path
) -> None:
    """A file that changes, stalls or never ends during a legacy upload is a typed error, in time, in bounded memory."""
    with contextlib.ExitStack() as stack:
        options: dict[str, Any] = {"retry": RetryPolicy(max_retries=0)}
        if upload.key in ("upload-grows", "upload-shrinks"):
            path = tmp_path / "video.mp4"
            with path.open("wb") as handle:
                handle.truncate(UPLOAD_SIZE)
            change = _grow(path) if upload.key == "upload-grows" else _shrink(path)
            server = hostile(_sink_then_answer(change), read_body=False)
            source: Any = path
        elif upload.key == "upload-fifo":
            fifo = tmp_path / "video.fifo"
            os.mkfifo(fifo)
            release = threading.Event()

            def writer() -> None:
                with fifo.open("wb") as handle:
                    handle.write(b"\0" * MiB)
                    handle.flush()
                    release.wait(30)  # stall, holding the pipe open

            thread = threading.Thread(target=writer, daemon=True)
            thread.start()
            stack.callback(thread.join, 30)
            stack.callback(release.set)
            source = stack.enter_context(fifo.open("rb"))
            server = hostile(_sink_then_answer(), read_body=False)
            options["timeouts"] = Timeouts(total=WAIT)
        else:
            source = Endless()
            server = hostile(_sink_then_answer(), read_body=False)
            options["timeouts"] = Timeouts(total=WAIT)

        async def op(client: Any) -> Any:
            return await resolve(client.legacy.tasks.create(video_file=source))

        run = run_library(mode, server.base_url, op, **options)
    assert run.error is not None, f"{upload.key}: the upload succeeded"
    assert type(run.error) is upload.expect, f"{upload.key}: {type(run.error).__name__}: {run.error}"
    assert upload.match in str(run.error)
    secret_guard.inspect(run.error)
    assert run.seconds <= upload.bound, f"{upload.key} ({mode}) took {run.seconds:.2f} s"
    assert run.peak is not None and run.peak <= MEMORY_BOUND, f"{upload.key} ({mode}) peaked at {run.peak}"
    _record(
        upload.key,
        mode,
        {
            "outcome": type(run.error).__name__,
            "seconds": round(run.seconds, 2),
            "peak_mb": None if run.peak is None else round(run.peak / MiB, 1),
            "bound": upload.bound,
        },
    )
