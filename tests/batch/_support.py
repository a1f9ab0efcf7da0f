"""Helpers of the batch tests: the fake-server process, a library of items, and checks against the fake's records."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import ServerProcess, start_on_free_port

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "test-key"
SERVER = Path(__file__).with_name("fake_server.py")


@dataclass
class BatchServer:
    """A `fake_server.py` process: the fake with a rate limit and random faults, and its records."""

    process: ServerProcess
    limit: int | None
    window: float

    @property
    def base_url(self) -> str:
        return f"{self.process.base_url}/v1.3"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TWELVELABS_")}
        env.update(TWELVELABS_API_KEY=API_KEY, TWELVELABS_BASE_URL=self.base_url)
        return env

    def count(self) -> int:
        """Requests the fake has received so far."""
        with httpx.Client(trust_env=False, timeout=30) as client:
            return int(client.get(f"{self.process.base_url}/_count").json()["requests"])

    def quiet(self) -> None:
        """No more injected faults, and no rate limit."""
        with httpx.Client(trust_env=False, timeout=30) as client:
            client.post(f"{self.process.base_url}/_quiet").raise_for_status()

    def records(self) -> dict[str, Any]:
        with httpx.Client(trust_env=False, timeout=30) as client:
            response = client.get(f"{self.process.base_url}/_records")
            response.raise_for_status()
            return dict(response.json())


def start_batch_server(
    log_dir: Path, *, limit: int | None, window: float, fault_rate: float, processing_seconds: float, seed: int = 7
) -> BatchServer:
    def command(port: int) -> list[str]:
        cmd = [sys.executable, str(SERVER), "--port", str(port), "--processing-seconds", str(processing_seconds)]
        cmd += ["--window", str(window), "--fault-rate", str(fault_rate), "--seed", str(seed)]
        return cmd + (["--limit", str(limit)] if limit is not None else [])

    process = start_on_free_port(
        command, log_path=log_dir / "batch-fake.log", health_path="/_records", cwd=ROOT, startup_timeout=120
    )
    return BatchServer(process, limit, window)


@dataclass
class Library:
    """The items of a generated manifest, and what each should end as."""

    manifest: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    expected: dict[str, str] = field(default_factory=dict)  # source -> "done" | "reused" | kind of failure
    identity: dict[str, str] = field(default_factory=dict)  # source -> how the fake records its create


def build_library(root: Path, *, urls: int, failing: int, legacy_urls: int, files: int, legacy_files: int,
                  duplicates: int, missing: int, invalid: int) -> Library:  # fmt: skip
    """A JSONL manifest of URL and file items of both APIs, with duplicates, failures and bad items."""
    media = root / "media"
    media.mkdir(parents=True, exist_ok=True)
    library = Library(root / "manifest.jsonl")
    rows = library.rows

    def add(row: dict[str, Any], outcome: str, identity: str) -> None:
        rows.append(row)
        library.expected[row["source"]] = outcome
        library.identity[row["source"]] = identity

    for i in range(urls):
        url = f"https://media.example/v2/clip-{i}.mp4?duration={6 + i % 7}"
        options = {"option": "visual", "scope": "clip"} if i % 10 else {"segmentation": "fixed:4"}
        add({"source": url, "api": "v2", **options}, "done", f"url:{url}")
    for i in range(failing):
        url = f"https://media.example/v2/broken-{i}.mp4?fail=corrupt+stream+{i}"
        add({"source": url}, "task_failed", f"url:{url}")
    for i in range(legacy_urls):
        url = f"https://media.example/legacy/clip-{i}.mp4?duration={6 + i % 7}"
        add({"source": url, "api": "legacy", "clip_length": 5, "option": "visual"}, "done", f"url:{url}")
    originals: list[tuple[Path, str]] = []
    for i in range(files + legacy_files):
        api = "v2" if i < files else "legacy"
        path = media / f"{api}-file-{i}.mp4"
        data = hashlib.sha256(f"media {i}".encode()).digest() * 64
        path.write_bytes(data)
        originals.append((path, api))
        kind = "sha256:" + hashlib.sha256(data).hexdigest() if api == "v2" else "file:"
        add({"source": str(path), "api": api, "option": "visual"}, "done", kind)
    for i in range(duplicates):
        original, api = originals[i * 3 % len(originals)]
        path = media / f"copy-{i}-{original.name}"
        path.write_bytes(original.read_bytes())
        add({"source": str(path), "api": api, "option": "visual"}, "reused", library.identity[str(original)])
    for i in range(missing):
        add({"source": str(media / f"missing-{i}.mp4")}, "invalid", "")
    for i in range(invalid):
        url = f"https://media.example/v2/bad-options-{i}.mp4"
        add({"source": url, "segmentation": "fixed:99"}, "invalid", "")
    library.manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return library


def creates_by_identity(records: dict[str, Any]) -> Counter[str]:
    """How many create requests made a task, per identity (legacy uploads: per upload name)."""
    return Counter(c["identity"] for c in records["creates"] if c["task_id"] is not None)
