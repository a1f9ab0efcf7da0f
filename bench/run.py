"""Benchmarks: measure twelvelabs-embed, the official `twelvelabs` SDK and the floors; write the raw results.

    bash bench/setup.sh                          # once: bench/.venv (the SDK, pysimdjson, msgspec, jinja2, ...)
    bench/.venv/bin/python bench/run.py          # measures, writes bench/results.json, then renders BENCHMARKS.md
                                                 # (bench/report.py) and bench/benchmarks.png (bench/plot.py)
    bench/.venv/bin/python bench/run.py --quick  # smoke run: small sizes; writes under bench/out/ only
    bench/.venv/bin/python bench/report.py       # re-render the report and the figure from bench/results.json
    bench/.venv/bin/python bench/run.py --only a --sizes 4h --no-sdk   # one scenario, one size
    bench/.venv/bin/python bench/focus.py        # the two speed goals alone, in interleaved rounds (prints only)

Scenarios (inputs are generated here, deterministically, by `bench/inputs.py`):
  (a) large results: legacy `GET /embed/tasks/{id}` and v2 `GET /embed-v2/tasks/{id}` at several media lengths,
      answered by an in-process `httpx.MockTransport` with the same pre-built bytes for every contender; wall
      time to a float32 matrix + segment table and peak RSS growth, each measurement in a fresh process.
      Contenders: ours (`retrieve_arrays`, and `retrieve` + models), the floors (httpx + orjson + numpy,
      httpx + pysimdjson, httpx + msgspec) and the official SDK.
  (b) per-call overhead: `GET /embed/tasks/{id}/status`, thousands of calls, median microseconds per call.
  (c) upload: a large file (written to a temp dir at run time) to `POST /embed/tasks` over loopback; peak RSS
      growth and throughput. Server: `bench/upload_server.py` (discards the body, so the client is measured),
      then the project's fake (`twelvelabs_embed.testing.serve`) when it can be imported.
  (d) polling on a fake clock: requests and detection delay for tasks finishing after various durations;
      our `wait_for_done`/`wait` with the default `PollPolicy` vs the official SDK's fixed-interval loop.

This file only measures: everything it knows goes into the results JSON (measurements, the machine, the plan,
the input parameters and the targets), and `bench/report.py` turns that file into the report. Timing
assertions never go in the test suite; this script reports, it does not fail on a missed target (it exits
non-zero only when a contender errors or returns a wrong matrix).
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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "worker.py"
RESULTS = HERE / "results.json"
QUICK_RESULTS = HERE / "out" / "results.quick.json"
if str(ROOT) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(ROOT))
from bench import inputs  # noqa: E402
from bench import worker as worker_module  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30
SCHEMA = 2  # bump when the results file changes shape
UPLOAD_WARM_BYTES = 64 * 1024
# Contenders of scenario (a), in report order.
RETRIEVE = ("simdjson", "msgspec", "floor", "ours", "ours-models", "sdk")
# Goals the report judges the measurements against (recorded in the results, so the report states them).
TARGETS: dict[str, float] = {
    "a_floor": 1.5,  # (a) ours within this factor of the httpx + orjson + numpy floor's time
    "a_sdk": 20.0,  # (a) ours at least this many times faster than the official SDK
    "a_memory_min_body": 1_000_000,  # (a) memory compared only for bodies of at least this many bytes
    "arrays_simdjson": 1.2,  # (a) retrieve_arrays within this factor of the pysimdjson floor (largest v2 body)
    "arrays_memory": 1.5,  # (a) retrieve_arrays peak RSS growth at most this factor of the matrix it returns
    "b_floor": 1.2,  # (b) a small GET within this factor of raw httpx + orjson
    "b_noise": 0.03,  # (b) a ratio this close to its goal is reported as borderline
    "c_memory": 32 * MiB,  # (c) upload peak RSS growth below this
    "d_long_from": 600,  # (d) a task of at least this many seconds is "long"
    "d_fewer": 0.5,  # (d) long tasks: at most this fraction of the fixed loop's requests
    "d_delay_fraction": 0.10,  # (d) long tasks: noticed at most this fraction of its duration late
}


@dataclass
class Plan:
    sizes: list[str]
    reps: dict[str, dict[str, int]]  # contender -> size -> calls per process
    processes: dict[str, int]  # contender -> fresh processes at the largest size (interleaved); one at the others
    small_iterations: int
    small_rounds: int
    small_processes: int
    upload_bytes: int
    upload_rounds: int
    poll_durations: list[float]
    poll_phases: int
    quick: bool


def plan(quick: bool) -> Plan:
    durations = [10.0, 60.0, 600.0, 3600.0]
    if quick:
        sizes = ["1min", "10min"]
        two = {s: 2 for s in sizes}
        return Plan(
            sizes=sizes,
            reps={**{c: two for c in RETRIEVE}, "sdk": {s: 1 for s in sizes}},
            processes={c: 1 for c in RETRIEVE},
            small_iterations=600,
            small_rounds=6,
            small_processes=1,
            upload_bytes=64 * MiB,
            upload_rounds=1,
            poll_durations=durations,
            poll_phases=4,
            quick=True,
        )
    sizes = ["10min", "1h", "4h"]
    main = {"10min": 5, "1h": 5, "4h": 3}
    return Plan(
        sizes=sizes,
        reps={
            "simdjson": main,
            "msgspec": main,
            "floor": main,
            "ours": main,
            "ours-models": {"10min": 3, "1h": 3, "4h": 2},
            "sdk": {"10min": 3, "1h": 2, "4h": 1},
        },
        processes={"simdjson": 3, "msgspec": 3, "floor": 3, "ours": 3, "ours-models": 1, "sdk": 1},
        small_iterations=6000,
        small_rounds=30,
        small_processes=3,
        upload_bytes=GiB,
        upload_rounds=3,
        poll_durations=durations,
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
    return dict(json.loads(lines[-1]))


_PROBE = """
import dataclasses, importlib.metadata as m, inspect, json
out = {"versions": {}}
for name in ("twelvelabs-embed", "twelvelabs", "httpx", "numpy", "orjson", "pysimdjson", "msgspec", "pydantic",
             "matplotlib", "jinja2"):
    try: out["versions"][name] = m.version(name)
    except m.PackageNotFoundError: out["versions"][name] = None
try:
    from twelvelabs_embed import PollPolicy
    out["poll_policy"] = dataclasses.asdict(PollPolicy())
except Exception as exc:
    out["poll_policy"] = {"error": repr(exc)}
try:
    from twelvelabs.wrapper.embed_client_wrapper import EmbedTasksClientWrapper
    sig = inspect.signature(EmbedTasksClientWrapper.wait_for_done)
    out["sdk_poll_interval"] = sig.parameters["sleep_interval"].default
except Exception:
    out["sdk_poll_interval"] = None
print(json.dumps(out))
"""


def probe() -> dict[str, Any]:
    """Package versions, our default PollPolicy and the SDK's wait interval, as this interpreter sees them."""
    with contextlib.suppress(Exception):
        return dict(json.loads(subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True).stdout))
    return {"versions": {}, "poll_policy": {}, "sdk_poll_interval": None}


def machine(versions: dict[str, Any]) -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else platform.processor() or "unknown"
    memory_bytes = None
    with contextlib.suppress(OSError, AttributeError):
        kib = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))  # type: ignore[union-attr]
        memory_bytes = kib * 1024
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
        "memory_bytes": memory_bytes,
        "python": platform.python_version() + f" ({platform.python_implementation()})",
        "os": platform.platform(),
        "versions": versions,
        "commit": commit,
        "load_before": os.getloadavg(),
        "started_utc": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    }


def setup(probed: dict[str, Any]) -> dict[str, Any]:
    """The parameters the inputs and scenarios were built from: every number the report's prose needs."""
    return {
        "dimension": inputs.DIMENSION,
        "clip_seconds": inputs.CLIP_SECONDS,
        "options": list(inputs.OPTIONS),
        "sizes": {label: {"seconds": s.seconds, "vectors": s.vectors} for label, s in inputs.SIZES.items()},
        "warmup_vectors": inputs.Size("warm-up", inputs.WARMUP_SECONDS).vectors,
        "status_body_bytes": len(inputs.legacy_status_body()),
        "upload_warm_bytes": UPLOAD_WARM_BYTES,
        "fixed_poll_interval": worker_module.FIXED_POLL_INTERVAL,
        "sdk_poll_interval": probed.get("sdk_poll_interval"),
        "poll_policy": probed.get("poll_policy", {}),
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


# ----------------------------------------------------------------------------- (a) large results
def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One contender's fresh-process runs at one size: all call times pooled; memory, the median per process.

    The result digests (rows, dimension, matrix and table hashes) must agree across the runs; the first
    run's are kept (a disagreement is reported by the caller as a wrong matrix).
    """
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"] if runs else "no run"}
    seconds = [s for r in ok for s in r["seconds"]]
    digests = {(r["rows"], r["dimension"], r["matrix_sha256"], r["table_sha256"]) for r in ok}
    return {
        "seconds": seconds,
        "median_seconds": statistics.median(seconds),
        "peak_rss_growth": statistics.median(r["peak_rss_growth"] for r in ok),
        "per_process": [{"median_seconds": r["median_seconds"], "peak_rss_growth": r["peak_rss_growth"]} for r in ok],
        "memory_method": ok[0]["memory_method"],
        "body_bytes": ok[0]["body_bytes"],
        "rows": ok[0]["rows"],
        "dimension": ok[0]["dimension"],
        "dtype": ok[0]["dtype"],
        "matrix_sha256": ok[0]["matrix_sha256"] if len(digests) == 1 else "differs between processes",
        "table_sha256": ok[0]["table_sha256"] if len(digests) == 1 else "differs between processes",
        **({"errors": [r["error"] for r in runs if "error" in r]} if len(ok) < len(runs) else {}),
    }


def run_retrieve(res: dict[str, Any], p: Plan, tmp: Path, contenders: list[str]) -> None:
    for size_label in p.sizes:
        size = inputs.SIZES[size_label]
        expected = inputs.expected_matrix(size.seconds)
        expected_sha = hashlib.sha256(expected.tobytes()).hexdigest()
        del expected
        for kind, make in (("legacy", inputs.legacy_body), ("v2", inputs.v2_body)):
            body = make(size.seconds)
            path = tmp / f"{kind}-{size_label}.json"
            path.write_bytes(body)
            key = f"{kind}/{size_label}"
            res["bodies"][key] = {"bytes": len(body), "sha256": inputs.sha256(body), "vectors": size.vectors}
            del body
            runs: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
            # Several fresh processes where the goals are judged (the largest size), one at the smaller sizes;
            # in rounds, the contenders in a rotating order, so background load hits them alike.
            count = {c: p.processes[c] if size_label == p.sizes[-1] else 1 for c in contenders}
            for round_ in range(max(count.values())):
                order = contenders[round_ % len(contenders) :] + contenders[: round_ % len(contenders)]
                for contender in order:
                    if round_ >= count[contender]:
                        continue
                    reps = p.reps[contender][size_label]
                    log(f"(a) {key:12s} {contender:12s} process {round_ + 1}/{count[contender]}, {reps} calls")
                    runs[contender].append(
                        worker(
                            "retrieve",
                            "--contender",
                            contender,
                            "--kind",
                            kind,
                            "--body",
                            str(path),
                            "--reps",
                            str(reps),
                        )
                    )
            res["retrieve"][key] = {}
            for contender in contenders:
                r = aggregate(runs[contender])
                if "error" in r:
                    res["problems"].append(f"(a) {key} {contender}: {r['error']}")
                elif r["matrix_sha256"] != expected_sha or r["rows"] != size.vectors:
                    res["problems"].append(
                        f"(a) {key} {contender}: wrong matrix ({r['rows']} rows, {r['matrix_sha256'][:12]})"
                    )
                for error in r.get("errors", []):
                    res["problems"].append(f"(a) {key} {contender}: {error}")
                res["retrieve"][key][contender] = r
            tables = {r.get("table_sha256") for r in res["retrieve"][key].values() if "error" not in r}
            if len(tables) > 1:
                res["problems"].append(f"(a) {key}: contenders disagree on the segment table")
            path.unlink()


# ----------------------------------------------------------------------------- (b) per-call overhead
def run_small(res: dict[str, Any], p: Plan, contenders: list[str]) -> None:
    """Several fresh worker processes, each interleaving the contenders; per contender the median of the runs."""
    runs = []
    for n in range(p.small_processes):
        log(f"(b) per-call overhead, process {n + 1}/{p.small_processes}: {p.small_iterations} calls each")
        r = worker(
            "small",
            "--contenders",
            ",".join(contenders),
            "--iterations",
            str(p.small_iterations),
            "--rounds",
            str(p.small_rounds),
        )
        if "error" in r:
            res["problems"].append(f"(b): {r['error']}")
            res["small"] = r
            return
        runs.append(r)
    res["small"] = {
        c: {
            "median_us": statistics.median(r[c]["median_us"] for r in runs),
            "p10_us": statistics.median(r[c]["p10_us"] for r in runs),
            "p90_us": statistics.median(r[c]["p90_us"] for r in runs),
            "iterations": sum(r[c]["iterations"] for r in runs),
            "per_process_median_us": [r[c]["median_us"] for r in runs],
        }
        for c in contenders
    }


# ----------------------------------------------------------------------------- (c) upload
def fake_available() -> str | None:
    """None when `twelvelabs_embed.testing.serve` and its server deps import in this venv, else the reason."""
    proc = subprocess.run(
        [sys.executable, "-c", "from twelvelabs_embed.testing import serve; import uvicorn"],
        capture_output=True,
        text=True,
    )
    return None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["import failed"])[-1]


def _upload(contender: str, base_url: str, key: str, big: Path, warm: Path) -> dict[str, Any]:
    args = ["--contender", contender, "--base-url", base_url, "--api-key", key, "--file", str(big)]
    return worker("upload", *args, "--warm-file", str(warm))


def run_upload(res: dict[str, Any], p: Plan, tmp: Path, contenders: list[str], which: str) -> None:
    size = p.upload_bytes
    log(f"(c) writing the {size / MiB:.0f} MiB upload file")
    big = inputs.write_upload_file(tmp / "upload.bin", size)
    warm = inputs.write_upload_file(tmp / "warm.bin", UPLOAD_WARM_BYTES)
    with open(big, "rb") as f:  # flush it to disk now, so write-back does not run during a measured upload
        os.fsync(f.fileno())
    upload: dict[str, Any] = {"bytes": size, "servers": {}}
    res["upload"] = upload
    servers: list[tuple[str, list[str], str]] = []
    if which in ("both", "minimal"):
        servers.append(
            ("minimal", [sys.executable, str(HERE / "upload_server.py"), "--port", "0"], "upload server ready")
        )
    if which in ("both", "fake"):
        reason = fake_available()
        if reason is None:
            code = "from twelvelabs_embed.testing import serve; serve('127.0.0.1', 0, api_key='bench-key')"
            servers.append(("fake", [sys.executable, "-c", code], "twelvelabs-embed fake server ready"))
        else:
            upload["fake_skipped"] = reason
            log(f"(c) project fake not available: {reason}")
    key = "bench-key"
    for name, cmd, ready in servers:
        rounds = p.upload_rounds if name == "minimal" else 1
        runs: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
        try:
            with server(cmd, ready, tmp / f"server-{name}") as base_url:
                # One unmeasured upload of the big file first: a server's first large upload is slower (its
                # memory and temp files grow for the first time), which would penalise whoever goes first.
                log(f"(c) {name:7s} warm-up upload (not measured)")
                _upload("floor", base_url, key, big, warm)
                for round_ in range(rounds):
                    order = contenders[round_ % len(contenders) :] + contenders[: round_ % len(contenders)]
                    for contender in order:
                        log(f"(c) {name:7s} round {round_ + 1}/{rounds} {contender}")
                        r = _upload(contender, base_url, key, big, warm)
                        if "error" in r:
                            res["problems"].append(f"(c) {name} {contender}: {r['error']}")
                        elif name == "minimal":
                            r["server"] = _bench_last(base_url)
                            if r["server"].get("received", 0) < size or not r["server"].get("multipart_closed"):
                                res["problems"].append(f"(c) {name} {contender}: server saw {r['server']}")
                        runs[contender].append(r)
        except RuntimeError as exc:
            if name != "fake":
                raise
            # The fake belongs to another part of the project: note why it could not serve, do not fail the run.
            upload["fake_skipped"] = str(exc).strip().splitlines()[-1]
            log(f"(c) project fake could not serve: {upload['fake_skipped']}")
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
        upload["servers"][name] = summary
    big.unlink()
    warm.unlink()


def _bench_last(base_url: str) -> dict[str, Any]:
    import httpx

    origin = base_url.rsplit("/v1.3", 1)[0]
    try:
        return dict(httpx.get(f"{origin}/_bench/last", timeout=10).json())
    except Exception as exc:  # the numbers are a cross-check; a failure is reported, not fatal
        return {"error": str(exc)}


# ----------------------------------------------------------------------------- (d) polling
def run_poll(res: dict[str, Any], p: Plan, variants: list[str]) -> None:
    durations = ",".join(f"{d:g}" for d in p.poll_durations)
    for variant in variants:
        log(f"(d) polling {variant}")
        r = worker("poll", "--variant", variant, "--durations", durations, "--phases", str(p.poll_phases))
        if "error" in r:
            res["problems"].append(f"(d) {variant}: {r['error']}")
        res["poll"][variant] = r


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few iterations, small upload")
    parser.add_argument(
        "--results", type=Path, help=f"results file (default: {RESULTS.relative_to(ROOT)}; --quick: bench/out/)"
    )
    parser.add_argument("--out", type=Path, help="markdown report (default: BENCHMARKS.md; --quick: bench/out/)")
    parser.add_argument("--only", default="abcd", help="scenarios to run, e.g. 'ab' or 'a,b' (default: abcd)")
    parser.add_argument(
        "--sizes", help=f"(a) media lengths, e.g. '4h' (default: the plan's; known: {', '.join(inputs.SIZES)})"
    )
    parser.add_argument("--no-sdk", action="store_true", help="skip the official SDK (e.g. outside bench/.venv)")
    parser.add_argument("--no-report", action="store_true", help="write the results file only")
    parser.add_argument("--upload-server", choices=("both", "minimal", "fake"), default="both")
    args = parser.parse_args(argv)

    has_sdk = subprocess.run([sys.executable, "-c", "import twelvelabs"], capture_output=True).returncode == 0
    if not has_sdk and not args.no_sdk:
        print(
            "the official SDK is not installed in this interpreter; run `bash bench/setup.sh` and use "
            "bench/.venv/bin/python, or pass --no-sdk",
            file=sys.stderr,
        )
        return 2
    sdk = [] if args.no_sdk else ["sdk"]
    results_path = args.results or (QUICK_RESULTS if args.quick else RESULTS)

    started = time.monotonic()
    p = plan(args.quick)
    if args.sizes:
        sizes = [size for size in args.sizes.split(",") if size]
        unknown = [size for size in sizes if size not in inputs.SIZES]
        if unknown:
            parser.error(f"--sizes: unknown {', '.join(unknown)} (known: {', '.join(inputs.SIZES)})")
        # Sizes outside the plan's get the reps of its largest size.
        p.reps = {c: {size: reps.get(size, reps[p.sizes[-1]]) for size in sizes} for c, reps in p.reps.items()}
        p.sizes = sizes
    probed = probe()
    res: dict[str, Any] = {
        "schema": SCHEMA,
        "machine": machine(probed.get("versions", {})),
        "plan": asdict(p),
        "setup": setup(probed),
        "targets": TARGETS,
        "bodies": {},
        "retrieve": {},
        "small": {},
        "upload": {},
        "poll": {},
        "problems": [],
    }
    m = res["machine"]
    log(f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}")
    tmp = Path(tempfile.mkdtemp(prefix="twelvelabs-bench-"))
    try:
        if "a" in args.only:
            run_retrieve(res, p, tmp, [c for c in RETRIEVE if c != "sdk" or sdk])
        if "b" in args.only:
            run_small(res, p, ["floor", "ours", *sdk])
        if "c" in args.only:
            run_upload(res, p, tmp, ["ours", *sdk, "floor"], args.upload_server)
        if "d" in args.only:
            run_poll(res, p, ["ours-legacy", "ours-v2", *(["sdk-legacy", "fixed-v2"] if sdk else [])])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["seconds"] = time.monotonic() - started
    m["load_after"] = os.getloadavg()

    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(res, indent=1) + "\n")
    log(f"wrote {results_path} in {res['seconds'] / 60:.1f} min")
    if not args.no_report:
        from bench import report

        report_args = ["--results", str(results_path)] + (["--out", str(args.out)] if args.out else [])
        report.main(report_args)
    return 1 if res["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
