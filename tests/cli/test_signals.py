"""Ctrl-C at any moment: during the start-up imports, during a wait (with a resume hint), and again and again
while the first one is being handled. Never a traceback; exit 130."""

from __future__ import annotations

import re
import signal
import subprocess
import time

from ._support import API_KEY, CLI, assert_no_secret, cli_env
from .conftest import FakeServer

# A killed-by-SIGINT status is what the interpreter's own last moments give (after the CLI returned, Python
# restores the default handler while it shuts down); the shell shows both as 130.
INTERRUPTED = (130, -signal.SIGINT)
NUMPY_IMPORTED = re.compile(r"\|\s*numpy$")


def _start(fake: FakeServer, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(CLI), *args],
        env=cli_env(fake.base_url, API_KEY, env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert_no_secret(stdout, stderr)
    return stdout, stderr


def test_ctrl_c_during_the_start_up_imports(slow_fake: FakeServer) -> None:
    """Ctrl-C while the CLI is still importing httpx and numpy (seen in Python's import log) ends with exit 130 and
    the line `interrupted`, not an import traceback."""
    with slow_fake.client() as client:
        task_id = client.v2.tasks.create(input_type="video", url="https://media.example.com/start.mp4").id
    process = _start(slow_fake, "wait", task_id, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert process.stderr is not None
    seen = []
    for line in process.stderr:  # each line is written when an import completes
        seen.append(line)
        if NUMPY_IMPORTED.search(line) or not line.startswith("import time:"):
            process.send_signal(signal.SIGINT)  # numpy done; httpx and the models still to come
            break
    stdout, rest = _finish(process)
    assert NUMPY_IMPORTED.search(seen[-1]), "".join(seen)[-2000:]
    messages = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert process.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert messages == ["interrupted"], messages
    assert stdout == ""


def test_ctrl_c_during_create_wait_hints_how_to_resume(slow_fake: FakeServer) -> None:
    """Ctrl-C during `create --wait` (legacy) exits 130; the id is already on stdout and the hint on stderr names
    the exact `wait` command (with --api legacy) that resumes."""
    process = _start(slow_fake, "create", "--api", "legacy", "--url", "https://media.example.com/c.mp4", "--wait")
    assert process.stderr is not None
    created = process.stderr.readline()
    first_poll = process.stderr.readline()
    assert "next poll in" in first_poll, first_poll
    process.send_signal(signal.SIGINT)
    stdout, stderr = _finish(process)
    task_id = stdout.strip()
    assert created == f"created legacy task {task_id}\n"
    assert process.returncode == 130
    assert stderr.splitlines()[-2:] == [
        "interrupted",
        f"hint: resume with `twelvelabs-embed wait {task_id} --api legacy`",
    ]
    assert "Traceback" not in stderr


def test_ctrl_c_again_and_again_while_handling_the_first(slow_fake: FakeServer) -> None:
    """A burst of Ctrl-C (one every millisecond for half a second, landing wherever the handling of the first
    has got to: the progress line, the message, closing connections, the interpreter's exit) never prints a
    traceback, and the exit status is an interruption. (A handling that took long and let a second Ctrl-C
    raise again would print one: the first Ctrl-C makes any further one end the process at once.)"""
    with slow_fake.client() as client:
        task_id = client.v2.tasks.create(input_type="video", url="https://media.example.com/burst.mp4").id
    process = _start(slow_fake, "wait", task_id)
    assert process.stderr is not None
    assert "next poll in" in process.stderr.readline()
    end = time.monotonic() + 0.5
    while time.monotonic() < end and process.poll() is None:
        process.send_signal(signal.SIGINT)
        time.sleep(0.001)
    stdout, stderr = _finish(process)
    assert process.returncode in INTERRUPTED, (process.returncode, stderr)
    assert "Traceback" not in stderr and "Exception" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert set(stderr.splitlines()) <= {
        "interrupted",
        f"hint: resume with `twelvelabs-embed wait {task_id}`",
    } | {line for line in stderr.splitlines() if line.startswith(f"task {task_id}: processing")}
    assert stdout == ""
