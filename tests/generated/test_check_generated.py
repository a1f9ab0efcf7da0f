"""`scripts/generate.py --check` catches drift, and regeneration is deterministic.

The tests work on copies of `generated/twelvelabs_embed_generated` in a temporary directory
(`--target DIR`); the committed package is never written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate.py"
PACKAGE = "twelvelabs_embed_generated"
COMMITTED = ROOT / "generated" / PACKAGE


def run_generate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the committed generated package (without bytecode caches)."""
    target = tmp_path / PACKAGE
    shutil.copytree(COMMITTED, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_check_passes_on_an_untouched_copy(package_copy: Path) -> None:
    """`--check` exits 0 for an exact copy of the committed package."""
    result = run_generate("--check", "--target", str(package_copy))
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout


def test_check_fails_when_a_module_is_edited(package_copy: Path) -> None:
    """`--check` exits 1 and shows a diff naming the file when a generated module was edited by hand."""
    module = package_copy / "models" / "task_status.py"
    module.write_text(module.read_text().replace('READY = "ready"', 'READY = "done"'))
    result = run_generate("--check", "--target", str(package_copy))
    assert result.returncode == 1
    assert "models/task_status.py" in result.stderr
    assert '-    READY = "done"' in result.stderr
    assert '+    READY = "ready"' in result.stderr
    assert "Run `make generate`" in result.stderr


def test_check_fails_on_a_stray_file(package_copy: Path) -> None:
    """`--check` exits 1 and asks to delete a file the generator does not produce."""
    (package_copy / "models" / "handwritten_helper.py").write_text("X = 1\n")
    result = run_generate("--check", "--target", str(package_copy))
    assert result.returncode == 1
    assert "not produced by the generator (delete it)" in result.stderr
    assert "models/handwritten_helper.py" in result.stderr


def test_check_fails_on_a_missing_file(package_copy: Path) -> None:
    """`--check` exits 1 and names a generated file that was deleted."""
    (package_copy / "models" / "page_info.py").unlink()
    result = run_generate("--check", "--target", str(package_copy))
    assert result.returncode == 1
    assert re.search(r"missing from .*: models/page_info\.py", result.stderr), result.stderr


def test_check_fails_on_a_stale_spec_stamp(package_copy: Path) -> None:
    """`--check` exits 1 and says the spec changed when `_spec.py` records another spec hash."""
    stamp = package_copy / "_spec.py"
    text = stamp.read_text()
    new_text, count = re.subn(r'SPEC_SHA256 = "[0-9a-f]{64}"', f'SPEC_SHA256 = "{"0" * 64}"', text)
    assert count == 1
    stamp.write_text(new_text)
    result = run_generate("--check", "--target", str(package_copy))
    assert result.returncode == 1
    assert "_spec.py records another spec than the current openapi.yaml" in result.stderr
    assert "the spec changed without regenerating" in result.stderr
    assert "Run `make generate`" in result.stderr


def test_committed_package_is_current() -> None:
    """The committed generated/ package is exactly what the spec, config and templates produce."""
    result = run_generate("--check")
    assert result.returncode == 0, result.stderr
    assert f"generated/{PACKAGE} is up to date" in result.stdout


def test_regeneration_is_deterministic(tmp_path: Path) -> None:
    """Two generations (with different hash seeds) into temp dirs give identical trees, equal to generated/."""
    before = tree(COMMITTED)
    trees = []
    for seed in ("1", "777"):
        target = tmp_path / f"run{seed}" / PACKAGE
        result = run_generate("--target", str(target), env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        trees.append(tree(target))
    first, second = trees
    assert len(first) > 50
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    # Generating into a target elsewhere neither touched the committed package nor differs from it.
    assert tree(COMMITTED) == before
    assert first == before
