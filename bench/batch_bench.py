"""Batch benchmark: 1,000 items under a fake rate limit of 600 requests per minute.

    .venv/bin/python bench/batch_bench.py                    # ~10 minutes: ours (legacy and v2) and the SDK way
    .venv/bin/python bench/batch_bench.py --items 200 --quick  # a smoke run of a minute or two

Runs with the project venv (the batch stores Parquet with pyarrow). For the official SDK's way it uses
bench/.venv/bin/python (twelvelabs==1.3.6, made by `bash bench/setup.sh`) when that exists; otherwise it
sends the same request sequence with httpx, and says so in the report.

Each contender gets a fresh fake server process (`twelvelabs_embed.testing`, wall clock): tasks take
`--processing-seconds` (default 10), and every operation counts against one limit of `--rpm` requests per
sliding minute, as the real API's requests-per-minute limit does. Contenders:

  ours-legacy  `twelvelabs-embed batch URLS -o OUT --api legacy` (the same API the SDK's bulk helper uses)
  ours-v2      the same with `--api v2`
  sdk          `client.embed.tasks.create_bulk(...)`, then `wait_for_done(id)` and `retrieve(id)` per task,
               one after the other, as the SDK's docs show (no retries: the SDK's default)
  sdk-retries  the same with `request_options={"max_retries": 10}` on every call

The rate-limit bound is the least wall time the limit allows for the requests the items need at least (one
create and one retrieve each, R = 2 x items): a sliding minute admits `rpm` requests, so the last of them
can go after floor((R - 1) / rpm) minutes, and its task then still takes `--processing-seconds`. (The
sustained rate, R / rpm minutes, is reported too.) The goal for ours is at most 1.15x the bound. The
report is printed as Markdown (and written as JSON with --json-out). This script reports; it does not
fail on a missed goal (it exits non-zero only when a contender crashes).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KEY = "bench-key"
BENCH_PYTHON = HERE / ".venv" / "bin" / "python"

SERVER = """
import sys
from twelvelabs_embed.testing import ALL_OPERATIONS, EmbedFake, RateLimit, WallClock, serve
port, processing, rpm, key = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
fake = EmbedFake(api_keys=key, clock=WallClock(), processing_seconds=processing, url_duration=12)
with fake.client() as http:  # the first URL validation builds a grammar: pay it before the clock starts
    http.post("/embed-v2/tasks", json={"input_type": "video", "model_name": "marengo3.0",
              "video": {"media_source": {"url": "https://warm.up/x.mp4"}}})
fake.close()
fake.clear_requests()
fake.rate_limit = RateLimit(rpm, 60.0, operations=ALL_OPERATIONS)
serve(port=port, fake=fake)
"""

# The official SDK's way, run by bench/.venv/bin/python (or emulated with httpx when it is missing).
SDK_WORKER = """
import json, sys, time
urls, base_url, key, retries = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
started = time.monotonic()
from twelvelabs import TwelveLabs
client = TwelveLabs(api_key=key, base_url=base_url)
options = {"max_retries": retries} if retries else None
tasks = client.embed.tasks.create_bulk(
    model_name="marengo3.0", videos=[{"video_url": u} for u in urls], request_options=options
)
done = errors = 0
for task in tasks:
    try:
        status = client.embed.tasks.wait_for_done(task.id, sleep_interval=5.0, request_options=options)
        if status.status == "ready":
            client.embed.tasks.retrieve(task.id, request_options=options)
            done += 1
    except Exception as error:  # the SDK raises on a 429 outside its polling loop
        errors += 1
print(json.dumps({"created": len(tasks), "done": done, "errors": errors, "elapsed": time.monotonic() - started}))
"""

EMULATED_SDK_WORKER = """
import json, sys, time, httpx
urls, base_url, key, retries = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
started = time.monotonic()
http = httpx.Client(base_url=base_url, headers={"x-api-key": key}, timeout=600)
def call(method, url, **kwargs):  # the SDK's retries: 429/5xx; Retry-After up to 30 s, else 0.5 s x 2^n, at most 10 s
    response = http.request(method, url, **kwargs)
    for attempt in range(retries):
        if response.status_code != 429 and response.status_code < 500:
            break
        after = response.headers.get("retry-after")
        time.sleep(float(after) if after and float(after) <= 30 else min(10.0, 0.5 * 2**attempt))
        response = http.request(method, url, **kwargs)
    return response.raise_for_status()
ids = []
for url in urls:  # create_bulk: one create after the other; a failure is printed and skipped
    try:
        form = {"model_name": (None, "marengo3.0"), "video_url": (None, url)}
        ids.append(call("POST", "/embed/tasks", files=form).json()["_id"])
    except Exception as error:
        print(f"Error creating embedding task: {error}", file=sys.stderr)
done = errors = 0
for task_id in ids:  # wait_for_done (5 s), then retrieve
    try:
        status = call("GET", f"/embed/tasks/{task_id}/status").json()["status"]
        while status not in ("ready", "failed"):
            time.sleep(5.0)
            try:
                status = call("GET", f"/embed/tasks/{task_id}/status").json()["status"]
            except Exception:
                continue
        if status == "ready":
            call("GET", f"/embed/tasks/{task_id}")
            done += 1
    except Exception:
        errors += 1
print(json.dumps({"created": len(ids), "done": done, "errors": errors, "elapsed": time.monotonic() - started}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A fake server process with the rate limit, for one contender."""

    def __init__(self, processing: float, rpm: int, log: Path) -> None:
        self.port = free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port), str(processing), str(rpm), KEY],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "ready" not in line:
            raise SystemExit(f"the fake server did not start (see {log})")
        self.base_url = f"http://127.0.0.1:{self.port}/v1.3"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def run_ours(api: str, urls_file: Path, out: Path, server: Server, concurrency: int) -> dict[str, Any]:
    env = {**os.environ, "TWELVELABS_API_KEY": KEY, "TWELVELABS_BASE_URL": server.base_url}
    command = [sys.executable, "-m", "twelvelabs_embed.batch", str(urls_file), "-o", str(out), "--api", api]
    command += ["--concurrency", str(concurrency), "--poll-interval", "2", "--json", "--no-progress"]
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if result.returncode not in (0, 3):
        raise SystemExit(f"{api} batch failed ({result.returncode}):\n{result.stderr[-3000:]}")
    summary = json.loads(result.stdout)
    return {
        "wall": wall,
        "done": summary["done"],
        "failed": summary["failed"],
        "requests": summary["requests"],
        "rate_limited": summary["rate_limited"],
    }


def run_sdk(urls: list[str], server: Server, retries: int) -> dict[str, Any]:
    emulated = (
        not BENCH_PYTHON.exists()
        or subprocess.run([str(BENCH_PYTHON), "-c", "import twelvelabs"], capture_output=True, check=False).returncode
        != 0
    )
    python = sys.executable if emulated else str(BENCH_PYTHON)
    worker = EMULATED_SDK_WORKER if emulated else SDK_WORKER
    started = time.monotonic()
    result = subprocess.run(
        [python, "-c", worker, json.dumps(urls), server.base_url, KEY, str(retries)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"the SDK contender crashed:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return {"wall": wall, "emulated": emulated, **report}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rpm", type=int, default=600, help="fake limit: requests per sliding minute, all operations")
    parser.add_argument("--processing-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--contenders", default="ours-legacy,ours-v2,sdk,sdk-retries")
    parser.add_argument("--quick", action="store_true", help="200 items, ours-legacy and sdk only")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--markdown-out", type=Path, help="also write the Markdown report to this file")
    args = parser.parse_args()
    if args.quick:
        args.items, args.contenders = min(args.items, 200), "ours-legacy,sdk"
    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    urls = [f"https://media.example/library/{i:05d}.mp4?duration=12" for i in range(args.items)]
    needed = args.items * 2
    bound = (needed - 1) // args.rpm * 60.0 + args.processing_seconds
    sustained = needed / args.rpm * 60.0
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        folder = Path(tmp)
        urls_file = folder / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
        for name in contenders:
            server = Server(args.processing_seconds, args.rpm, folder / f"{name}-server.log")
            try:
                print(f"running {name} ...", file=sys.stderr, flush=True)
                if name.startswith("ours-"):
                    api = name.removeprefix("ours-")
                    results[name] = run_ours(api, urls_file, folder / f"out-{name}", server, args.concurrency)
                elif name in ("sdk", "sdk-retries"):
                    results[name] = run_sdk(urls, server, 10 if name == "sdk-retries" else 0)
                else:
                    raise SystemExit(f"unknown contender {name!r}")
            finally:
                server.stop()
    lines = [
        f"## Batch: {args.items} items under {args.rpm} requests/minute (every operation counted)",
        "",
        f"Fake tasks take {args.processing_seconds:g} s. Rate-limit bound for {needed} requests (a create and a "
        f"retrieve per item) at {args.rpm} per sliding minute: {bound:.0f} s (sustained rate: {sustained:.0f} s). "
        "Goal for ours: at most 1.15x the bound.",
        "",
        "| contender | wall time | x bound | items with vectors | requests | 429s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        if name.startswith("sdk"):
            label = "official SDK 1.3.6" + (" (emulated with httpx)" if r["emulated"] else "")
            label += ", max_retries=10" if name == "sdk-retries" else ", defaults"
            lost = args.items - r["done"]
            lines.append(
                f"| {label}: create_bulk + wait_for_done | {r['wall']:.0f} s | {r['wall'] / bound:.2f} | "
                f"{r['done']} ({lost} lost) | - | - |"
            )
        else:
            lines.append(
                f"| {name} (twelvelabs-embed batch) | {r['wall']:.0f} s | {r['wall'] / bound:.2f} | {r['done']} | "
                f"{r['requests']} | {r['rate_limited']} |"
            )
    print("\n".join(lines))
    if args.markdown_out is not None:
        args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
        args.markdown_out.write_text(
            "# Batch benchmark\n\nWritten by `bench/batch_bench.py` (run by `make bench`) on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n" + "\n".join(lines) + "\n",
            encoding="utf-8",
        )
    if args.json_out is not None:
        args.json_out.write_text(
            json.dumps(
                {"bound": bound, "sustained": sustained, "args": vars(args) | {"json_out": None, "markdown_out": None}}
                | results
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
