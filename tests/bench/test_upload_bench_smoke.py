"""Smoke test of bench/upload_bench.py: a tiny multipart upload and its resume against a real fake server process.

Only our contender (the official SDK lives in bench/.venv); no timing is judged, only that every row is measured
and the byte counts add up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def test_a_tiny_run_measures_every_row(tmp_path: Path) -> None:
    markdown, results = tmp_path / "UPLOAD.md", tmp_path / "upload.json"
    command = [sys.executable, str(ROOT / "bench" / "upload_bench.py"), "--size-mib", "16", "--chunk-mib", "1"]
    command += ["--multipart-threshold-mib", "1", "--contenders", "ours", "--workdir", str(tmp_path)]
    command += ["--markdown-out", str(markdown), "--json-out", str(results)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-3000:]

    data = json.loads(results.read_text())
    size = 16 * MiB
    ours = data["ours"]
    assert ours["bytes_put"] == size and ours["puts"] == 16  # every chunk once, none twice
    assert ours["outcome"].endswith(" ready")
    assert 0 < ours["growth"] < 256 * MiB and ours["wall"] > 0
    assert ours["disk_final"] == 0  # the state file is gone once the upload completed
    resume = data["resume"]
    assert "error" not in resume, resume
    assert 0 < resume["killed_at"] < size and resume["outcome"].endswith(" ready")
    assert resume["missing"] == size - resume["killed_at"]
    assert resume["second_bytes_put"] == resume["missing"] + resume["resent"] and resume["resent"] >= 0

    text = markdown.read_text()
    assert text.startswith("# Upload benchmark\n")
    assert "| twelvelabs-embed `assets.upload(path)` (concurrency 4, waits for `ready`) |" in text
    assert "| twelvelabs-embed `assets.upload(path)` again |" in text
    assert "| official SDK 1.3.6 `upload_file` | not supported:" in text
    assert run.stdout.strip() in text  # the report printed is the report written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["UPLOAD.md", "upload.json"]  # the work files are gone
