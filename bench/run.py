"""Benchmarks: twelvelabs-embed vs the official `twelvelabs` SDK vs the floor (raw httpx + orjson + numpy).

    bash bench/setup.sh                   # once: bench/.venv with twelvelabs==1.3.6, matplotlib, this package
    bench/.venv/bin/python bench/run.py   # ~3 minutes on 2 cores; writes BENCHMARKS.md and bench/benchmarks.png
    bench/.venv/bin/python bench/run.py --quick   # smoke run (~30 s): small sizes, writes bench/out/ only

Scenarios (inputs are generated here, deterministically, by `bench/inputs.py`):
  (a) large results: legacy `GET /embed/tasks/{id}` and v2 `GET /embed-v2/tasks/{id}` at 10 min, 1 h and 4 h of
      media, answered by an in-process `httpx.MockTransport` with the same pre-built bytes for every contender;
      wall time to a float32 matrix + segment table, and peak RSS growth, each contender in a fresh process.
  (b) per-call overhead: `GET /embed/tasks/{id}/status`, thousands of calls, median microseconds per call.
  (c) upload: a 1 GiB file (written to a temp dir at run time) to `POST /embed/tasks` over loopback; peak RSS
      growth and throughput. Server: `bench/upload_server.py` (discards the body, so the client is measured),
      then the project's fake (`twelvelabs_embed.testing.serve`) when it can be imported.
  (d) polling on a fake clock: requests and detection delay for tasks finishing after 10 s, 60 s, 10 min, 1 h;
      our `wait_for_done`/`wait` with the default `PollPolicy` vs the official SDK's `wait_for_done` (5 s).

Timing assertions never go in the test suite; this script reports, it does not fail on a missed target
(it exits non-zero only when a contender errors or returns a wrong matrix).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "worker.py"
if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import inputs  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30
CONTENDERS = ("floor", "ours", "ours-models", "sdk")
NAMES = {
    "floor": "floor (httpx+orjson+numpy)",
    "ours": "ours (retrieve_arrays)",
    "ours-models": "ours (retrieve → models)",
    "sdk": "official SDK 1.3.6",
}
TARGETS = {
    "a_floor": 1.5,
    "a_sdk": 20.0,
    "b_floor": 1.3,
    "c_mem": 32 * MiB,
    "d_delay_fraction": 0.10,
    "d_fewer": 0.5,  # "far fewer": at most half the fixed loop's requests
}


@dataclass
class Plan:
    sizes: list[str]
    reps: dict[str, dict[str, int]]  # contender -> size -> reps
    small_iterations: int
    small_rounds: int
    small_processes: int
    upload_bytes: int
    upload_rounds: int
    poll_durations: list[float]
    poll_phases: int
    quick: bool


def plan(quick: bool) -> Plan:
    if quick:
        sizes = ["1min", "10min"]
        fast = {s: 2 for s in sizes}
        return Plan(
            sizes=sizes,
            reps={"floor": fast, "ours": fast, "ours-models": fast, "sdk": {s: 1 for s in sizes}},
            small_iterations=600,
            small_rounds=6,
            small_processes=1,
            upload_bytes=64 * MiB,
            upload_rounds=1,
            poll_durations=[10, 60, 600, 3600],
            poll_phases=4,
            quick=True,
        )
    sizes = ["10min", "1h", "4h"]
    return Plan(
        sizes=sizes,
        reps={
            "floor": {"10min": 5, "1h": 5, "4h": 3},
            "ours": {"10min": 5, "1h": 5, "4h": 3},
            "ours-models": {"10min": 3, "1h": 3, "4h": 2},
            "sdk": {"10min": 3, "1h": 2, "4h": 1},
        },
        small_iterations=6000,
        small_rounds=30,
        small_processes=3,
        upload_bytes=GiB,
        upload_rounds=3,
        poll_durations=[10, 60, 600, 3600],
        poll_phases=20,
        quick=False,
    )


# ----------------------------------------------------------------------------- helpers
def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def worker(*args: str, timeout: float = 600) -> dict[str, Any]:
    """Run `worker.py ARGS` in a fresh interpreter; its last stdout line is the JSON result."""
    proc = subprocess.run(
        [sys.executable, str(WORKER), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else platform.processor() or "unknown"
    memory = "unknown"
    with contextlib.suppress(OSError, AttributeError):
        kib = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))  # type: ignore[union-attr]
        memory = f"{kib / (1 << 20):.1f} GiB"
    versions = {}
    probe = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        "for name in ('twelvelabs-embed', 'twelvelabs', 'httpx', 'numpy', 'orjson', 'pydantic', 'matplotlib'):\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: out[name] = None\n"
        "print(json.dumps(out))\n"
    )
    with contextlib.suppress(Exception):
        versions = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout)
    commit = "unknown"
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True).stdout
        commit += " (+ uncommitted changes)" if dirty.strip() else ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version() + f" ({platform.python_implementation()})",
        "os": platform.platform(),
        "versions": versions,
        "commit": commit,
        "load_before": os.getloadavg(),
        "started_utc": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    }


@contextlib.contextmanager
def server(cmd: list[str], ready: str, logs: Path, timeout: float = 30.0) -> Iterator[str]:
    """Start a loopback server subprocess; yield its base URL once it prints its ready line; stop it after.

    Its output goes to files (a pipe nobody reads could fill up and stall the server mid-benchmark).
    """
    out_path, err_path = logs.with_suffix(".out"), logs.with_suffix(".err")
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + timeout
        base_url = None
        while base_url is None and time.monotonic() < deadline and proc.poll() is None:
            for line in out_path.read_text().splitlines():
                if line.startswith(ready):
                    base_url = re.search(r"base_url=(\S+)", line).group(1)  # type: ignore[union-attr]
            time.sleep(0.05)
        if base_url is None:
            raise RuntimeError(f"server did not start: {' '.join(cmd)}: {err_path.read_text().strip()[-400:]}")
        yield base_url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def fmt_duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_mib(value: float | None) -> str:
    return "—" if value is None else f"{value / MiB:.1f} MiB"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def fmt_x(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}x"


def mark(ok: bool | str | None) -> str:
    """Verdict text: True met, False not met, "borderline" (on the threshold within run-to-run noise), None n/a."""
    if isinstance(ok, str):
        return f"**{ok}**"
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


# ----------------------------------------------------------------------------- scenarios
@dataclass
class Results:
    machine: dict[str, Any]
    plan: Plan
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    retrieve: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # "kind/size" -> contender -> r
    small: dict[str, Any] = field(default_factory=dict)
    upload: dict[str, Any] = field(default_factory=dict)
    poll: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_retrieve(res: Results, tmp: Path, contenders: list[str]) -> None:
    for size_label in res.plan.sizes:
        size = inputs.SIZES[size_label]
        expected = inputs.expected_matrix(size.seconds)
        expected_sha = hashlib.sha256(expected.tobytes()).hexdigest()
        del expected
        for kind, make in (("legacy", inputs.legacy_body), ("v2", inputs.v2_body)):
            body = make(size.seconds)
            path = tmp / f"{kind}-{size_label}.json"
            path.write_bytes(body)
            key = f"{kind}/{size_label}"
            res.bodies[key] = {"bytes": len(body), "sha256": inputs.sha256(body), "vectors": size.vectors}
            del body
            res.retrieve[key] = {}
            for contender in contenders:
                reps = res.plan.reps[contender][size_label]
                log(f"(a) {key:12s} {contender:12s} x{reps}")
                r = worker(
                    "retrieve", "--contender", contender, "--kind", kind, "--body", str(path), "--reps", str(reps)
                )
                if "error" in r:
                    res.problems.append(f"(a) {key} {contender}: {r['error']}")
                elif r["matrix_sha256"] != expected_sha or r["rows"] != size.vectors:
                    res.problems.append(
                        f"(a) {key} {contender}: wrong matrix ({r['rows']} rows, {r['matrix_sha256'][:12]})"
                    )
                res.retrieve[key][contender] = r
            tables = {r.get("table_sha256") for r in res.retrieve[key].values() if "error" not in r}
            if len(tables) > 1:
                res.problems.append(f"(a) {key}: contenders disagree on the segment table")
            path.unlink()


def run_small(res: Results, contenders: list[str]) -> None:
    """Several fresh worker processes, each interleaving the contenders; per contender the median of the runs."""
    runs = []
    for n in range(res.plan.small_processes):
        log(
            f"(b) per-call overhead, process {n + 1}/{res.plan.small_processes}: {res.plan.small_iterations} calls each"
        )
        r = worker(
            "small",
            "--contenders",
            ",".join(contenders),
            "--iterations",
            str(res.plan.small_iterations),
            "--rounds",
            str(res.plan.small_rounds),
        )
        if "error" in r:
            res.problems.append(f"(b): {r['error']}")
            res.small = r
            return
        runs.append(r)
    res.small = {
        c: {
            "median_us": statistics.median(r[c]["median_us"] for r in runs),
            "p10_us": statistics.median(r[c]["p10_us"] for r in runs),
            "p90_us": statistics.median(r[c]["p90_us"] for r in runs),
            "iterations": sum(r[c]["iterations"] for r in runs),
            "per_process_median_us": [r[c]["median_us"] for r in runs],
        }
        for c in contenders
    }


def fake_available() -> str | None:
    """None when `twelvelabs_embed.testing.serve` and its server deps import in this venv, else the reason."""
    proc = subprocess.run(
        [sys.executable, "-c", "from twelvelabs_embed.testing import serve; import uvicorn"],
        capture_output=True,
        text=True,
    )
    return None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["import failed"])[-1]


def run_upload(res: Results, tmp: Path, contenders: list[str], which: str) -> None:
    size = res.plan.upload_bytes
    log(f"(c) writing the {size / MiB:.0f} MiB upload file")
    big = inputs.write_upload_file(tmp / "upload.bin", size)
    warm = inputs.write_upload_file(tmp / "warm.bin", 64 * 1024)
    with open(big, "rb") as f:  # flush it to disk now, so write-back does not run during a measured upload
        os.fsync(f.fileno())
    res.upload = {"bytes": size, "servers": {}}
    servers: list[tuple[str, list[str], str, str]] = []
    if which in ("both", "minimal"):
        servers.append(
            (
                "minimal",
                [sys.executable, str(HERE / "upload_server.py"), "--port", "0"],
                "upload server ready",
                "bench-key",
            )
        )
    if which in ("both", "fake"):
        reason = fake_available()
        if reason is None:
            code = "from twelvelabs_embed.testing import serve; serve('127.0.0.1', 0, api_key='bench-key')"
            servers.append(("fake", [sys.executable, "-c", code], "twelvelabs-embed fake server ready", "bench-key"))
        else:
            res.upload["fake_skipped"] = reason
            log(f"(c) project fake not available: {reason}")
    for name, cmd, ready, key in servers:
        rounds = res.plan.upload_rounds if name == "minimal" else 1
        runs: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
        try:
            with server(cmd, ready, tmp / f"server-{name}") as base_url:
                # One unmeasured upload of the big file first: a server's first large upload is slower (its
                # memory and temp files grow for the first time), which would penalise whoever goes first.
                log(f"(c) {name:7s} warm-up upload (not measured)")
                worker(
                    "upload",
                    "--contender",
                    "floor",
                    "--base-url",
                    base_url,
                    "--api-key",
                    key,
                    "--file",
                    str(big),
                    "--warm-file",
                    str(warm),
                )
                for round_ in range(rounds):
                    order = contenders[round_ % len(contenders) :] + contenders[: round_ % len(contenders)]
                    for contender in order:
                        log(f"(c) {name:7s} round {round_ + 1}/{rounds} {contender}")
                        r = worker(
                            "upload",
                            "--contender",
                            contender,
                            "--base-url",
                            base_url,
                            "--api-key",
                            key,
                            "--file",
                            str(big),
                            "--warm-file",
                            str(warm),
                        )
                        if "error" in r:
                            res.problems.append(f"(c) {name} {contender}: {r['error']}")
                        elif name == "minimal":
                            r["server"] = _bench_last(base_url)
                            if r["server"].get("received", 0) < size or not r["server"].get("multipart_closed"):
                                res.problems.append(f"(c) {name} {contender}: server saw {r['server']}")
                        runs[contender].append(r)
        except RuntimeError as exc:
            if name != "fake":
                raise
            # The fake belongs to another part of the project: note why it could not serve, do not fail the run.
            res.upload["fake_skipped"] = str(exc).strip().splitlines()[-1]
            log(f"(c) project fake could not serve: {res.upload['fake_skipped']}")
            continue
        summary = {}
        for contender, rs in runs.items():
            ok = [r for r in rs if "error" not in r]
            if not ok:
                summary[contender] = {"error": rs[0]["error"] if rs else "no run"}
                continue
            speeds = sorted(r["mib_per_s"] for r in ok)
            summary[contender] = {
                "runs": len(ok),
                "best_mib_per_s": speeds[-1],
                "median_mib_per_s": speeds[len(speeds) // 2],
                "peak_rss_growth": max(r["peak_rss_growth"] for r in ok),
                "memory_method": ok[0]["memory_method"],
            }
        res.upload["servers"][name] = summary
    big.unlink()
    warm.unlink()


def _bench_last(base_url: str) -> dict[str, Any]:
    import httpx

    origin = base_url.rsplit("/v1.3", 1)[0]
    try:
        return httpx.get(f"{origin}/_bench/last", timeout=10).json()
    except Exception as exc:  # the numbers are a cross-check; a failure is reported, not fatal
        return {"error": str(exc)}


def run_poll(res: Results, variants: list[str]) -> None:
    durations = ",".join(f"{d:g}" for d in res.plan.poll_durations)
    for variant in variants:
        log(f"(d) polling {variant}")
        r = worker("poll", "--variant", variant, "--durations", durations, "--phases", str(res.plan.poll_phases))
        if "error" in r:
            res.problems.append(f"(d) {variant}: {r['error']}")
        res.poll[variant] = r


# ----------------------------------------------------------------------------- verdicts and report
def verdicts(res: Results) -> list[tuple[str, str, bool | str | None, str]]:
    """(target, measured, met?, cause/comment) rows."""
    out: list[tuple[str, str, bool | str | None, str]] = []
    floor_ratios, sdk_ratios, mem_rows = [], [], []
    for key, by in res.retrieve.items():
        ours, floor, sdk = (by.get(c, {}) for c in ("ours", "floor", "sdk"))
        fr = ratio(ours.get("median_seconds"), floor.get("median_seconds"))
        sr = ratio(sdk.get("median_seconds"), ours.get("median_seconds"))
        if fr is not None:
            floor_ratios.append((key, fr))
        if sr is not None:
            sdk_ratios.append((key, sr))
        # Bodies under ~1 MB move RSS by a few pages at most: below what this measurement resolves.
        if (
            ours.get("peak_rss_growth") is not None
            and sdk.get("peak_rss_growth") is not None
            and (res.bodies[key]["bytes"] >= 1_000_000)
        ):
            mem_rows.append((key, ours["peak_rss_growth"], sdk["peak_rss_growth"]))
    if floor_ratios:
        worst = max(floor_ratios, key=lambda kv: kv[1])
        ok = worst[1] <= TARGETS["a_floor"]
        out.append(
            (
                "(a) time within 1.5x of the floor",
                f"worst {worst[1]:.2f}x ({worst[0]})",
                ok,
                "" if ok else "see the per-size table",
            )
        )
    if sdk_ratios:
        worst = min(sdk_ratios, key=lambda kv: kv[1])
        ok = worst[1] >= TARGETS["a_sdk"]
        comment = "" if ok else "the gap to the SDK shrinks on small bodies, where fixed per-call costs dominate"
        big = [kv for kv in sdk_ratios if kv[0].endswith(("/1h", "/4h"))]
        if not ok and big and min(v for _, v in big) >= TARGETS["a_sdk"]:
            comment = f"met at 1 h and 4 h (≥ {min(v for _, v in big):.0f}x); missed only at {worst[0]}: " + comment
        out.append(("(a) ≥ 20x faster than the official SDK", f"worst {worst[1]:.0f}x ({worst[0]})", ok, comment))
    if mem_rows:
        ok = all(o < s for _, o, s in mem_rows)
        worst = max(mem_rows, key=lambda r: r[1] / max(r[2], 1))
        out.append(
            (
                "(a) peak memory below the official SDK's",
                f"worst {fmt_mib(worst[1])} vs {fmt_mib(worst[2])} ({worst[0]})",
                ok,
                "",
            )
        )
    small = res.small if "error" not in res.small else {}
    if "ours" in small and "floor" in small:
        r = small["ours"]["median_us"] / small["floor"]["median_us"]
        ok = r <= TARGETS["b_floor"]
        per = [
            o / f
            for o, f in zip(
                small["ours"].get("per_process_median_us", []),
                small["floor"].get("per_process_median_us", []),
                strict=True,
            )
        ]
        extra = f"{small['ours']['median_us']:.0f} µs vs {small['floor']['median_us']:.0f} µs"
        if len(per) > 1:
            extra += "; per process " + ", ".join(f"{x:.2f}x" for x in per)
        verdict: bool | str = ok
        if abs(r - TARGETS["b_floor"]) <= 0.03 or (per and min(per) <= TARGETS["b_floor"] < max(per)):
            verdict = "borderline"  # within run-to-run noise of the threshold: neither reliably met nor missed
        cause = (
            ""
            if verdict is True
            else "at the limit: the ~25-30 µs on top of httpx are (micro-profiled separately) the generated model "
            "parse (stdlib json + attrs from_dict, ~9 µs), the retry/auth transport wrapper (~7-12 µs; it builds a "
            "second httpx.Request per call) and dispatch/validation (~5 µs)"
        )
        out.append(("(b) per call within 1.3x of raw httpx", f"{r:.3f}x ({extra})", verdict, cause))
    for name, summary in res.upload.get("servers", {}).items():
        ours = summary.get("ours", {})
        if "peak_rss_growth" in ours:
            ok = ours["peak_rss_growth"] < TARGETS["c_mem"]
            size = res.upload["bytes"]
            out.append(
                (
                    f"(c) upload peak RSS growth < 32 MiB for {size / MiB:.0f} MiB ({name} server)",
                    fmt_mib(ours["peak_rss_growth"]),
                    ok,
                    "",
                )
            )
    ours_poll = res.poll.get("ours-v2", {})
    fixed = res.poll.get("sdk-legacy", {})
    long_rows = []
    for duration in res.plan.poll_durations:
        if duration < 600:
            continue
        o, f = ours_poll.get(str(float(duration))), fixed.get(str(float(duration)))
        if not o or not f:
            continue
        fewer = o["requests_mean"] <= TARGETS["d_fewer"] * f["requests_mean"]
        delay = o["delay_max"] <= TARGETS["d_delay_fraction"] * duration
        long_rows.append((duration, o, f, fewer and delay))
    if long_rows:
        ok = all(r[3] for r in long_rows)
        text = "; ".join(
            f"{fmt_duration(d)}: {o['requests_mean']:.0f} vs {f['requests_mean']:.0f} requests, max delay "
            f"{o['delay_max']:.1f} s ({100 * o['delay_max'] / d:.1f}%)"
            for d, o, f, _ in long_rows
        )
        out.append(("(d) long tasks: far fewer requests than the 5 s loop, delay ≤ 10%", text, ok, ""))
    return out


def observations(res: Results) -> list[str]:
    """Data-driven notes on what the numbers mean (each one only when the data shows it)."""
    notes: list[str] = []
    big = [k for k in res.retrieve if k.endswith("/4h")] or list(res.retrieve)[-1:]
    for key in big[:1]:
        by = res.retrieve[key]
        ours, floor, sdk, models = (by.get(c, {}) for c in ("ours", "floor", "sdk", "ours-models"))
        if "median_seconds" in ours and "median_seconds" in floor and ours["median_seconds"] < floor["median_seconds"]:
            notes.append(
                f"At {key} our fast path is faster than the floor ({fmt_s(ours['median_seconds'])} vs "
                f"{fmt_s(floor['median_seconds'])}) and uses a tenth of its memory ({fmt_mib(ours['peak_rss_growth'])} "
                f"vs {fmt_mib(floor['peak_rss_growth'])}). The floor parses the whole document at once: orjson builds "
                "its own document tree, then one Python float per value (3.7 million at 4 h), then numpy copies them. "
                "`retrieve_arrays` parses one vector at a time straight into a preallocated float32 matrix, so at most "
                "one vector's Python floats exist at a time and the allocator reuses the same memory."
            )
        if (
            "peak_rss_growth" in floor
            and "peak_rss_growth" in sdk
            and floor["peak_rss_growth"] > sdk["peak_rss_growth"]
        ):
            notes.append(
                f"The floor's peak memory at {key} ({fmt_mib(floor['peak_rss_growth'])}) is above the official SDK's "
                f"({fmt_mib(sdk['peak_rss_growth'])}): orjson's intermediate document tree costs more than the stdlib "
                "json module's str copy of the body. The SDK is slow rather than memory-hungry: before pydantic "
                "validates the body, its Fern core walks every value in Python "
                "(`core.serialization.convert_and_respect_annotation_metadata`, with several `typing.get_origin` "
                "calls per float)."
            )
        if "median_seconds" in models and "median_seconds" in floor:
            notes.append(
                f"Our model path (`retrieve()` → generated attrs models) takes {fmt_s(models['median_seconds'])} and "
                f"{fmt_mib(models['peak_rss_growth'])} at {key}: "
                f"{ratio(models['median_seconds'], floor['median_seconds']):.1f}x the floor, still an order of "
                "magnitude ahead of the SDK; for large results `retrieve_arrays()` is the call to use."
            )
    small = res.small if res.small and "error" not in res.small else {}
    if "ours" in small and "floor" in small:
        extra = small["ours"]["median_us"] - small["floor"]["median_us"]
        notes.append(
            f"Per call, ours adds about {extra:.0f} µs to raw httpx: building the attrs models (orjson, then "
            "the generated `from_dict` of nested models), the "
            "retry/auth transport wrapper (API key per origin, User-Agent, per-call options), and argument "
            "validation. The official SDK adds about "
            f"{small.get('sdk', {}).get('median_us', 0) - small['floor']['median_us']:.0f} µs "
            "(its Fern core and pydantic)."
        )
    fake = res.upload.get("servers", {}).get("fake", {})
    minimal = res.upload.get("servers", {}).get("minimal", {})
    if fake and minimal and "best_mib_per_s" in fake.get("ours", {}) and "best_mib_per_s" in minimal.get("ours", {}):
        notes.append(
            f"Uploads stream from disk in all three clients (RSS grows by less than 1 MiB for "
            f"{res.upload['bytes'] / MiB:.0f} MiB). Against the project's fake the throughput "
            f"({fake['ours']['best_mib_per_s']:.0f} MiB/s) is the fake's: it parses the multipart body in Python and "
            "reads the whole file into server memory (`await value.read()`); "
            f"the discarding server shows what the clients can send ({minimal['ours']['best_mib_per_s']:.0f} MiB/s). "
            "Loopback throughput varies widely between runs on this shared 2-core machine (client and server "
            "compete for the same cores); the memory numbers are stable."
        )
    ours_poll, fixed = res.poll.get("ours-v2", {}), res.poll.get("sdk-legacy", {})
    worse = [
        d
        for d in res.plan.poll_durations
        if (o := ours_poll.get(str(float(d))))
        and (f := fixed.get(str(float(d))))
        and o["requests_mean"] > f["requests_mean"]
    ]
    if worse:
        cells = ", ".join(
            f"{fmt_duration(d)}: {ours_poll[str(float(d))]['requests_mean']:.0f} vs "
            f"{fixed[str(float(d))]['requests_mean']:.0f} requests"
            for d in worse
        )
        notes.append(
            f"For short tasks the default `PollPolicy` makes more requests than the 5 s loop ({cells}). It polls "
            "every 2 s for the first ~20 s and then every 10% of the time waited (x1.1 per poll) up to 60 s, so "
            "its intervals stay under 5 s until ~50 s into the wait; it breaks even at about 2-3 minutes and wins "
            "from there on. In exchange a 10 s task is seen within 2 s instead of 5 s."
        )
        both = [d for d in worse if ours_poll[str(float(d))]["delay_max"] > fixed[str(float(d))]["delay_max"]]
        if both:
            notes[-1] += (
                f" At {', '.join(fmt_duration(d) for d in both)} the 5 s loop is ahead on both counts (fewer "
                "requests and a shorter worst delay): a 5 s floor on the interval once the first few fast polls are "
                "done would fix that without giving up the long-task savings."
            )
    return notes


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def retrieve_table(res: Results) -> str:
    rows = []
    for key, by in res.retrieve.items():
        floor_t = by.get("floor", {}).get("median_seconds")
        sdk_t = by.get("sdk", {}).get("median_seconds")
        for contender in CONTENDERS:
            r = by.get(contender)
            if r is None:
                continue
            if "error" in r:
                rows.append([key, NAMES[contender], "error", "", "", "", r["error"][:80]])
                continue
            t = r["median_seconds"]
            rows.append(
                [
                    key if contender == "floor" else "",
                    NAMES[contender],
                    fmt_s(t),
                    fmt_x(ratio(t, floor_t)),
                    fmt_x(ratio(sdk_t, t), 1) if contender != "sdk" else "1.0x",
                    fmt_mib(r["peak_rss_growth"]),
                    f"{res.bodies[key]['bytes'] / 1e6:.1f} MB, {r['rows']}x{r['dimension']}",
                ]
            )
    return table(
        ["task/size", "contender", "wall (median)", "÷ floor", "SDK ÷ this", "peak RSS growth", "body, matrix"], rows
    )


def small_table(res: Results) -> str:
    if not res.small or "error" in res.small:
        return "_not run_" if not res.small else f"error: {res.small['error']}"
    floor = res.small.get("floor", {}).get("median_us")
    sdk = res.small.get("sdk", {}).get("median_us")
    rows = []
    for contender in ("floor", "ours", "sdk"):
        r = res.small.get(contender)
        if not r:
            continue
        rows.append(
            [
                {
                    "floor": "floor (raw httpx + orjson)",
                    "ours": "ours (`legacy.tasks.status`)",
                    "sdk": "official SDK (`embed.tasks.status`)",
                }[contender],
                f"{r['median_us']:.1f}",
                f"{r['p10_us']:.1f} / {r['p90_us']:.1f}",
                fmt_x(ratio(r["median_us"], floor)),
                fmt_x(ratio(sdk, r["median_us"])),
                ", ".join(f"{x:.1f}" for x in r.get("per_process_median_us", [])),
                str(r["iterations"]),
            ]
        )
    return table(
        ["contender", "median µs/call", "p10 / p90 µs", "÷ floor", "SDK ÷ this", "median per process", "calls"], rows
    )


def upload_table(res: Results) -> str:
    rows = []
    for name, summary in res.upload.get("servers", {}).items():
        for contender in ("ours", "sdk", "floor"):
            r = summary.get(contender)
            if not r:
                continue
            if "error" in r:
                rows.append([name, contender, "error", "", "", r["error"][:80]])
                continue
            rows.append(
                [
                    name,
                    {
                        "ours": "ours (`legacy.tasks.create(video_file=path)`)",
                        "sdk": "official SDK (`embed.tasks.create(video_file=f)`)",
                        "floor": "floor (raw httpx `files=`)",
                    }[contender],
                    fmt_mib(r["peak_rss_growth"]),
                    f"{r['best_mib_per_s']:.0f}",
                    f"{r['median_mib_per_s']:.0f}",
                    str(r["runs"]),
                ]
            )
    text = table(["server", "contender", "peak RSS growth", "best MiB/s", "median MiB/s", "runs"], rows)
    if "fake_skipped" in res.upload:
        text += f"\n\nThe project's fake was not used: `{res.upload['fake_skipped']}`."
    return text


def poll_table(res: Results) -> str:
    labels = {
        "ours-legacy": "ours `legacy.tasks.wait_for_done` (default PollPolicy)",
        "ours-v2": "ours `v2.tasks.wait` (default PollPolicy)",
        "sdk-legacy": "official SDK `embed.tasks.wait_for_done` (5 s)",
        "fixed5-v2": "fixed 5 s loop on `embed.v_2.tasks.retrieve` (SDK examples)",
    }
    rows = []
    for duration in res.plan.poll_durations:
        for variant, label in labels.items():
            r = res.poll.get(variant, {}).get(str(float(duration)))
            if not r:
                continue
            rows.append(
                [
                    fmt_duration(duration),
                    label,
                    f"{r['requests_mean']:.1f}",
                    f"{r['delay_mean']:.1f} / {r['delay_max']:.1f}",
                    f"{100 * r['delay_max'] / duration:.1f}%",
                ]
            )
    return table(
        ["task finishes after", "waiter", "requests (mean)", "delay mean / max (s)", "max delay ÷ duration"], rows
    )


def plot(res: Results, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    colors = {"floor": "#777777", "ours": "#1f77b4", "ours-models": "#9ecae1", "sdk": "#d62728"}
    sizes = res.plan.sizes
    x = [inputs.SIZES[s].vectors for s in sizes]
    from matplotlib.lines import Line2D

    floor_mib = 0.01  # log axes: show "no measurable growth" at the bottom instead of dropping the point
    for kind, style in (("legacy", "-"), ("v2", "--")):
        for contender in CONTENDERS:
            t = [res.retrieve.get(f"{kind}/{s}", {}).get(contender, {}).get("median_seconds") for s in sizes]
            m = [res.retrieve.get(f"{kind}/{s}", {}).get(contender, {}).get("peak_rss_growth") for s in sizes]
            if all(v is not None for v in t):
                axes[0][0].plot(x, t, style, marker="o", color=colors[contender])
            if all(v is not None for v in m):
                axes[0][1].plot(x, [max(v / MiB, floor_mib) for v in m], style, marker="o", color=colors[contender])
    for ax, title, unit in (
        (axes[0][0], "(a) large result: wall time to matrix + table", "seconds"),
        (axes[0][1], "(a) large result: peak RSS growth during the call", "MiB"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(x, [f"{s}\n{v} vectors" for s, v in zip(sizes, x, strict=True)])
        ax.minorticks_off()
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
    handles = [Line2D([], [], color=colors[c], marker="o", label=NAMES[c]) for c in CONTENDERS]
    handles += [
        Line2D([], [], color="black", linestyle="-", label="legacy task"),
        Line2D([], [], color="black", linestyle="--", label="v2 task"),
    ]
    axes[0][0].legend(handles=handles, fontsize=7)
    ax = axes[1][0]
    if res.small and "error" not in res.small:
        names = [c for c in ("floor", "ours", "sdk") if c in res.small]
        values = [res.small[c]["median_us"] for c in names]
        ax.bar([NAMES[c].split(" (")[0] for c in names], values, color=[colors[c] for c in names])
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:.0f} µs", ha="center", va="bottom")
    ax.set_title("(b) per-call overhead, GET status (median)")
    ax.set_ylabel("µs per call")
    ax = axes[1][1]
    durations = res.plan.poll_durations
    for variant, color, label in (
        ("ours-v2", colors["ours"], "ours, default PollPolicy"),
        ("sdk-legacy", colors["sdk"], "official SDK / fixed 5 s"),
    ):
        req = [res.poll.get(variant, {}).get(str(float(d)), {}).get("requests_mean") for d in durations]
        if all(v is not None for v in req):
            ax.plot(durations, req, marker="o", color=color, label=f"{label}: requests")
        delay = [res.poll.get(variant, {}).get(str(float(d)), {}).get("delay_max") for d in durations]
        if all(v is not None for v in delay):
            ax.plot(durations, delay, ":", marker="x", color=color, label=f"{label}: max delay (s)")
    ax.plot(
        durations,
        [d * TARGETS["d_delay_fraction"] for d in durations],
        "--",
        color="#999999",
        label="10% of the task's duration",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(durations, [fmt_duration(d) for d in durations])
    ax.minorticks_off()
    ax.set_title("(d) polling a task that finishes after …")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.suptitle(
        f"twelvelabs-embed benchmarks — {res.machine['cpu']}, {res.machine['cores']} cores, "
        f"Python {res.machine['python'].split()[0]}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def report(res: Results, png: Path | None, md_path: Path) -> str:
    m = res.machine
    v = m.get("versions", {})
    rows = verdicts(res)
    lines = [
        "# Benchmarks",
        "",
        "twelvelabs-embed against the official `twelvelabs` SDK and the floor (raw httpx + orjson + numpy), on the",
        "same deterministic inputs in one run. Generated by `bench/run.py`"
        + (" **--quick** (smoke sizes, not the reference numbers)" if res.plan.quick else "")
        + f" on {m.get('started_utc') or 'an unrecorded date'} in {res.seconds / 60:.1f} min;"
        + " re-run with `make bench`.",
        "",
        "## Machine",
        "",
        table(
            ["", ""],
            [
                ["CPU", m["cpu"]],
                ["cores", str(m["cores"])],
                ["memory", m["memory"]],
                ["Python", m["python"]],
                ["OS", m["os"]],
                [
                    "load average (1/5/15 min) before / after",
                    " / ".join(f"{x:.2f}" for x in m["load_before"])
                    + " → "
                    + " / ".join(f"{x:.2f}" for x in m.get("load_after", ())),
                ],
                ["twelvelabs-embed", f"{v.get('twelvelabs-embed')} (commit {m['commit']})"],
                ["official SDK", f"twelvelabs {v.get('twelvelabs')} (pydantic {v.get('pydantic')})"],
                ["httpx / numpy / orjson", f"{v.get('httpx')} / {v.get('numpy')} / {v.get('orjson')}"],
            ],
        ),
        "",
        "The machine is shared (2 cores); the load average shows how quiet it was. Ratios measured side by side",
        "in one run are more stable than the absolute numbers.",
        "",
        "## Targets",
        "",
        table(
            ["target", "measured", "verdict", "cause / comment"], [[t, meas, mark(ok), c] for t, meas, ok, c in rows]
        ),
        "",
    ]
    if res.problems:
        lines += ["**Problems in this run:**", ""] + [f"- {p}" for p in res.problems] + [""]
    notes = observations(res)
    if notes:
        lines += ["## Observations", ""] + [f"- {n}" for n in notes] + [""]
    if png is not None:
        lines += [f"![benchmark plots]({os.path.relpath(png, md_path.parent)})", ""]
    lines += [
        "## (a) Large results",
        "",
        "`GET /embed/tasks/{id}` (legacy, `video_embedding.segments[].float`) and `GET /embed-v2/tasks/{id}` (v2,",
        "`data[].embedding`) for media of the given length at 6 s clips x 3 options (visual, audio, transcription),",
        "512 float32 values per vector. Every contender gets the same pre-built bytes from an in-process",
        "`httpx.MockTransport` and must produce the same float32 matrix (checked bit for bit against the generator)",
        "and segment table (start, end, option, scope). The official SDK's result is converted with",
        '`np.array([s.float_ for s in ...], dtype=np.float32)`, as its users would. "ours (retrieve → models)" is',
        "our model path (`retrieve()`, then the same conversion), shown for reference; the fast path is",
        "`retrieve_arrays()`.",
        "",
        "Each contender runs in a fresh process: imports, the client, the response body and a warm-up call on a",
        "30-vector body happen first; then the measured calls. **Memory = peak RSS growth** during the first measured",
        "call (the kernel's high-water mark VmHWM is reset just before the call via `/proc/self/clear_refs` and read",
        "after it, minus the RSS before it), so the body held by the mock server is not counted; tracemalloc was not",
        "used (it slows the SDK's allocation-heavy parse several-fold and misses numpy/orjson buffers' page faults).",
        "Wall time is the median of the repetitions (SDK at 4 h: one run).",
        "",
        retrieve_table(res),
        "",
        "Input bodies (deterministic; sha256 prefixes let a re-run confirm identical inputs):",
        "",
        table(
            ["body", "bytes", "vectors", "sha256"],
            [[k, f"{b['bytes']:,}", str(b["vectors"]), b["sha256"][:16]] for k, b in res.bodies.items()],
        ),
        "",
        "## (b) Per-call overhead",
        "",
        f"`GET /embed/tasks/{{id}}/status` (a {len(inputs.legacy_status_body())}-byte body) through the same",
        "MockTransport; all three contenders in one process, interleaved in blocks so background load hits them",
        f"alike; per-call times with `perf_counter_ns` after a warm-up; {res.plan.small_processes} such processes, and",
        "the table shows the median of their medians. The floor is `httpx.Client.get` + `orjson.loads`.",
        "",
        small_table(res),
        "",
        "## (c) Upload",
        "",
        f"A {res.upload.get('bytes', 0) / MiB:.0f} MiB file of seeded noise, written to a temp dir at run time (never",
        "committed) and flushed to disk before the uploads, sent to `POST /embed/tasks` (multipart `video_file`) over",
        "127.0.0.1, each upload in a fresh process after a 64 KiB warm-up upload (and each server gets one unmeasured",
        "upload of the big file first). Peak RSS growth as in (a) (the largest over the runs). Two servers:",
        "`bench/upload_server.py` reads and discards the body (raw asyncio; it checks that every byte arrived and",
        "the multipart closing boundary is there), so its throughput is the",
        "client's; the project's fake (`twelvelabs_embed.testing.serve`, a subprocess) parses the multipart form and",
        "holds the file in memory, so its throughput is the fake's, and it is run once per contender as an",
        "end-to-end check.",
        "",
        upload_table(res),
        "",
        "## (d) Polling",
        "",
        "A fake clock (the injected `sleep` advances it; nothing really waits) and a MockTransport that answers",
        "`processing` until the fake time reaches the finish time, then `ready`. Each duration is run with finish",
        f"times spread over one 5 s period ({res.plan.poll_phases} runs; our jitter is seeded per run), so the fixed",
        "loop is not flattered by a lucky phase. Delay = the fake time at which the waiter returns minus the finish",
        "time. The official SDK's `wait_for_done` (default 5 s) ran with its module's `time.sleep` pointed at the",
        "fake clock; the SDK has no v2 wait helper, so the v2 row is the 5 s loop of its examples.",
        "",
        poll_table(res),
        "",
        "## How to run",
        "",
        "```",
        "make bench                                  # = bash bench/setup.sh && bench/.venv/bin/python bench/run.py",
        "bench/.venv/bin/python bench/run.py --quick # smoke run; writes bench/out/BENCHMARKS.quick.md",
        "```",
        "",
        "The official SDK lives only in `bench/.venv` (`bench/requirements.txt`); it is never a dependency of",
        "twelvelabs-embed. Raw results of the last run: `bench/out/results.json` (not committed).",
        "",
    ]
    return "\n".join(lines)


def print_summary(res: Results) -> None:
    print()
    print("=" * 100)
    print("(a) large results — ratio to the floor and to the official SDK")
    print(f"{'task/size':14s} {'contender':28s} {'wall':>10s} {'÷floor':>8s} {'SDK÷this':>9s} {'peak RSS':>11s}")
    for key, by in res.retrieve.items():
        floor_t = by.get("floor", {}).get("median_seconds")
        sdk_t = by.get("sdk", {}).get("median_seconds")
        for contender in CONTENDERS:
            r = by.get(contender)
            if not r or "error" in r:
                print(f"{key:14s} {NAMES[contender]:28s} {'error' if r else '':>10s}")
                continue
            t = r["median_seconds"]
            print(
                f"{key:14s} {NAMES[contender]:28s} {fmt_s(t):>10s} {fmt_x(ratio(t, floor_t)):>8s} "
                f"{fmt_x(ratio(sdk_t, t), 1):>9s} {fmt_mib(r['peak_rss_growth']):>11s}"
            )
    if res.small and "error" not in res.small:
        print("\n(b) per-call overhead (median µs)")
        floor = res.small.get("floor", {}).get("median_us")
        for c, r in res.small.items():
            print(f"  {c:8s} {r['median_us']:8.1f} µs  ÷floor {fmt_x(ratio(r['median_us'], floor))}")
    for name, summary in res.upload.get("servers", {}).items():
        print(f"\n(c) upload {res.upload['bytes'] / MiB:.0f} MiB, {name} server")
        for c, r in summary.items():
            if "error" in r:
                print(f"  {c:8s} error: {r['error'][:80]}")
            else:
                growth = fmt_mib(r["peak_rss_growth"])
                print(f"  {c:8s} peak RSS growth {growth:>10s}   best {r['best_mib_per_s']:6.0f} MiB/s")
    if res.poll:
        print("\n(d) polling: requests (mean) / max delay")
    for d in res.plan.poll_durations if res.poll else []:
        cells = []
        for variant in ("ours-v2", "sdk-legacy"):
            r = res.poll.get(variant, {}).get(str(float(d)))
            cells.append(f"{variant}: {r['requests_mean']:6.1f} req, {r['delay_max']:5.1f} s" if r else f"{variant}: —")
        print(f"  {d:6g} s   " + "   ".join(cells))
    print("\nTargets:")
    for target, measured, ok, cause in verdicts(res):
        print(f"  [{mark(ok).strip('*'):10s}] {target}: {measured}" + (f" — {cause}" if cause else ""))
    if res.problems:
        print("\nProblems:")
        for p in res.problems:
            print("  - " + p)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few iterations, 64 MiB upload")
    parser.add_argument("--out", type=Path, help="markdown report (default: BENCHMARKS.md; --quick: bench/out/)")
    parser.add_argument("--only", default="abcd", help="scenarios to run, e.g. 'ab' (default: abcd)")
    parser.add_argument("--no-sdk", action="store_true", help="skip the official SDK (e.g. outside bench/.venv)")
    parser.add_argument("--upload-server", choices=("both", "minimal", "fake"), default="both")
    parser.add_argument("--from-json", type=Path, help="re-render the report from a results.json, measuring nothing")
    args = parser.parse_args(argv)

    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    md_path = args.out or (out_dir / "BENCHMARKS.quick.md" if args.quick else ROOT / "BENCHMARKS.md")
    png_path = (out_dir / "benchmarks.quick.png") if args.quick and args.out is None else HERE / "benchmarks.png"

    if args.from_json:
        raw = json.loads(args.from_json.read_text())
        res = Results(machine=raw["machine"], plan=Plan(**raw["plan"]))
        for name in ("bodies", "retrieve", "small", "upload", "poll", "problems", "seconds"):
            setattr(res, name, raw[name])
        print_summary(res)
        png = png_path if plot(res, png_path) else None
        md_path.write_text(report(res, png, md_path))
        log(f"re-rendered {md_path} from {args.from_json}")
        return 0

    has_sdk = subprocess.run([sys.executable, "-c", "import twelvelabs"], capture_output=True).returncode == 0
    if not has_sdk and not args.no_sdk:
        print(
            "the official SDK is not installed in this interpreter; run `bash bench/setup.sh` and use "
            "bench/.venv/bin/python, or pass --no-sdk",
            file=sys.stderr,
        )
        return 2
    sdk = [] if args.no_sdk else ["sdk"]

    started = time.monotonic()
    res = Results(machine=machine(), plan=plan(args.quick))
    log(
        f"machine: {res.machine['cpu']}, {res.machine['cores']} cores, {res.machine['memory']}, "
        f"Python {res.machine['python']}"
    )
    tmp = Path(tempfile.mkdtemp(prefix="twelvelabs-bench-"))
    try:
        if "a" in args.only:
            run_retrieve(res, tmp, ["floor", "ours", "ours-models", *sdk])
        if "b" in args.only:
            run_small(res, ["floor", "ours", *sdk])
        if "c" in args.only:
            run_upload(res, tmp, ["ours", *sdk, "floor"], args.upload_server)
        if "d" in args.only:
            run_poll(res, ["ours-legacy", "ours-v2", *(["sdk-legacy", "fixed5-v2"] if sdk else [])])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res.seconds = time.monotonic() - started
    res.machine["load_after"] = os.getloadavg()

    print_summary(res)
    png = png_path if plot(res, png_path) else None
    md_path.write_text(report(res, png, md_path))
    raw = {
        k: getattr(res, k) for k in ("machine", "bodies", "retrieve", "small", "upload", "poll", "problems", "seconds")
    }
    raw["plan"] = res.plan.__dict__
    (out_dir / ("results.quick.json" if args.quick else "results.json")).write_text(json.dumps(raw, indent=1))
    log(f"wrote {md_path}" + (f" and {png}" if png else "") + f" in {res.seconds / 60:.1f} min")
    return 1 if res.problems else 0


if __name__ == "__main__":
    sys.exit(main())
