"""The fault matrix: every fault against every call, over real HTTP, with the outcome the retry rules promise.

Faults x calls: 13 faults (rows) x 6 calls (columns), run with the sync and the async client.

Each fault but the last row is transient: it hits the first request of a single call, and the first
`RETRIES + 1` requests of a wait (one whole poll fails after the transport's own retries, so the wait
itself must absorb it). The last row, "server down", never recovers: every call must give up with a
typed error, and a wait must end at its deadline (on the client's fake clock).
The fake runs over real HTTP (uvicorn on a thread). Socket-level faults are real: connection refused is a
closed port that starts listening at the client's next retry sleep; reset mid-response is a TCP RST after
the head and half the body (tests/robustness/_shim.py); a read timeout is a `slow` fault longer than the
client's read timeout; a 429 without Retry-After is the fake's 429 with that header removed by the same
proxy. The rest use the fake's fault API. Task-creating calls get faults the server *processed* (the task
exists although the client saw a failure), so a retry would create a duplicate.

Expected outcome per cell, from the retry rules (README, `RetryPolicy`, `is_transient`):
- GETs retry on connection errors, timeouts, 408, 429 and 5xx -> "recovered (1 retry)";
- a task-creating POST retries only when the server provably created nothing (429, connection refused);
  otherwise it ends in the typed error, and the fake holds exactly one new task;
- a 2xx whose body cannot be parsed is never retried -> ResponseParseError;
- a wait absorbs every transient error, parse errors included -> "recovered (3 retries)";
- a body with a wrong Content-Type but valid JSON is read as JSON -> "tolerated (no retry)";
- a server that stays down: APIConnectionError after the retries (a create too: a refused connection
  provably sent nothing), and WaitTimeoutError for a wait.

Every cell has a watchdog (no hang), must end in success or an `EmbedError` subclass (no bare exception)
and must leave the fake with the right number of tasks and create calls (nothing created twice).
The table is printed, written to reports/fault-matrix.md (+ .json), and must match the copy embedded in
docs/ROBUSTNESS.md (refresh it with `python scripts/robustness_report.py`).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import free_port
from twelvelabs_embed import AsyncEmbedClient, EmbedClient, EmbedError, PollPolicy, RetryPolicy, Timeouts
from twelvelabs_embed.testing import EmbedFake, RunningServer, WallClock

from ._shim import Shim
from ._support import API_KEY, ROOT, SecretGuard, write_report

RETRIES = 2  # RetryPolicy.max_retries of every client here
READ_TIMEOUT = 0.5  # the short read timeout of the read-timeout cells (seconds)
SLOW_DELAY = 2.0  # how late the `slow` fault answers (longer than READ_TIMEOUT)
NORMAL_TIMEOUTS = Timeouts(connect=5, read=15, write=15, pool=5)  # generous: only the timeout cells time out
WATCHDOG = 60.0  # seconds a cell may take before it counts as a hang
DOC = ROOT / "docs" / "ROBUSTNESS.md"
BEGIN, END = "<!-- fault-matrix:begin -->", "<!-- fault-matrix:end -->"

FAULTS = [
    "connection refused",
    "connection reset mid-response",
    "read timeout",
    "500",
    "502",
    "503",
    "429 with Retry-After",
    "429 without Retry-After",
    "malformed JSON",
    "truncated body",
    "HTML error page",
    "wrong content type",
    "server down (refused, never back)",
]
DOWN = "server down (refused, never back)"
WAIT_TIMEOUT = 600.0  # seconds of the client's fake clock
CALLS = ["create legacy task", "create v2 task", "status", "retrieve", "list", "wait"]
CREATES = {"create legacy task": "createVideoEmbeddingTask", "create v2 task": "createEmbeddingTaskV2"}
OPERATION = {
    **CREATES,
    "status": "getVideoEmbeddingTaskStatus",  # client.legacy.tasks.status
    "retrieve": "retrieveVideoEmbeddings",  # client.legacy.tasks.retrieve
    "list": "listEmbeddingTasksV2",  # client.v2.tasks.list
    "wait": "getEmbeddingTaskV2",  # client.v2.tasks.wait
}
MODES = ["sync", "async"]


def expected(fault: str, call: str) -> str:
    """The outcome the retry rules promise for `fault` hitting `call`."""
    if fault == DOWN:
        return "WaitTimeoutError" if call == "wait" else f"APIConnectionError (after {RETRIES} retries)"
    if fault == "wrong content type":
        return "tolerated (no retry)"
    if call == "wait":
        return f"recovered ({RETRIES + 1} retries)"
    if fault in ("connection refused", "429 with Retry-After", "429 without Retry-After"):
        return "recovered (1 retry)"
    if fault == "malformed JSON":
        return "ResponseParseError"
    if call not in CREATES:
        return "recovered (1 retry)"
    return {
        "connection reset mid-response": "APIConnectionError",
        "truncated body": "APIConnectionError",
        "read timeout": "APITimeoutError",
        "500": "ServerError",
        "502": "ServerError",
        "503": "ServerError",
        "HTML error page": "ServerError",
    }[fault]


@dataclass
class Outcome:
    label: str
    sleeps: list[float] = field(default_factory=list)
    tasks_created: int = 0
    calls_received: int = 0
    error: BaseException | None = None
    result: Any = None


class Harness:
    """The fake served over real HTTP, a shim in front of it, and one client per cell."""

    def __init__(self, fake: EmbedFake, server: RunningServer, video: Path) -> None:
        self.fake = fake
        self.server = server
        self.video = video
        self.shim = Shim(server.port)
        with fake.client() as http:  # the tasks the GET calls read (ready at once: processing_seconds=0)
            self.legacy_id = http.post(
                "/embed/tasks",
                files=[
                    ("model_name", (None, b"marengo3.0")),
                    ("video_url", (None, b"https://media.example.com/a.mp4")),
                ],
            ).json()["_id"]
            self.v2_id = http.post(
                "/embed-v2/tasks",
                json={
                    "input_type": "video",
                    "model_name": "marengo3.0",
                    "video": {"media_source": {"url": "https://media.example.com/b.mp4"}},
                },
            ).json()["_id"]

    def close(self) -> None:
        self.shim.close()

    def call(self, call: str) -> Callable[[Any], Any]:
        if call == "create legacy task":
            return lambda c: c.legacy.tasks.create(video_file=self.video, video_clip_length=6)
        if call == "create v2 task":
            return lambda c: c.v2.tasks.create(input_type="video", url="https://media.example.com/c.mp4")
        if call == "status":
            return lambda c: c.legacy.tasks.status(self.legacy_id)
        if call == "retrieve":
            return lambda c: c.legacy.tasks.retrieve(self.legacy_id)
        if call == "list":
            return lambda c: c.v2.tasks.list(page_limit=5)
        return lambda c: c.v2.tasks.wait(self.v2_id, timeout=WAIT_TIMEOUT)

    def inject(self, fault: str, call: str) -> tuple[str, Shim | None, Callable[[int], None]]:
        """Arm `fault` for `call`; returns the base URL to use, a shim to close, and an on-sleep hook."""
        operation = OPERATION[call]
        times = RETRIES + 1 if call == "wait" else 1
        processed = call in CREATES  # the server did the work; only the answer goes wrong
        direct = self.server.base_url
        via_shim = f"http://127.0.0.1:{self.shim.port}/v1.3"
        faults = self.fake.faults

        def nothing(sleeps: int) -> None:
            pass

        if fault == DOWN:
            return f"http://127.0.0.1:{free_port()}/v1.3", None, nothing
        if fault == "connection refused":
            port = free_port()
            late = Shim(self.server.port, port=port, listen=False)

            def come_back(sleeps: int) -> None:
                if sleeps >= times:
                    late.listen()

            return f"http://127.0.0.1:{port}/v1.3", late, come_back
        if fault == "connection reset mid-response":
            self.shim.reset_next = times
            return via_shim, None, nothing
        if fault == "read timeout":
            faults.add("slow", operation=operation, times=times, delay=SLOW_DELAY, processed=True)
        elif fault in ("500", "502", "503"):
            faults.add("status", operation=operation, times=times, status=int(fault), processed=processed)
        elif fault == "429 with Retry-After":
            faults.add("status", operation=operation, times=times, status=429, retry_after=1)
        elif fault == "429 without Retry-After":
            faults.add("status", operation=operation, times=times, status=429)
            self.shim.strip_headers = {b"retry-after"}
            return via_shim, None, nothing
        elif fault == "malformed JSON":
            faults.add("malformed_json", operation=operation, times=times)
        elif fault == "truncated body":
            faults.add("truncated", operation=operation, times=times)
        elif fault == "HTML error page":
            faults.add("html", operation=operation, times=times, status=502, processed=processed)
        elif fault == "wrong content type":
            faults.add("wrong_content_type", operation=operation, times=times, content_type="text/plain")
        else:  # pragma: no cover - the lists above are exhaustive
            raise AssertionError(fault)
        return direct, None, nothing

    def run(self, fault: str, call: str, mode: str) -> Outcome:
        base_url, extra_shim, on_sleep = self.inject(fault, call)
        outcome = Outcome(label="?")
        tasks_before = len(self.fake.tasks)
        calls_before = len(self.fake.calls(OPERATION[call]))
        clock = [0.0]

        def sleep(seconds: float) -> None:  # no real waiting: the fake clock of the client moves instead
            outcome.sleeps.append(seconds)
            clock[0] += seconds
            on_sleep(len(outcome.sleeps))

        async def asleep(seconds: float) -> None:
            sleep(seconds)

        timeouts = NORMAL_TIMEOUTS
        if fault == "read timeout":
            timeouts = Timeouts(connect=5, read=READ_TIMEOUT, write=15, pool=5)
        options: dict[str, Any] = {
            "base_url": base_url,
            "timeouts": timeouts,
            "retry": RetryPolicy(max_retries=RETRIES),
            "poll": PollPolicy(initial_interval=1, timeout=3600),
            "clock": lambda: clock[0],
            "rand": lambda: 0.0,
        }
        op = self.call(call)

        def body() -> None:
            try:
                if mode == "sync":
                    with EmbedClient(API_KEY, sleep=sleep, **options) as client:
                        outcome.result = op(client)
                else:

                    async def main() -> Any:
                        async with AsyncEmbedClient(API_KEY, sleep=asleep, **options) as client:
                            result = op(client)
                            return await result if inspect.isawaitable(result) else result

                    outcome.result = asyncio.run(main())
            except BaseException as error:  # judged below: only EmbedError subclasses are acceptable
                outcome.error = error

        worker = threading.Thread(target=body, name=f"cell {fault} x {call}", daemon=True)
        try:
            worker.start()
            worker.join(WATCHDOG)
            if worker.is_alive():
                outcome.label = f"HANG (> {WATCHDOG:g} s)"
                return outcome
        finally:
            self.fake.faults.clear()
            self.shim.reset_next = 0
            self.shim.strip_headers = set()
            if extra_shim is not None:
                extra_shim.close()
        outcome.tasks_created = len(self.fake.tasks) - tasks_before
        outcome.calls_received = len(self.fake.calls(OPERATION[call])) - calls_before
        if outcome.error is None:
            n = len(outcome.sleeps)
            outcome.label = "tolerated (no retry)" if n == 0 else f"recovered ({n} {'retry' if n == 1 else 'retries'})"
        elif isinstance(outcome.error, EmbedError):
            n = len(outcome.sleeps)
            retried = "" if n == 0 or call == "wait" else f" (after {n} {'retry' if n == 1 else 'retries'})"
            outcome.label = type(outcome.error).__name__ + retried
        else:
            outcome.label = f"BARE {type(outcome.error).__name__}: {outcome.error}"
        return outcome


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    video = tmp_path_factory.mktemp("fault-matrix") / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 16)
    with EmbedFake(api_keys=API_KEY, clock=WallClock(), processing_seconds=0) as fake, fake.run_server() as server:
        made = Harness(fake, server, video)
        # Warm every operation once (the first request of each compiles its JSON schemas), so that only the
        # read-timeout cells ever come near a timeout.
        with EmbedClient(API_KEY, base_url=server.base_url, timeouts=NORMAL_TIMEOUTS) as client:
            for call in CALLS:
                made.call(call)(client)
        try:
            yield made
        finally:
            made.close()


RESULTS: dict[tuple[str, str, str], Outcome] = {}


def _check_cell(harness: Harness, fault: str, call: str, mode: str, guard: SecretGuard) -> Outcome:
    outcome = harness.run(fault, call, mode)
    RESULTS[(fault, call, mode)] = outcome
    guard.inspect(outcome.error, outcome.result)
    want = expected(fault, call)
    assert outcome.label == want, f"{fault} x {call} ({mode}): got {outcome.label}, expected {want}"
    if call in CREATES and fault == DOWN:
        assert outcome.tasks_created == 0 and outcome.calls_received == 0
    elif call in CREATES:
        # Exactly one task, whatever happened to the answer: nothing is ever created twice.
        assert outcome.tasks_created == 1, f"{fault} x {call}: {outcome.tasks_created} tasks created"
        assert outcome.calls_received == (2 if fault.startswith("429") else 1)
    else:
        assert outcome.tasks_created == 0
    if fault == "429 with Retry-After":
        assert outcome.sleeps[0] == 1.0  # the server's Retry-After, not the backoff schedule
    if fault == "429 without Retry-After":
        assert outcome.sleeps[0] == RetryPolicy().initial_delay  # the backoff schedule (no jitter: rand=0)
    if fault == DOWN and call == "wait":
        # It gave up at its deadline. The deadline is checked between polls, so the transport's retries inside
        # the last poll may run past it, by at most one poll's retry budget (documented in docs/ROBUSTNESS.md).
        policy = RetryPolicy()
        budget = sum(min(policy.max_delay, policy.initial_delay * policy.multiplier**n) for n in range(RETRIES))
        assert WAIT_TIMEOUT <= sum(outcome.sleeps) <= WAIT_TIMEOUT + budget
        assert outcome.error is not None and getattr(outcome.error, "timeout", None) == WAIT_TIMEOUT
    return outcome


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("fault", FAULTS)
def test_fault_cell(harness: Harness, secret_guard: SecretGuard, fault: str, call: str, mode: str) -> None:
    """The fault ends recovered by retry or in the promised typed error, within the watchdog, nothing duplicated."""
    _check_cell(harness, fault, call, mode, secret_guard)


def matrix_table(labels: dict[tuple[str, str], str]) -> str:
    """The matrix as a Markdown table (faults down, calls across)."""
    rows = ["| fault \\ call | " + " | ".join(CALLS) + " |", "|---|" + "---|" * len(CALLS)]
    rows += [f"| {fault} | " + " | ".join(labels[(fault, call)] for call in CALLS) + " |" for fault in FAULTS]
    return "\n".join(rows) + "\n"


def documented_table() -> str | None:
    """The table between the fault-matrix markers of docs/ROBUSTNESS.md, if there is one."""
    if not DOC.exists():
        return None
    text = DOC.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip() + "\n"


def test_fault_matrix_report(harness: Harness, secret_guard: SecretGuard, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole matrix (cells not run above are run now) is printed, written to reports/, and matches the docs."""
    for fault in FAULTS:
        for call in CALLS:
            for mode in MODES:
                if (fault, call, mode) not in RESULTS:
                    _check_cell(harness, fault, call, mode, secret_guard)
    sync = {(f, c): RESULTS[(f, c, "sync")].label for f in FAULTS for c in CALLS}
    mismatched = [(f, c) for f in FAULTS for c in CALLS if RESULTS[(f, c, "async")].label != sync[(f, c)]]
    assert not mismatched, f"sync and async disagree on {mismatched}"
    table = matrix_table(sync)
    cells = len(FAULTS) * len(CALLS)
    assert all(
        label.startswith(("recovered", "tolerated")) or label.split(" ")[0].endswith("Error") for label in sync.values()
    )
    write_report(
        "fault-matrix.md",
        f"Fault matrix: {len(FAULTS)} faults x {len(CALLS)} calls = {cells} cells, each run with the sync "
        f"and the async client (identical outcomes), over real HTTP against the fake.\n\n{table}",
    )
    write_report(
        "fault-matrix.json",
        {
            "faults": FAULTS,
            "calls": CALLS,
            "cells": cells,
            "runs": len(RESULTS),
            "modes": MODES,
            "max_retries": RETRIES,
            "outcomes": {f"{f} x {c}": sync[(f, c)] for f in FAULTS for c in CALLS},
            "recovered": sum(1 for label in sync.values() if label.startswith(("recovered", "tolerated"))),
            "typed_errors": sum(1 for label in sync.values() if label.split(" ")[0].endswith("Error")),
            "tasks_created_by_create_cells": sum(
                RESULTS[(f, c, m)].tasks_created for f in FAULTS for c in CREATES for m in MODES
            ),
        },
    )
    with capsys.disabled():
        print(f"\n\nFault matrix (sync == async; max_retries={RETRIES}):\n{table}")
    documented = documented_table()
    assert documented == table, (
        "docs/ROBUSTNESS.md does not show this fault matrix; run `python scripts/robustness_report.py` "
        "after the tests to refresh it"
    )
