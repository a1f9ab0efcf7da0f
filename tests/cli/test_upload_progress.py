"""The byte progress bar of a legacy upload: on stderr when it is a terminal or when --progress asks, counting
every byte the client reads from the file; never on stdout."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
from pathlib import Path

from ._support import API_KEY, CLI, TASK_ID, cli_env
from .conftest import FakeServer

SIZE = 49_152  # rich shows it as 49.2 kB
BAR = re.compile(r"upload clip\.mp4 .*49\.2/49\.2 kB")


def _clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(SIZE))
    return path


def test_progress_flag_draws_the_bar_without_a_terminal(fake: FakeServer, tmp_path: Path) -> None:
    """`create --api legacy --file clip.mp4 --progress` with stderr piped prints the finished bar (every byte
    read) on stderr, only the id on stdout, and the fake received the whole file."""
    result = fake.cli("create", "--api", "legacy", "--file", str(_clip(tmp_path)), "--progress").ok()
    task_id = result.created_id()
    bars = [line for line in result.err_lines if line.startswith("upload ")]
    assert len(bars) == 1 and BAR.search(bars[0]), result.stderr
    assert result.lines == [task_id]
    with fake.client() as client:
        metadata = client.legacy.tasks.status(task_id).to_dict()["video_embedding"]["metadata"]
    assert metadata["input_filename"] == "clip.mp4"


def test_no_bar_when_stderr_is_not_a_terminal(fake: FakeServer, tmp_path: Path) -> None:
    """Without --progress and without a terminal, an upload prints no bar (logs stay clean)."""
    result = fake.cli("create", "--api", "legacy", "--file", str(_clip(tmp_path))).ok()
    assert result.err_lines == [f"created legacy task {result.created_id()}"]


def test_bar_on_a_terminal(fake: FakeServer, tmp_path: Path) -> None:
    """With stderr on a terminal (a pseudo-terminal here), the bar is drawn on its own, and stdout (a pipe)
    still carries only the id."""
    leader, follower = pty.openpty()
    env = cli_env(fake.base_url, API_KEY, {"TERM": "xterm", "COLUMNS": "120"})
    process = subprocess.Popen(
        [str(CLI), "create", "--api", "legacy", "--file", str(_clip(tmp_path))],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    screen = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is done with it
                break
            if not chunk:
                break
            screen += chunk
        assert process.stdout is not None
        stdout = process.stdout.read().decode()
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait()
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", screen).decode(errors="replace")
    assert BAR.search(text), text[-2000:]
    assert API_KEY not in text
    assert TASK_ID.match(stdout.strip()) and stdout.count("\n") == 1
