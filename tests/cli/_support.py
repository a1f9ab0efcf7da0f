"""Running the `twelvelabs-embed` console script as a subprocess, and reading the files it writes."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from twelvelabs_embed import EmbeddingArrays

CLI = Path(sys.executable).parent / "twelvelabs-embed"
API_KEY = "tlk-cli-KEY-3f9a1c07-must-never-be-printed"
WRONG_API_KEY = "tlk-cli-WRONG-91be44d2-must-never-be-printed"
SECRETS = (API_KEY, WRONG_API_KEY)
# Generous, only so a hung CLI fails the test instead of the session; never a timing assertion.
RUN_DEADLINE = 90.0
# Environment variables that could make rich treat the pipe as a terminal or change its output.
_SCRUBBED = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES", "NO_COLOR")

PROGRESS = re.compile(
    r"^task (?P<id>\S+): (?P<status>processing|ready|failed)  elapsed +\d+\.\d s(?:  next poll in +\d+\.\d s)?$"
)
CREATED = re.compile(r"^created (?P<api>legacy|v2) task (?P<id>\S+)$")
TASK_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class Result:
    """What one run of the CLI printed and returned."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def ok(self) -> Result:
        """Assert the run succeeded without a traceback (stderr may carry status lines)."""
        assert self.returncode == 0, f"{self.args} exited {self.returncode}: {self.stderr}"
        assert "Traceback" not in self.stderr, self.stderr
        return self

    def silent(self) -> Result:
        """Assert the run succeeded and printed nothing at all on stderr."""
        self.ok()
        assert self.stderr == "", self.stderr
        return self

    def error(self, code: int) -> tuple[str, list[str]]:
        """The error line and the `hint:` lines of a run that exited `code`; nothing else on stderr or stdout."""
        assert self.returncode == code, f"{self.args} exited {self.returncode}, not {code}: {self.stderr}"
        assert "Traceback" not in self.stderr, self.stderr
        errors = [line for line in self.err_lines if line.startswith(("error: ", "twelvelabs-embed"))]
        assert len(errors) == 1, f"expected one error line, got {self.stderr!r}"
        after = self.err_lines[self.err_lines.index(errors[0]) + 1 :]
        assert all(line.startswith("hint: ") for line in after), f"only hints may follow the error: {after}"
        assert self.stdout == "", f"nothing on stdout after an error: {self.stdout!r}"
        return errors[0], [line.removeprefix("hint: ") for line in after]

    def error_line(self) -> str:
        """The single line a failed run prints on stderr (no traceback, no hint, nothing else)."""
        assert "Traceback" not in self.stderr, self.stderr
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got {self.stderr!r}"
        assert self.stderr.strip() == lines[0].strip(), f"blank lines around the error: {self.stderr!r}"
        return lines[0]

    def created_id(self) -> str:
        """The task id: the first stdout line, announced by a `created ... task` line on stderr."""
        assert self.lines and TASK_ID.match(self.lines[0]), f"no task id first on stdout: {self.stdout!r}"
        task_id = self.lines[0]
        if self.stderr:
            created = [m for m in map(CREATED.match, self.err_lines) if m]
            assert [m.group("id") for m in created] == [task_id], self.stderr
        return task_id


def cli_env(base_url: str | None, api_key: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of this environment without any TwelveLabs settings, plus the ones given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWELVELABS_") and k not in _SCRUBBED}
    if api_key is not None:
        env["TWELVELABS_API_KEY"] = api_key
    if base_url is not None:
        env["TWELVELABS_BASE_URL"] = base_url
    env.update(extra or {})
    return env


def assert_no_secret(*texts: str, extra: Sequence[str] = ()) -> None:
    """No API key used by these tests appears in any of `texts`."""
    for secret in (*SECRETS, *extra):
        if secret:
            for text in texts:
                assert secret not in text, "an API key was printed"


def run_cli(
    args: Sequence[str],
    *,
    base_url: str | None,
    api_key: str | None = API_KEY,
    env: Mapping[str, str] | None = None,
    timeout: float = RUN_DEADLINE,
) -> Result:
    """Run the console script with `args`; every run checks that no API key reached its output."""
    assert CLI.exists(), f"{CLI} is missing; install the project into the venv (make install)"
    completed = subprocess.run(
        [str(CLI), *args],
        env=cli_env(base_url, api_key, env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert_no_secret(completed.stdout, completed.stderr, extra=[api_key or ""])
    return Result(tuple(args), completed.returncode, completed.stdout, completed.stderr)


# ----------------------------------------------------------------------------- reading the outputs
Row = tuple[float | None, float | None, str, str]


def _time(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class Loaded:
    """Vectors and their segment table as read back from a file the CLI wrote."""

    vectors: npt.NDArray[np.float32]
    rows: list[Row]


def expected_rows(arrays: EmbeddingArrays) -> list[Row]:
    return [(_time(s["start_sec"]), _time(s["end_sec"]), s["option"], s["scope"]) for s in arrays.segments()]


def _reject_constant(name: str) -> Any:
    raise AssertionError(f"the file is not valid JSON: it contains {name}")


def _strict_json(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def _from_records(records: list[dict[str, Any]], task_id: str | None = None) -> Loaded:
    keys = ["start_sec", "end_sec", "option", "scope", "embedding"]
    for record in records:
        assert list(record) == (keys if task_id is None else ["task_id", *keys]), record.keys()
        assert task_id is None or record["task_id"] == task_id
    vectors = np.array([r["embedding"] for r in records], dtype=np.float32)
    rows = [(_time(r["start_sec"]), _time(r["end_sec"]), r["option"], r["scope"]) for r in records]
    return Loaded(vectors, rows)


def load_json(path: Path, task_id: str) -> Loaded:
    document = _strict_json(path.read_text())
    assert document["task_id"] == task_id
    loaded = _from_records(document["segments"])
    assert document["dimension"] == loaded.vectors.shape[1]
    return loaded


def load_jsonl(path: Path, task_id: str) -> Loaded:
    return _from_records([_strict_json(line) for line in path.read_text().splitlines()], task_id)


def segments_csv(path: Path) -> Path:
    return path.with_name(path.stem + ".segments.csv")


def load_npy(path: Path) -> Loaded:
    vectors = np.load(path, allow_pickle=False)
    assert vectors.dtype == np.float32
    with segments_csv(path).open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [int(r["index"]) for r in table] == list(range(len(table)))
    rows = [(_time(r["start_sec"]), _time(r["end_sec"]), r["option"], r["scope"]) for r in table]
    return Loaded(vectors, rows)


def load_parquet(path: Path, task_id: str) -> Loaded:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    assert table.column_names == ["task_id", "start_sec", "end_sec", "option", "scope", "embedding"]
    columns = table.to_pydict()
    assert set(columns["task_id"]) == {task_id}
    vectors = np.array(columns["embedding"], dtype=np.float32)
    rows = [
        (_time(s), _time(e), o, sc)
        for s, e, o, sc in zip(
            columns["start_sec"], columns["end_sec"], columns["option"], columns["scope"], strict=True
        )
    ]
    return Loaded(vectors, rows)


def load(path: Path, fmt: str, task_id: str) -> Loaded:
    if fmt == "json":
        return load_json(path, task_id)
    if fmt == "jsonl":
        return load_jsonl(path, task_id)
    if fmt == "npy":
        return load_npy(path)
    return load_parquet(path, task_id)


def assert_same(loaded: Loaded, arrays: EmbeddingArrays, *, dimension: int = 512) -> None:
    """The file holds exactly the client's vectors and segment table."""
    assert len(arrays) > 0
    assert arrays.dimension == dimension
    assert loaded.vectors.shape == (len(arrays), dimension)
    np.testing.assert_array_equal(loaded.vectors, arrays.vectors)
    assert loaded.rows == expected_rows(arrays)


def wrote_line(count: int, dimension: int, *paths: Path) -> str:
    return f"wrote {count} segments x {dimension} dims to {', '.join(str(p) for p in paths)}"


def progress_lines(result: Result, task_id: str) -> list[re.Match[str]]:
    """The progress lines of a wait on stderr (non-TTY mode), each checked against the expected shape."""
    matches = []
    for line in result.err_lines:
        if line.startswith(f"task {task_id}:"):
            match = PROGRESS.match(line)
            assert match, f"malformed progress line {line!r}"
            assert match.group("id") == task_id
            matches.append(match)
    return matches
