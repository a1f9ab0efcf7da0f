"""Every Python example in README.md runs as written, against the fake server started for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import start_on_free_port

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
CLI = str(Path(sys.executable).parent / "twelvelabs-embed")
KEY = "readme-example-key-5b1f"


@pytest.fixture(scope="module")
def fake_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real fake server whose tasks are ready after one second."""
    server = start_on_free_port(
        lambda port: [CLI, "fake-server", "--port", str(port), "--api-key", KEY, "--processing-seconds", "1"],
        log_path=tmp_path_factory.mktemp("readme") / "fake-server.log",
        health_path="/openapi.yaml",
    )
    try:
        yield f"{server.base_url}/v1.3"
    finally:
        server.stop()


def test_readme_has_python_examples() -> None:
    """The README carries the quickstart and the fake-testing examples this module runs."""
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, fake_base_url: str, tmp_path: Path) -> None:
    """README Python block number `index` exits 0 against the fake, with a clip.mp4 in the working folder."""
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4096))
    env = {**os.environ, "TWELVELABS_API_KEY": KEY, "TWELVELABS_BASE_URL": fake_base_url}
    result = subprocess.run(
        [sys.executable, "-c", BLOCKS[index]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert KEY not in result.stdout + result.stderr


def test_readme_examples_pass_mypy_strict(tmp_path: Path) -> None:
    """Every README Python block type-checks under `mypy --strict`, as users who copy it would run it."""
    files = []
    for index, block in enumerate(BLOCKS):
        path = tmp_path / f"readme_block_{index}.py"
        path.write_text(block)
        files.append(str(path))
    # From the project root, so the project's mypy settings apply (pyarrow ships no type information) and
    # its warm cache is reused; MYPYPATH as the project's own typecheck sets it.
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT / "wrappers")])}
    mypy = str(Path(sys.executable).parent / "mypy")
    result = subprocess.run(
        [mypy, "--strict", "--no-error-summary", *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
