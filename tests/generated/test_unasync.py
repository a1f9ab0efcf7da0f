"""`scripts/unasync.py`: the sync client is generated from the async source, and drift is caught.

The tests check copies of `wrappers/twelvelabs_embed/_sync` in a temporary directory (`--target DIR`);
the committed package is never written.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "unasync.py"
PACKAGE = ROOT / "wrappers" / "twelvelabs_embed"


def run_unasync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def sync_copy(tmp_path: Path) -> Path:
    target = tmp_path / "_sync"
    shutil.copytree(PACKAGE / "_sync", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_committed_sync_package_is_current(sync_copy: Path) -> None:
    """`--check` passes on an exact copy of the committed `_sync/`."""
    result = run_unasync("--check", "--target", str(sync_copy))
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout


def test_a_line_edited_by_hand_fails_the_check(sync_copy: Path) -> None:
    """Editing one line of `_sync/` by hand makes `--check` fail with a diff naming the file."""
    module = sync_copy / "_client.py"
    text = module.read_text()
    module.write_text(text.replace("def close(self) -> None:", "def close(self) -> None:  # tweaked", 1))
    result = run_unasync("--check", "--target", str(sync_copy))
    assert result.returncode == 1
    assert "_sync/_client.py" in result.stderr and "tweaked" in result.stderr
    assert "Edit _async/" in result.stderr


def test_missing_and_extra_files_fail_the_check(sync_copy: Path) -> None:
    """A deleted generated file and a stray one are both reported."""
    (sync_copy / "_resources.py").unlink()
    (sync_copy / "_extra.py").write_text("x = 1\n")
    result = run_unasync("--check", "--target", str(sync_copy))
    assert result.returncode == 1
    assert "missing: _sync/_resources.py" in result.stderr
    assert "_extra.py" in result.stderr


def test_every_generated_file_has_the_do_not_edit_header() -> None:
    """Each `_sync/` module starts with the one-line header naming its source."""
    for path in sorted((PACKAGE / "_sync").glob("*.py")):
        first = path.read_text().splitlines()[0]
        assert first == f"# Generated from _async/{path.name} by scripts/unasync.py; do not edit.", path


def _load_script() -> object:
    spec = importlib.util.spec_from_file_location("unasync_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_rename_async_idioms_only_at_word_boundaries() -> None:
    """The substitutions turn async idioms into sync ones and leave look-alike words alone."""
    script = _load_script()
    used: set[int] = set()
    text = (
        "async def f(c: AsyncEmbedClient) -> AsyncIterator[int]:\n"
        "    async with x:\n        await c.aclose()\n    async for i in r.aiter_bytes():\n"
        "        await anotify(cb, i)\n    await DEFAULT_ASYNC_SLEEP(1)\n"
        "    awaited = asynchronous_thing = 'Asyncio'\n"
    )
    out = script.unasync_text(text, used)  # type: ignore[attr-defined]
    assert "def f(c: EmbedClient) -> Iterator[int]:" in out
    assert "with x:\n        c.close()" in out
    assert "for i in r.iter_bytes():" in out and "notify(cb, i)" in out and "DEFAULT_SLEEP(1)" in out
    assert "awaited = asynchronous_thing = 'Asyncio'" in out  # no rule matches inside other words
    assert not re.search(r"\basync\b|\bawait\b", out.replace("asynchronous_thing", ""))


def test_no_handwritten_sync_twin_remains() -> None:
    """Only `_async/` holds client I/O code; no other handwritten module defines a sync twin of it."""
    handwritten = [p for p in PACKAGE.glob("*.py")]
    names = {"EmbedClient", "LegacyTasks", "Tasks", "Embeddings", "LegacyEmbeddings"}
    for path in handwritten:
        defined = set(re.findall(r"^class (\w+)", path.read_text(), flags=re.M))
        assert not (defined & names), f"{path.name} defines {defined & names}"
