"""Type-check the public API with `mypy --strict`, so typing regressions fail the test suite.

`readme_usage.py` uses the API the way the README does and must check cleanly; `misuse.py` holds wrong
calls, each marked `# expect: <code>`, and mypy must flag exactly those lines (so the API is not `Any`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
MYPY = Path(sys.executable).parent / "mypy"
ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


def run_mypy(target: Path) -> subprocess.CompletedProcess[str]:
    if not MYPY.exists():  # pragma: no cover - the dev install always has it
        pytest.fail(f"mypy not found at {MYPY}; run `make install`")
    env = {**os.environ, "MYPYPATH": os.pathsep.join(["generated", "wrappers"])}
    return subprocess.run(
        [str(MYPY), "--strict", "--no-color-output", "--no-error-summary", str(target.relative_to(ROOT))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_readme_usage_passes_mypy_strict() -> None:
    """The README-style usage file (sync, async, create/wait/iter/retrieve_arrays, error handling) checks cleanly."""
    result = run_mypy(HERE / "readme_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_misuse_is_flagged_exactly_where_expected() -> None:
    """mypy reports an error on every `# expect:` line of misuse.py, with that code, and nowhere else."""
    source = (HERE / "misuse.py").read_text().splitlines()
    expected = {
        (number, match.group(1))
        for number, text in enumerate(source, start=1)
        if (match := re.search(r"# expect: ([a-z-]+)", text))
    }
    assert len(expected) >= 10
    result = run_mypy(HERE / "misuse.py")
    assert result.returncode == 1, result.stdout + result.stderr
    reported = {
        (int(m.group("line")), m.group("code"))
        for line in result.stdout.splitlines()
        if (m := ERROR.match(line.strip()))
    }
    assert reported == expected, result.stdout
