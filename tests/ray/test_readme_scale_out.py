"""README's "Scale out" example runs as written (a driver joining the test session's Ray cluster, against the fake)
and type-checks under `mypy --strict`. It is a ```py block, so tests/test_readme.py does not also run it: that
test starts no Ray cluster."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.batch._support import API_KEY, BatchServer
from tests.ray.conftest import RayCluster

ROOT = Path(__file__).resolve().parents[2]


def scale_out_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Scale out\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```py\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the Scale out section has one Python example"
    return str(blocks[0])


def test_the_scale_out_example_runs_as_written(ray_cluster: RayCluster, server: BatchServer, tmp_path: Path) -> None:
    """The block, verbatim, in its own driver: 8 items embedded, every vector readable with `batch.load`."""
    env = {**server.env(), "RAY_ADDRESS": ray_cluster.address}
    result = subprocess.run(
        [sys.executable, "-c", scale_out_block()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    done, vectors = re.fullmatch(r"(\d+) items, (\d+) vectors\n", result.stdout.splitlines(keepends=True)[-1]).groups()
    assert int(done) == 8 and int(vectors) >= 8
    assert list((tmp_path / "library" / "embeddings").glob("*.parquet"))
    assert API_KEY not in result.stdout + result.stderr
    assert not ray_cluster.logs_mention(API_KEY)


def test_the_scale_out_example_passes_mypy_strict(tmp_path: Path) -> None:
    path = tmp_path / "readme_scale_out.py"
    path.write_text(scale_out_block(), encoding="utf-8")
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT / "wrappers")])}
    mypy = str(Path(sys.executable).parent / "mypy")
    result = subprocess.run(
        [mypy, "--strict", "--no-error-summary", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
