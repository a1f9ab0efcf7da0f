"""Every Python example of docs/BATCH.md (the README's "Embed a library") runs as written against the fake,
in order, in one folder holding a clip.mp4: pyarrow, DuckDB and LanceDB read what the batch stored."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.batch.conftest import API_KEY, LiveFake

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "BATCH.md").read_text(encoding="utf-8"), re.S)


def test_the_batch_docs_examples_run(tmp_path: Path, live: LiveFake) -> None:
    """Each block exits 0 and prints what it promises (counts, shapes, DuckDB rows, LanceDB hits)."""
    assert len(BLOCKS) == 2
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4096))
    env = {**os.environ, "TWELVELABS_API_KEY": API_KEY, "TWELVELABS_BASE_URL": live.base_url}
    outputs = []
    for block in BLOCKS:
        result = subprocess.run(
            [sys.executable, "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(result.stdout)
    assert outputs[0].startswith("2 done, 0 failed")
    assert "(" in outputs[0] and ", 512)" in outputs[0]
    assert "clip.mp4" in outputs[1]
    assert (tmp_path / "library" / "lancedb").is_dir()
