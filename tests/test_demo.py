"""`make demo` (scripts/demo.py) runs to the end: fake server up, two CLI tasks, files written, server down."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    """The demo exits 0, prints its summary and leaves the embeddings it reports on disk."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWELVELABS_")}
    env["DEMO_OUTPUT"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "summary" in result.stdout and "fake server stopped" in result.stdout
    legacy = np.load(tmp_path / "legacy.npy")
    assert legacy.shape == (21, 512)  # 42 s upload, 6 s clips, 3 options
    assert (tmp_path / "legacy.segments.csv").read_text().count("\n") == 22
    assert pq.read_table(tmp_path / "v2.parquet").num_rows == 40  # 95 s at 5 s: 19 clips x 2 options + 2 asset
    assert "Traceback" not in result.stderr
