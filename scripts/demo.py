"""`make demo`: the CLI end to end against the local fake Embed API (no API key, no network).

1. starts `twelvelabs-embed fake-server` on a free loopback port (its own process group);
2. creates a legacy video task from a local file upload and waits for it with live progress,
   writing the embeddings as .npy (+ a segment table);
3. creates a v2 video task from a URL and waits for it, writing the embeddings as Parquet;
4. embeds a small library (a folder of generated media and a URL list) with the resumable batch,
   stored as Parquet (`twelvelabs_embed.batch.demo`);
5. prints a summary (task ids, segment counts, vector dimension, output files) and stops the server.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from twelvelabs_embed import batch

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("DEMO_OUTPUT", ROOT / "demo-output"))
CLI = [str(Path(sys.executable).parent / "twelvelabs-embed")]
DEMO_KEY = "demo-key"  # the fake accepts it; no real key is involved


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, server: subprocess.Popen[bytes], deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"the fake server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the fake server did not answer {url} within {deadline:g} s")


def run(args: list[str], env: dict[str, str]) -> str:
    """Run the CLI: its progress (stderr) shows as it goes; its result (stdout) is echoed and returned."""
    print(f"\n$ twelvelabs-embed {' '.join(args)}", flush=True)
    result = subprocess.run(CLI + args, env=env, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"twelvelabs-embed {args[0]} failed with exit code {result.returncode}")
    return result.stdout


def created_id(output: str) -> str:
    """`create` prints the new task's id, alone, on stdout."""
    match = re.fullmatch(r"(\S+)\n", output)
    if not match:
        raise SystemExit(f"expected a task id on stdout, got {output!r}")
    return match.group(1)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    sample = OUT / "sample-video.mp4"
    sample.write_bytes(np.random.default_rng(7).integers(0, 256, 512 * 1024, dtype=np.uint8).tobytes())
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1.3"
    server = subprocess.Popen(
        [
            *CLI,
            "fake-server",
            "--port",
            str(port),
            "--api-key",
            DEMO_KEY,
            "--processing-seconds",
            "4",
            "--upload-duration",
            "42",
        ],
        start_new_session=True,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/openapi.yaml", server)
        env = {**os.environ, "TWELVELABS_API_KEY": DEMO_KEY, "TWELVELABS_BASE_URL": base_url}
        legacy_out = run(
            [
                "create",
                "--api",
                "legacy",
                "--file",
                str(sample),
                "--clip-length",
                "6",
                "--scope",
                "clip",
                "--wait",
                "--output",
                str(OUT / "legacy.npy"),
            ],
            env,
        )
        v2_out = run(
            [
                "create",
                "--api",
                "v2",
                "--type",
                "video",
                "--url",
                "https://example.com/demo.mp4?duration=95",
                "--segmentation",
                "fixed:5",
                "--option",
                "visual",
                "--option",
                "audio",
                "--wait",
                "--output",
                str(OUT / "v2.parquet"),
            ],
            env,
        )
        run(["list", "--api", "v2"], env)
        print("\n$ python -c 'from twelvelabs_embed import batch; batch.demo(...)'", flush=True)
        library = batch.demo(OUT / "library", base_url=base_url, api_key=DEMO_KEY)
        if not library.ok:
            raise SystemExit(f"the demo batch did not finish: {library.failures}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    legacy = np.load(OUT / "legacy.npy")
    table = pq.read_table(OUT / "v2.parquet")
    dim = len(table.column("embedding")[0])
    print("\nsummary")
    print(f"  legacy task {created_id(legacy_out)}: {legacy.shape[0]} segments x {legacy.shape[1]} dims")
    print(f"    -> {OUT / 'legacy.npy'}, {OUT / 'legacy.segments.csv'}")
    print(f"  v2 task     {created_id(v2_out)}: {table.num_rows} segments x {dim} dims")
    print(f"    -> {OUT / 'v2.parquet'}")
    print(f"  batch       {library.done}/{library.total} items, {library.rows} vectors -> {library.folder}")
    print("  fake server stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
