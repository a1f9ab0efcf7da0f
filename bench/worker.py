"""One measurement in a fresh process: `python bench/worker.py SCENARIO --contender NAME ...` prints one JSON line.

`bench/run.py` starts this once per (scenario, contender, size) so the peak memory of one contender is not
polluted by another's heap, imports or caches. Contenders:

- `ours`:        twelvelabs_embed's fast path (`retrieve_arrays`), or the plain call where there is none
- `ours-models`: twelvelabs_embed's model path (`retrieve`, then a matrix) — informative only
- `floor`:       raw httpx + orjson + numpy, the plain way to the same matrix and table
- `simdjson`:    raw httpx + pysimdjson: parse once, copy each vector's doubles into a preallocated float32
                 matrix (`Array.as_buffer`), the least work a Python client can do (large results only)
- `msgspec`:     raw httpx + a typed msgspec Struct decode, then a float32 matrix (large results only)
- `sdk`:         the official `twelvelabs` SDK (bench venv only), converted to the same matrix and table

Memory is the peak RSS growth of the process during the first measured call: the kernel's high-water mark
(VmHWM) is reset to the current RSS just before the call (`/proc/self/clear_refs` = 5) and read after it,
minus the RSS before it. Everything set up before the call (imports, the client, the pre-built response
body, a warm-up call on a small body) is in the baseline, so the number is what the call itself adds.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import numpy as np
import orjson

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import inputs

BASE_URL = "https://api.twelvelabs.io/v1.3"
API_KEY = "bench-key"
# The interval of the official SDK's `wait_for_done` and of the v2 loop in its examples (seconds).
FIXED_POLL_INTERVAL = 5.0


# ----------------------------------------------------------------------------- memory
def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        match = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no {field} in /proc/self/status")
    return int(match.group(1))


def _reset_peak() -> str:
    """Reset the RSS high-water mark to the current RSS; returns the method used."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return "VmHWM reset"
    except OSError:
        return "ru_maxrss (not reset; an upper bound)"


def measured(call: Callable[[], Any]) -> tuple[Any, float, int, str]:
    """Run `call` once: (result, seconds, peak RSS growth in bytes, memory method)."""
    gc.collect()
    method = _reset_peak()
    before = _status_kib("VmRSS")
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM")
    return result, seconds, max(0, peak - before) * 1024, method


# ----------------------------------------------------------------------------- transport
class Body:
    """The bytes the mock transport answers with (swapped from the warm-up body to the measured one)."""

    def __init__(self, body: bytes, path_suffix: str) -> None:
        self.body = body
        self.path_suffix = path_suffix
        self.requests = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if not request.url.path.endswith(self.path_suffix):
            return httpx.Response(404, json={"code": "not_found", "message": f"bench: {request.url.path}"})
        return httpx.Response(200, content=self.body, headers={"content-type": "application/json"})


def _label(value: Any) -> str:
    value = getattr(value, "value", value)
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("nan")


Result = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _from_legacy_models(segments: list[Any]) -> Result:
    """Typed legacy segments (ours or the official SDK's: same attribute names) as a matrix and a table."""
    matrix = np.array([s.float_ for s in segments], dtype=np.float32)
    return (
        matrix,
        *_table(
            segments,
            lambda s: s.start_offset_sec,
            lambda s: s.end_offset_sec,
            lambda s: s.embedding_option,
            lambda s: s.embedding_scope,
        ),
    )


def _from_v2_models(data: list[Any]) -> Result:
    """Typed v2 data items (ours or the official SDK's) as a matrix and a table."""
    matrix = np.array([d.embedding for d in data], dtype=np.float32)
    return (
        matrix,
        *_table(
            data, lambda d: d.start_sec, lambda d: d.end_sec, lambda d: d.embedding_option, lambda d: d.embedding_scope
        ),
    )


def _table(
    rows: list[Any],
    start: Callable[[Any], Any],
    end: Callable[[Any], Any],
    option: Callable[[Any], Any],
    scope: Callable[[Any], Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([_number(start(r)) for r in rows], dtype=np.float64),
        np.array([_number(end(r)) for r in rows], dtype=np.float64),
        np.array([_label(option(r)) for r in rows], dtype=np.str_),
        np.array([_label(scope(r)) for r in rows], dtype=np.str_),
    )


def digest(result: Result) -> dict[str, Any]:
    vectors, start, end, option, scope = result
    table = hashlib.sha256()
    table.update(np.ascontiguousarray(start, dtype=np.float64).tobytes())
    table.update(np.ascontiguousarray(end, dtype=np.float64).tobytes())
    table.update("\x1f".join(map(str, option)).encode())
    table.update("\x1f".join(map(str, scope)).encode())
    return {
        "rows": int(vectors.shape[0]),
        "dimension": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        "dtype": str(vectors.dtype),
        "matrix_sha256": hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()).hexdigest(),
        "table_sha256": table.hexdigest(),
    }


# ----------------------------------------------------------------------------- (a) large results
def retrieve_call(contender: str, kind: str, body: Body) -> Callable[[], Result]:
    task_id = inputs.LEGACY_TASK_ID if kind == "legacy" else inputs.V2_TASK_ID
    transport = httpx.MockTransport(body.handler)
    if contender in ("ours", "ours-models"):
        from twelvelabs_embed import EmbedClient

        client = EmbedClient(API_KEY, base_url=BASE_URL, transport=transport)
        if contender == "ours":
            fetch = client.legacy.tasks.retrieve_arrays if kind == "legacy" else client.v2.tasks.retrieve_arrays

            def ours() -> Result:
                a = fetch(task_id)
                return a.vectors, a.start_sec, a.end_sec, a.option, a.scope

            return ours
        if kind == "legacy":

            def ours_models_legacy() -> Result:
                segments = client.legacy.tasks.retrieve(task_id).video_embedding.segments
                return _from_legacy_models(segments)

            return ours_models_legacy

        def ours_models_v2() -> Result:
            data = client.v2.tasks.retrieve(task_id).data
            return _from_v2_models(data)

        return ours_models_v2

    if contender == "floor":
        http = httpx.Client(base_url=BASE_URL, transport=transport)
        headers = {"x-api-key": API_KEY}
        if kind == "legacy":

            def floor_legacy() -> Result:
                response = http.get(f"/embed/tasks/{task_id}", headers=headers)
                response.raise_for_status()
                segments = orjson.loads(response.content)["video_embedding"]["segments"]
                matrix = np.array([s["float"] for s in segments], dtype=np.float32)
                return (
                    matrix,
                    *_table(
                        segments,
                        lambda s: s.get("start_offset_sec"),
                        lambda s: s.get("end_offset_sec"),
                        lambda s: s.get("embedding_option"),
                        lambda s: s.get("embedding_scope"),
                    ),
                )

            return floor_legacy

        def floor_v2() -> Result:
            response = http.get(f"/embed-v2/tasks/{task_id}", headers=headers)
            response.raise_for_status()
            data = orjson.loads(response.content)["data"]
            matrix = np.array([d["embedding"] for d in data], dtype=np.float32)
            return (
                matrix,
                *_table(
                    data,
                    lambda d: d.get("start_sec"),
                    lambda d: d.get("end_sec"),
                    lambda d: d.get("embedding_option"),
                    lambda d: d.get("embedding_scope"),
                ),
            )

        return floor_v2

    if contender == "simdjson":
        return _simdjson_call(kind, task_id, httpx.Client(base_url=BASE_URL, transport=transport))
    if contender == "msgspec":
        return _msgspec_call(kind, task_id, httpx.Client(base_url=BASE_URL, transport=transport))
    if contender == "sdk":
        from twelvelabs import TwelveLabs

        sdk = TwelveLabs(api_key=API_KEY, base_url=BASE_URL, httpx_client=httpx.Client(transport=transport))
        if kind == "legacy":

            def sdk_legacy() -> Result:
                segments = sdk.embed.tasks.retrieve(task_id).video_embedding.segments
                return _from_legacy_models(segments)

            return sdk_legacy

        def sdk_v2() -> Result:
            data = sdk.embed.v_2.tasks.retrieve(task_id).data
            return _from_v2_models(data)

        return sdk_v2
    raise SystemExit(f"unknown contender {contender!r}")


# Field names per task kind: (path to the item list, vector, start, end).
_FIELDS = {
    "legacy": (("video_embedding", "segments"), "float", "start_offset_sec", "end_offset_sec"),
    "v2": (("data",), "embedding", "start_sec", "end_sec"),
}


def _simdjson_call(kind: str, task_id: str, http: httpx.Client) -> Callable[[], Result]:
    """The pysimdjson floor: one parse, then each vector's doubles copied straight into a float32 matrix row."""
    import simdjson

    parser = simdjson.Parser()
    path, vector, start_key, end_key = _FIELDS[kind]
    url = f"/embed/tasks/{task_id}" if kind == "legacy" else f"/embed-v2/tasks/{task_id}"
    headers = {"x-api-key": API_KEY}

    def floor_simdjson() -> Result:
        response = http.get(url, headers=headers)
        response.raise_for_status()
        items = parser.parse(response.content)
        for key in path:
            items = items[key]
        rows = len(items)
        matrix: np.ndarray | None = None
        start = np.empty(rows, dtype=np.float64)
        end = np.empty(rows, dtype=np.float64)
        option, scope = [], []
        for row, item in enumerate(items):
            values = np.frombuffer(item[vector].as_buffer(of_type="d"), dtype=np.float64)
            if matrix is None:
                matrix = np.empty((rows, len(values)), dtype=np.float32)
            matrix[row] = values  # a length mismatch raises
            start[row] = _number(item.get(start_key))
            end[row] = _number(item.get(end_key))
            option.append(_label(item.get("embedding_option")))
            scope.append(_label(item.get("embedding_scope")))
        del item, items  # the parser may be reused only once no proxy into its document is left
        if matrix is None:
            matrix = np.empty((0, 0), dtype=np.float32)
        return matrix, start, end, np.array(option, dtype=np.str_), np.array(scope, dtype=np.str_)

    return floor_simdjson


def _msgspec_call(kind: str, task_id: str, http: httpx.Client) -> Callable[[], Result]:
    """The msgspec floor: a typed Struct decode of the fields the table needs, then one float32 matrix."""
    import msgspec

    # defstruct, not class bodies: this module's postponed annotations cannot name function-local classes.
    segment = msgspec.defstruct(
        "Segment",
        [
            ("vector", list[float], msgspec.field(name="float")),
            ("start_offset_sec", float | None, None),
            ("end_offset_sec", float | None, None),
            ("embedding_option", str | None, None),
            ("embedding_scope", str | None, None),
        ],
    )
    video_embedding = msgspec.defstruct("VideoEmbedding", [("segments", list[segment] | None, None)])
    legacy_task = msgspec.defstruct("LegacyTask", [("video_embedding", video_embedding | None, None)])
    item = msgspec.defstruct(
        "Item",
        [
            ("embedding", list[float]),
            ("start_sec", float | None, None),
            ("end_sec", float | None, None),
            ("embedding_option", str | None, None),
            ("embedding_scope", str | None, None),
        ],
    )
    v2_task = msgspec.defstruct("V2Task", [("data", list[item] | None, None)])

    headers = {"x-api-key": API_KEY}
    if kind == "legacy":
        legacy = msgspec.json.Decoder(legacy_task)

        def floor_msgspec_legacy() -> Result:
            response = http.get(f"/embed/tasks/{task_id}", headers=headers)
            response.raise_for_status()
            video = legacy.decode(response.content).video_embedding
            segments = (video.segments if video else None) or []
            matrix = np.array([s.vector for s in segments], dtype=np.float32)
            return (
                matrix,
                *_table(
                    segments,
                    lambda s: s.start_offset_sec,
                    lambda s: s.end_offset_sec,
                    lambda s: s.embedding_option,
                    lambda s: s.embedding_scope,
                ),
            )

        return floor_msgspec_legacy
    v2 = msgspec.json.Decoder(v2_task)

    def floor_msgspec_v2() -> Result:
        response = http.get(f"/embed-v2/tasks/{task_id}", headers=headers)
        response.raise_for_status()
        data = v2.decode(response.content).data or []
        matrix = np.array([d.embedding for d in data], dtype=np.float32)
        return (
            matrix,
            *_table(
                data,
                lambda d: d.start_sec,
                lambda d: d.end_sec,
                lambda d: d.embedding_option,
                lambda d: d.embedding_scope,
            ),
        )

    return floor_msgspec_v2


def scenario_retrieve(args: argparse.Namespace) -> dict[str, Any]:
    make = inputs.legacy_body if args.kind == "legacy" else inputs.v2_body
    suffix = (
        f"/embed/tasks/{inputs.LEGACY_TASK_ID}" if args.kind == "legacy" else f"/embed-v2/tasks/{inputs.V2_TASK_ID}"
    )
    body = Body(make(inputs.WARMUP_SECONDS), suffix)  # a small body first: same code paths, warmed up
    call = retrieve_call(args.contender, args.kind, body)
    for _ in range(2):
        call()
    body.body = Path(args.body).read_bytes()
    result, seconds, growth, method = measured(call)
    info = digest(result)
    del result
    times = [seconds]
    for _ in range(args.reps - 1):
        gc.collect()
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
        del result
    return {
        "seconds": times,
        "median_seconds": statistics.median(times),
        "peak_rss_growth": growth,
        "memory_method": method,
        "body_bytes": len(body.body),
        **info,
    }


# ----------------------------------------------------------------------------- (b) per-call overhead
def small_call(contender: str, body: Body) -> Callable[[], Any]:
    transport = httpx.MockTransport(body.handler)
    task_id = inputs.LEGACY_TASK_ID
    if contender == "ours":
        from twelvelabs_embed import EmbedClient

        client = EmbedClient(API_KEY, base_url=BASE_URL, transport=transport)
        return lambda: client.legacy.tasks.status(task_id)
    if contender == "floor":
        http = httpx.Client(base_url=BASE_URL, transport=transport)
        headers = {"x-api-key": API_KEY}

        def floor() -> Any:
            response = http.get(f"/embed/tasks/{task_id}/status", headers=headers)
            response.raise_for_status()
            return orjson.loads(response.content)

        return floor
    if contender == "sdk":
        from twelvelabs import TwelveLabs

        sdk = TwelveLabs(api_key=API_KEY, base_url=BASE_URL, httpx_client=httpx.Client(transport=transport))
        return lambda: sdk.embed.tasks.status(task_id)
    raise SystemExit(f"unknown contender {contender!r}")


def scenario_small(args: argparse.Namespace) -> dict[str, Any]:
    """All contenders in one process, interleaved in short blocks, so background load hits them alike.

    (No memory is measured here, so sharing a process costs nothing; what would skew a per-call median on a
    shared 2-core machine is one contender running during a quiet minute and another during a busy one.)
    """
    calls: dict[str, Callable[[], Any]] = {}
    bodies: dict[str, Body] = {}
    for contender in args.contenders:
        bodies[contender] = Body(
            inputs.legacy_status_body("processing"), f"/embed/tasks/{inputs.LEGACY_TASK_ID}/status"
        )
        calls[contender] = small_call(contender, bodies[contender])
        status = calls[contender]()
        status = status["status"] if isinstance(status, dict) else _label(status.status)
        if status != "processing":
            raise SystemExit(f"{contender}: status call returned {status!r}")
        for _ in range(args.warmup):
            calls[contender]()
    clock = time.perf_counter_ns
    samples: dict[str, list[int]] = {c: [] for c in calls}
    block = max(1, args.iterations // args.rounds)
    for round_ in range(args.rounds):
        order = list(calls)[round_ % len(calls) :] + list(calls)[: round_ % len(calls)]
        for contender in order:
            call, out = calls[contender], samples[contender]
            for _ in range(block):
                started = clock()
                call()
                out.append(clock() - started)
    result = {}
    for contender, values in samples.items():
        micro = sorted(v / 1000 for v in values)
        result[contender] = {
            "iterations": len(micro),
            "median_us": statistics.median(micro),
            "p10_us": micro[len(micro) // 10],
            "p90_us": micro[(len(micro) * 9) // 10],
            "mean_us": statistics.fmean(micro),
            "requests": bodies[contender].requests,
        }
    return result


# ----------------------------------------------------------------------------- (c) upload
def upload_call(contender: str, base_url: str, api_key: str) -> Callable[[str], str]:
    timeout = httpx.Timeout(60.0, read=300.0)
    if contender == "ours":
        from twelvelabs_embed import EmbedClient, Timeouts

        client = EmbedClient(api_key, base_url=base_url, timeouts=Timeouts(read=300.0))
        return lambda path: client.legacy.tasks.create(video_file=path).id
    if contender == "floor":
        http = httpx.Client(base_url=base_url, timeout=timeout)

        def floor(path: str) -> str:
            with open(path, "rb") as f:
                response = http.post(
                    "/embed/tasks",
                    headers={"x-api-key": api_key},
                    data={"model_name": "marengo3.0"},
                    files={"video_file": (os.path.basename(path), f, "application/octet-stream")},
                )
            response.raise_for_status()
            return str(orjson.loads(response.content)["_id"])

        return floor
    if contender == "sdk":
        from twelvelabs import TwelveLabs

        sdk = TwelveLabs(api_key=api_key, base_url=base_url, httpx_client=httpx.Client(timeout=timeout))

        def official(path: str) -> str:
            with open(path, "rb") as f:
                return str(sdk.embed.tasks.create(model_name="marengo3.0", video_file=f).id)

        return official
    raise SystemExit(f"unknown contender {contender!r}")


def scenario_upload(args: argparse.Namespace) -> dict[str, Any]:
    call = upload_call(args.contender, args.base_url, args.api_key)
    call(args.warm_file)
    task_id, seconds, growth, method = measured(lambda: call(args.file))
    size = os.path.getsize(args.file)
    return {
        "task_id": task_id,
        "bytes": size,
        "seconds": seconds,
        "mib_per_s": size / seconds / (1 << 20),
        "peak_rss_growth": growth,
        "memory_method": method,
    }


# ----------------------------------------------------------------------------- (d) polling
class FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += max(0.0, seconds)


class PollServer:
    """Answers `processing` until the fake time reaches `finish`, then `ready`; counts requests."""

    def __init__(self, time_: FakeTime, finish: float) -> None:
        self.time = time_
        self.finish = finish
        self.requests = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        status = "ready" if self.time.now >= self.finish else "processing"
        if "/embed-v2/tasks/" in request.url.path:
            return httpx.Response(
                200,
                content=inputs.v2_status_body(status)
                if status != "ready"
                else orjson.dumps({"_id": inputs.V2_TASK_ID, "status": "ready", "data": []}),
            )
        return httpx.Response(200, content=inputs.legacy_status_body(status))


def poll_once(variant: str, finish: float, seed: int) -> tuple[int, float]:
    """(requests, detection delay in seconds) for one task finishing at `finish` fake seconds."""
    import random

    fake_time = FakeTime()
    server = PollServer(fake_time, finish)
    transport = httpx.MockTransport(server.handler)
    if variant in ("ours-legacy", "ours-v2"):
        from twelvelabs_embed import EmbedClient

        client = EmbedClient(
            API_KEY,
            base_url=BASE_URL,
            transport=transport,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            rand=random.Random(seed).random,
        )
        if variant == "ours-legacy":
            task = client.legacy.tasks.wait_for_done(inputs.LEGACY_TASK_ID)
        else:
            task = client.v2.tasks.wait(inputs.V2_TASK_ID)
        assert _label(task.status) == "ready"
    elif variant == "sdk-legacy":
        from twelvelabs import TwelveLabs
        from twelvelabs.wrapper import embed_client_wrapper

        # The SDK's wait_for_done calls time.sleep(5.0) from its own module: give that module a fake clock.
        embed_client_wrapper.time = SimpleNamespace(sleep=fake_time.sleep)  # type: ignore[assignment]
        sdk = TwelveLabs(api_key=API_KEY, base_url=BASE_URL, httpx_client=httpx.Client(transport=transport))
        task = sdk.embed.tasks.wait_for_done(inputs.LEGACY_TASK_ID)
        assert task.status == "ready"
    elif variant == "fixed-v2":
        # No SDK helper exists for v2 tasks; the official examples loop on retrieve every 5 s.
        from twelvelabs import TwelveLabs

        sdk = TwelveLabs(api_key=API_KEY, base_url=BASE_URL, httpx_client=httpx.Client(transport=transport))
        while sdk.embed.v_2.tasks.retrieve(inputs.V2_TASK_ID).status not in ("ready", "failed"):
            fake_time.sleep(FIXED_POLL_INTERVAL)
    else:
        raise SystemExit(f"unknown poll variant {variant!r}")
    return server.requests, fake_time.now - finish


def scenario_poll(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for duration in args.durations:
        runs = []
        for k in range(args.phases):
            # Finish times spread over one fixed-loop period, so the fixed loop is not flattered by a lucky phase.
            finish = duration + k * FIXED_POLL_INTERVAL / args.phases
            runs.append(poll_once(args.variant, finish, seed=k))
        requests = [r for r, _ in runs]
        delays = [d for _, d in runs]
        out[str(duration)] = {
            "requests_mean": statistics.fmean(requests),
            "requests_max": max(requests),
            "delay_mean": statistics.fmean(delays),
            "delay_max": max(delays),
        }
    return out


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="scenario", required=True)
    r = sub.add_parser("retrieve")
    r.add_argument("--contender", required=True)
    r.add_argument("--kind", choices=("legacy", "v2"), required=True)
    r.add_argument("--body", required=True)
    r.add_argument("--reps", type=int, default=3)
    s = sub.add_parser("small")
    s.add_argument("--contenders", type=lambda text: text.split(","), default=["floor", "ours", "sdk"])
    s.add_argument("--iterations", type=int, default=6000, help="per contender")
    s.add_argument("--rounds", type=int, default=30)
    s.add_argument("--warmup", type=int, default=300)
    u = sub.add_parser("upload")
    u.add_argument("--contender", required=True)
    u.add_argument("--base-url", required=True)
    u.add_argument("--api-key", default=API_KEY)
    u.add_argument("--file", required=True)
    u.add_argument("--warm-file", required=True)
    p = sub.add_parser("poll")
    p.add_argument("--variant", required=True)
    p.add_argument("--durations", type=lambda text: [float(x) for x in text.split(",")], required=True)
    p.add_argument("--phases", type=int, default=20)
    args = parser.parse_args(argv)
    fn = {"retrieve": scenario_retrieve, "small": scenario_small, "upload": scenario_upload, "poll": scenario_poll}
    print(json.dumps(fn[args.scenario](args)), flush=True)


if __name__ == "__main__":
    main()
