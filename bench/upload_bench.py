"""Upload benchmark: a large local file into an asset by multipart upload, ours against the official SDK.

    .venv/bin/python bench/upload_bench.py                 # 2 GiB (needs ~2 GiB free in the work directory)
    .venv/bin/python bench/upload_bench.py --quick         # 256 MiB smoke run
    .venv/bin/python bench/upload_bench.py --size-mib 64   # any size

Runs with the project venv. The official SDK (twelvelabs==1.3.6) runs under bench/.venv/bin/python (made by
`bash bench/setup.sh`); without it the SDK rows say "not measured". Both contenders upload the same file to
the same loopback fake server (`twelvelabs_embed.testing`, one process for the whole run): assets and
multipart uploads, with the presigned chunk URLs on the fake's separate upload origin, the fake's chunk size
(`--chunk-mib`, default 5 MiB, the documented example), and chunk bytes not kept (`keep_chunk_bytes=False`:
the fake hashes each chunk for its ETag and forgets it). Assets become `ready` as soon as the upload completes.

Contenders, each in a fresh process:
  ours  `EmbedClient.assets.upload(path)` with its defaults (4 chunk PUTs at once; waits until the asset is
        `ready`), the state file in an empty directory of the run.
  sdk   `TwelveLabs(...).multipart_upload.upload_file(path)` with its defaults (batches of 10, 5 workers).
  ours-gc (diagnostic) ours with `gc.collect()` every 50 ms on a side thread: how much of our peak is chunk
        buffers that only the cyclic garbage collector frees.

What is measured, and how:
- Peak memory growth: the worker process resets its peak resident set (`/proc/self/clear_refs` = 5) just
  before the upload call (imports and client made), and reads `VmHWM` from `/proc/self/status` after it:
  growth = that peak - `VmRSS` at the reset. (Where the reset is refused, the peak since process start is
  used, and the report says so.) Page cache of the file is not resident memory of the process.
- Wall time and throughput: the upload call alone, file size / wall time (MiB/s).
- Extra disk: (1) `write_bytes` of `/proc/self/io` over the upload call: bytes the process dirtied in the page
  cache for files (counted when written, even if the file is deleted before it reaches the disk; the
  kernel's `cancelled_write_bytes` for such deleted data is shown too); sockets do not count. (2) the peak
  and final size of every file other than the source under the source file's directory, the worker's
  TMPDIR (an empty directory of its own) and our state directory, sampled every 50 ms by this script.
- Resume: ours runs in a process that is killed (SIGKILL) once the upload origin has received about half the
  file in full; the same call then runs again in a new process. From the fake's record of chunk PUTs: the
  bytes still missing after the kill (chunks the origin had not received in full), the bytes the second run
  PUT, and the difference: bytes sent again. The goal allows one chunk per PUT that could be in flight (the
  `concurrency`, 4). The SDK cannot resume: a rerun creates a new session and sends the whole file again.

Goals (issue: 2 GiB): peak memory growth at most 64 MiB, extra disk 0, bytes sent again on resume at most one
chunk per PUT in flight. The script prints a Markdown report (and writes it with --markdown-out, JSON with
--json-out); it reports, it does not fail on a missed goal (it exits non-zero only when a contender crashes).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH_PYTHON = HERE / ".venv" / "bin" / "python"
KEY = "tlk_bench-key"
MiB = 1024 * 1024
CONCURRENCY = 4  # ours: the default of assets.upload
MEMORY_GOAL = 64 * MiB

# The fake server: serves until stdin closes; answers "puts N" with the upload origin's records from the Nth on.
SERVER = """
import json, sys
from twelvelabs_embed.testing import AssetSettings, EmbedFake, WallClock
key, chunk_size = sys.argv[1], int(sys.argv[2])
settings = AssetSettings(chunk_size=chunk_size, keep_chunk_bytes=False, processing_seconds=0.0)
fake = EmbedFake(api_keys=key, clock=WallClock(), processing_seconds=0, asset_settings=settings)
with fake, fake.run_server() as server:
    print(json.dumps({"base_url": server.base_url, "upload_base_url": server.upload_base_url}), flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "puts":
            records = [r for r in fake.requests if r.origin == "upload"][int(arg or 0):]
            rows = []
            for r in records:
                query = dict(part.split("=", 1) for part in r.query.split("&") if "=" in part)
                rows.append([query.get("uploadId"), int(query.get("partNumber", 0)), r.status, r.body_size])
            print(json.dumps(rows), flush=True)
        elif command == "quit":
            break
"""


# ---------------------------------------------------------------------------------------------- the worker


def _proc_status() -> dict[str, int]:
    values = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) * 1024
    return values


def _proc_io() -> dict[str, int]:
    try:
        with open("/proc/self/io", encoding="ascii") as handle:
            return {k: int(v) for k, v in (line.split(":") for line in handle if ":" in line)}
    except OSError:
        return {}


def worker(args: argparse.Namespace) -> int:
    """Run one upload in this process and print its measurements as one JSON line."""
    path = Path(args.file)
    if args.worker == "ours":
        from twelvelabs_embed import EmbedClient

        client: Any = EmbedClient(args.key, base_url=args.base_url)

        def upload() -> str:
            options = {} if args.multipart_threshold is None else {"multipart_threshold": args.multipart_threshold}
            asset = client.assets.upload(path, state_dir=args.state_dir, concurrency=CONCURRENCY, **options)
            return f"{asset.id} {asset.status}"

    else:
        from twelvelabs import TwelveLabs  # type: ignore[import-not-found, unused-ignore]

        client = TwelveLabs(api_key=args.key, base_url=args.base_url)

        def upload() -> str:
            result = client.multipart_upload.upload_file(path)
            return f"{result.asset_id} url={'yes' if result.asset_url else 'no'}"

    try:  # reset the peak RSS (VmHWM) to the current RSS (Linux >= 4.0)
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        reset = True
    except OSError:
        reset = False
    before, io_before = _proc_status(), _proc_io()
    if args.gc_every:  # diagnostic: a full cyclic garbage collection every so often

        def collect() -> None:
            while True:
                gc.collect()
                time.sleep(args.gc_every)

        threading.Thread(target=collect, daemon=True).start()
    started = time.perf_counter()
    outcome = upload()
    wall = time.perf_counter() - started
    after, io_after = _proc_status(), _proc_io()
    report = {
        "wall": wall,
        "rss_before": before["VmRSS"],
        "peak": after["VmHWM"],
        "peak_reset": reset,
        "growth": after["VmHWM"] - before["VmRSS"],
        "write_bytes": io_after.get("write_bytes", 0) - io_before.get("write_bytes", 0) if io_before else None,
        "cancelled_write_bytes": (
            io_after.get("cancelled_write_bytes", 0) - io_before.get("cancelled_write_bytes", 0) if io_before else None
        ),
        "outcome": outcome,
    }
    print(json.dumps(report), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------- the driver


class Server:
    """The fake server process, shared by all contenders."""

    def __init__(self, chunk_size: int, log: Path) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, KEY, str(chunk_size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        self.lock = threading.Lock()
        line = self._readline()
        try:
            ready = json.loads(line)
        except ValueError:
            raise SystemExit(f"the fake server did not start (see {log})") from None
        self.base_url: str = ready["base_url"]

    def _readline(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline()

    def puts(self, start: int = 0) -> list[list[Any]]:
        """The upload origin's records `[upload_id, chunk_index, status, full_body_bytes]` from the `start`th on."""
        assert self.process.stdin is not None
        with self.lock:
            self.process.stdin.write(f"puts {start}\n")
            self.process.stdin.flush()
            return list(json.loads(self._readline()))

    def stop(self) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait(20)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


class DiskWatch:
    """Samples the total size of the files under some directories (except the source) every 50 ms."""

    def __init__(self, roots: list[Path], source: Path) -> None:
        self.roots, self.source = roots, source.resolve()
        self.peak = 0
        self.files_at_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def measure(self) -> tuple[int, int]:
        total = files = 0
        for root in self.roots:
            for folder, _, names in os.walk(root):
                for name in names:
                    path = Path(folder, name)
                    if path.resolve() == self.source:
                        continue
                    try:
                        total += path.stat().st_size
                        files += 1
                    except OSError:
                        pass  # deleted meanwhile
        return total, files

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            total, files = self.measure()
            if total > self.peak:
                self.peak, self.files_at_peak = total, files

    def __enter__(self) -> DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        total, files = self.measure()
        if total > self.peak:
            self.peak, self.files_at_peak = total, files
        self.final, self.final_files = total, files


def sdk_python() -> str | None:
    if not BENCH_PYTHON.exists():
        return None
    probe = subprocess.run([str(BENCH_PYTHON), "-c", "import twelvelabs"], capture_output=True, check=False)
    return str(BENCH_PYTHON) if probe.returncode == 0 else None


def worker_command(
    python: str, name: str, source: Path, server: Server, state_dir: Path, args: argparse.Namespace
) -> list[str]:
    extra = ["--gc-every", "0.05"] if name == "ours-gc" else []
    if args.multipart_threshold_mib is not None and name != "sdk":
        extra += ["--multipart-threshold", str(int(args.multipart_threshold_mib * MiB))]
    return [
        python,
        str(Path(__file__).resolve()),
        "--worker",
        "sdk" if name == "sdk" else "ours",
        *extra,
        "--file",
        str(source),
        "--base-url",
        server.base_url,
        "--key",
        KEY,
        "--state-dir",
        str(state_dir),
    ]


def worker_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}


def bytes_put(rows: list[list[Any]]) -> tuple[int, int, set[int]]:
    """(bytes received in full, PUTs answered 200, chunk indexes received in full) of some PUT records."""
    done = [row for row in rows if row[2] == 200]
    return sum(row[3] for row in done), len(done), {row[1] for row in done}


def run_contender(
    name: str, python: str, source: Path, server: Server, work: Path, args: argparse.Namespace
) -> dict[str, Any]:
    tmp, state = work / f"{name}-tmp", work / f"{name}-state"
    tmp.mkdir()
    state.mkdir()
    mark = len(server.puts())
    with DiskWatch([source.parent, tmp, state], source) as disk:
        result = subprocess.run(
            worker_command(python, name, source, server, state, args),
            env=worker_env(tmp),
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"the {name} contender crashed:\n{result.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    sent, puts, _ = bytes_put(server.puts(mark))
    report |= {"disk_peak": disk.peak, "disk_peak_files": disk.files_at_peak, "disk_final": disk.final}
    report |= {"bytes_put": sent, "puts": puts}
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    return report


def run_resume(
    source: Path, server: Server, work: Path, size: int, chunk_size: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Ours: kill the upload at about half the bytes, run it again, count what the second run sent."""
    tmp, state = work / "resume-tmp", work / "resume-state"
    tmp.mkdir()
    state.mkdir()
    command = worker_command(sys.executable, "ours", source, server, state, args)
    mark = len(server.puts())
    first = subprocess.Popen(
        command, env=worker_env(tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 3600
    received = 0
    while time.monotonic() < deadline and first.poll() is None:
        received = bytes_put(server.puts(mark))[0]
        if received >= size // 2:
            break
        time.sleep(0.02)
    if first.poll() is not None:
        first.communicate()
        return {"error": f"the first run ended before the kill (exit status {first.returncode}); use a larger file"}
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    first.communicate()
    time.sleep(0.5)  # let the server notice the dropped connections
    rows_first = server.puts(mark)
    in_flight = sum(1 for row in rows_first if row[2] is None)
    held, _, held_chunks = bytes_put(rows_first)
    state_files = sorted(p.name for p in state.iterdir())
    mark_second = mark + len(rows_first)
    second = subprocess.run(command, env=worker_env(tmp), capture_output=True, text=True, check=False)
    if second.returncode != 0:
        raise SystemExit(f"the resumed upload failed:\n{second.stderr[-3000:]}")
    report = json.loads(second.stdout.strip().splitlines()[-1])
    rows_second = server.puts(mark_second)
    sent_again, puts_again, chunks_again = bytes_put(rows_second)
    missing = size - held
    resent = sent_again - missing
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    return {
        "killed_at": held,
        "killed_at_fraction": held / size,
        "in_flight_at_kill": in_flight,
        "state_files": len(state_files),
        "missing": missing,
        "second_bytes_put": sent_again,
        "second_puts": puts_again,
        "resent": resent,
        "resent_chunks": len(chunks_again & held_chunks),
        "goal": CONCURRENCY * chunk_size,
        "second_wall": report["wall"],
        "outcome": report["outcome"],
    }


def make_source(path: Path, size: int) -> None:
    """A file of `size` bytes: 16 MiB of random bytes over and over, each MiB stamped with its number."""
    block = os.urandom(16 * MiB)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            piece = bytearray(block[: min(len(block), size - written)])
            for at in range(0, len(piece), MiB):
                stamp = f"{(written + at) // MiB:012d}".encode()
                piece[at : at + len(stamp)] = stamp[: len(piece) - at]
            handle.write(piece)
            written += len(piece)


def human(value: float) -> str:
    if abs(value) >= 1024 * MiB:
        return f"{value / (1024 * MiB):.2f} GiB"
    if abs(value) >= MiB:
        return f"{value / MiB:.1f} MiB"
    if abs(value) >= 1024:
        return f"{value / 1024:.1f} KiB"
    return f"{value:.0f} B"


def render(args: argparse.Namespace, size: int, chunk_size: int, results: dict[str, Any], sdk: str | None) -> str:
    lines = [
        f"## Multipart upload of {human(size)}: twelvelabs-embed against the official SDK 1.3.6",
        "",
        f"One loopback fake server (`twelvelabs_embed.testing`): chunk size {human(chunk_size)} "
        f"({-(-size // chunk_size)} chunks), chunk bytes hashed and dropped, presigned URLs on its separate upload "
        "origin. Each contender runs in a fresh process; the numbers are for the upload call alone. "
        "Goals: peak memory growth at most 64 MiB, extra disk written 0.",
        "",
        "| contender | wall time | throughput | peak memory growth | written to disk (write_bytes) | "
        "extra files on disk: peak / left | bytes PUT (PUTs) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "ours": f"twelvelabs-embed `assets.upload(path)` (concurrency {CONCURRENCY}, waits for `ready`)",
        "ours-gc": "the same, with `gc.collect()` every 50 ms on a side thread (diagnostic, not a contender)",
        "sdk": "official SDK 1.3.6 `multipart_upload.upload_file(path)` (defaults)",
    }
    for name in args.contenders:
        r = results.get(name)
        if r is None:
            reason = "not measured: bench/.venv has no `twelvelabs` (run `bash bench/setup.sh`)"
            lines.append(f"| {labels[name]} | {reason} | | | | | |")
            continue
        growth = human(r["growth"]) + ("" if r["peak_reset"] else " (peak since start)")
        goal = "meets" if r["growth"] <= MEMORY_GOAL else "misses"
        written = "n/a" if r["write_bytes"] is None else human(r["write_bytes"])
        if r.get("cancelled_write_bytes"):
            written += f" ({human(r['cancelled_write_bytes'])} cancelled: deleted before writeback)"
        lines.append(
            f"| {labels[name]} | {r['wall']:.1f} s | {size / MiB / r['wall']:.0f} MiB/s | {growth} ({goal} goal) | "
            f"{written} | {human(r['disk_peak'])} in {r['disk_peak_files']} files / {human(r['disk_final'])} | "
            f"{human(r['bytes_put'])} ({r['puts']}) |"
        )
    lines += [
        "",
        "Peak memory growth: `VmHWM` after the call minus `VmRSS` before it, the peak reset just before the call "
        "(`/proc/self/clear_refs`). Written to disk: `write_bytes` of `/proc/self/io` over the call, the bytes the "
        "process dirtied in files (sockets excluded; counted even when the file is deleted before writeback). "
        "Extra files: every file other than the source under the source's directory, the process's TMPDIR and "
        "the state directory, sampled every 50 ms. Ours writes only its resume state file (a small JSON file "
        "rewritten after each chunk, deleted when the upload completes).",
        "",
    ]
    if "ours-gc" in results and "ours" in results:
        lines += [
            "The diagnostic row runs the same upload with Python's cyclic garbage collector forced every 50 ms. "
            "It checks that no chunk buffer outlives its PUT: an httpx `Response` references itself through its "
            "stream and holds its request, which would keep a body given as bytes until the cyclic collector runs; "
            "ours streams each chunk from a one-piece generator, so the two rows should agree.",
            "",
        ]
    lines += [
        f"### Resume after a kill at about half way ({human(size)})",
        "",
        "| contender | killed with (received in full) | PUTs in flight at the kill (seen by the origin) | "
        "missing after the kill | bytes PUT by the rerun | bytes sent again | goal |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    resume = results.get("resume")
    if resume is not None and "error" in resume:
        lines.append(f"| twelvelabs-embed `assets.upload(path)` again | not measured: {resume['error']} | | | | | |")
    elif resume is not None:
        ok = "meets" if resume["resent"] <= resume["goal"] else "misses"
        lines.append(
            f"| twelvelabs-embed `assets.upload(path)` again | {human(resume['killed_at'])} "
            f"({resume['killed_at_fraction']:.0%}) | {resume['in_flight_at_kill']} | {human(resume['missing'])} | "
            f"{human(resume['second_bytes_put'])} ({resume['second_puts']} PUTs, {resume['second_wall']:.1f} s) | "
            f"{human(resume['resent'])} ({resume['resent_chunks']} chunks) | at most {human(resume['goal'])} "
            f"({CONCURRENCY} PUTs x {human(chunk_size)}): {ok} |"
        )
    elif "resume" in args.scenarios:
        lines.append("| twelvelabs-embed | not measured | | | | | |")
    lines.append(
        "| official SDK 1.3.6 `upload_file` | not supported: no resume; a rerun creates a new session, splits the "
        "file again and sends all of it | | | | | |"
    )
    lines += [
        "",
        "The upload process is killed with SIGKILL once the origin has received about half the file in full; the "
        "same call then runs in a new process. Missing = the file size minus the bytes of the chunks the origin "
        "had received in full; bytes sent again = what the rerun PUT minus what was missing (chunks whose PUT "
        "finished but whose ETag had not reached the state file yet). The partial bodies of the PUTs cut by the "
        "kill are not counted (each is less than one chunk).",
    ]
    if sdk is None and "sdk" in args.contenders:
        lines += ["", "The official SDK was not measured: bench/.venv/bin/python cannot import `twelvelabs`."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=2048, help="size of the file (default 2048 = 2 GiB)")
    parser.add_argument("--chunk-mib", type=float, default=5.0, help="the fake's chunk size (default 5)")
    parser.add_argument("--quick", action="store_true", help="a 256 MiB file")
    parser.add_argument(
        "--contenders", default="ours,ours-gc,sdk", help="ours, ours-gc (diagnostic: gc.collect() every 50 ms), sdk"
    )
    parser.add_argument(
        "--multipart-threshold-mib", type=float, help="ours: multipart above this size (default: the library's)"
    )
    parser.add_argument("--scenarios", default="upload,resume")
    parser.add_argument("--workdir", type=Path, help="where the file goes (default: a temporary directory)")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--markdown-out", type=Path, help="also write the Markdown report to this file")
    # the worker side (internal)
    parser.add_argument("--worker", choices=("ours", "sdk"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", help=argparse.SUPPRESS)
    parser.add_argument("--gc-every", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--multipart-threshold", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if args.quick:
        args.size_mib = min(args.size_mib, 256)
    size, chunk_size = args.size_mib * MiB, int(args.chunk_mib * MiB)
    load_before = os.getloadavg()[0]
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    sdk = sdk_python()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="upload-bench-", dir=args.workdir) as work_name:
        work = Path(work_name)
        source_dir = work / "media"
        source_dir.mkdir()
        source = source_dir / "talk.mp4"
        free = shutil.disk_usage(work).free
        if free < 2.5 * size:
            raise SystemExit(f"{work} has {human(free)} free; the run needs about {human(2.5 * size)}")
        print(f"writing a {human(size)} file ...", file=sys.stderr, flush=True)
        make_source(source, size)
        server = Server(chunk_size, work / "server.log")
        try:
            if "upload" in args.scenarios:
                for name in args.contenders:
                    python = sdk if name == "sdk" else sys.executable
                    if name not in ("ours", "ours-gc", "sdk"):
                        raise SystemExit(f"unknown contender {name!r}")
                    if python is None:
                        continue
                    print(f"running {name} ...", file=sys.stderr, flush=True)
                    results[name] = run_contender(name, python, source, server, work, args)
            if "resume" in args.scenarios:
                print("running the resume scenario ...", file=sys.stderr, flush=True)
                results["resume"] = run_resume(source, server, work, size, chunk_size, args)
        finally:
            server.stop()
    machine = (
        f"Machine: {os.cpu_count()} CPUs, load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at "
        "the end of the run (other work on the machine makes wall times noisy; memory, disk and bytes are not)."
    )
    report = render(args, size, chunk_size, results, sdk) + "\n\n" + machine
    print(report)
    if args.markdown_out is not None:
        args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
        args.markdown_out.write_text(
            "# Upload benchmark\n\nWritten by `bench/upload_bench.py` (run by `make bench`) on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n" + report + "\n",
            encoding="utf-8",
        )
    if args.json_out is not None:
        args.json_out.write_text(json.dumps({"size": size, "chunk_size": chunk_size} | results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
