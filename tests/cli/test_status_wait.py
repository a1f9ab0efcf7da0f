"""`status` (plain and --json, legacy and v2) and `wait` (progress lines, ready, failed, timeout, Ctrl-C)."""

from __future__ import annotations

import json
import signal
import subprocess

from ._support import API_KEY, CLI, assert_no_secret, cli_env, progress_lines
from .conftest import FAILURE_REASON, FakeServer, Tasks


def test_status_v2_plain_and_json(fake: FakeServer, tasks: Tasks) -> None:
    """`status` prints `task ID: ready`; `--json` prints the task as one JSON object."""
    assert fake.cli("status", tasks.v2_ready).ok().stdout == f"task {tasks.v2_ready}: ready\n"
    document = json.loads(fake.cli("status", "--json", tasks.v2_ready).ok().stdout)
    with fake.client() as client:
        assert document == client.v2.tasks.retrieve(tasks.v2_ready).to_dict()
    assert document["_id"] == tasks.v2_ready
    assert document["status"] == "ready"


def test_status_legacy_plain_and_json(fake: FakeServer, tasks: Tasks) -> None:
    """`status --api legacy` reads the legacy status endpoint, plain and as JSON."""
    assert fake.cli("status", "--api", "legacy", tasks.legacy_ready).ok().stdout == (
        f"task {tasks.legacy_ready}: ready\n"
    )
    document = json.loads(fake.cli("status", "--api", "legacy", "--json", tasks.legacy_ready).ok().stdout)
    assert document["_id"] == tasks.legacy_ready
    assert document["status"] == "ready"
    assert document["video_embedding"]["metadata"]["video_embedding_scope"] == ["clip", "video"]


def test_status_of_a_failed_v2_task_shows_the_reason(fake: FakeServer, tasks: Tasks) -> None:
    """A failed v2 task's status line carries the server's reason; `--json` carries it in `error`."""
    result = fake.cli("status", tasks.v2_failed).ok()
    assert result.stdout == f"task {tasks.v2_failed}: failed ({FAILURE_REASON})\n"
    document = json.loads(fake.cli("status", "--json", tasks.v2_failed).ok().stdout)
    assert document["status"] == "failed"
    assert document["error"] == {"message": FAILURE_REASON}


def test_status_of_a_failed_legacy_task(fake: FakeServer, tasks: Tasks) -> None:
    """A failed legacy task shows `failed` (the legacy status endpoint gives no reason)."""
    assert fake.cli("status", "--api", "legacy", tasks.legacy_failed).ok().stdout == (
        f"task {tasks.legacy_failed}: failed\n"
    )


def test_status_of_a_processing_task(slow_fake: FakeServer) -> None:
    """A task still being processed shows `processing` (v2 and legacy)."""
    with slow_fake.client() as client:
        v2 = client.v2.tasks.create(input_type="audio", url="https://media.example.com/a.mp3").id
        legacy = client.legacy.tasks.create(video_url="https://media.example.com/v.mp4").id
    assert slow_fake.cli("status", v2).ok().stdout == f"task {v2}: processing\n"
    assert slow_fake.cli("status", "--api", "legacy", legacy).ok().stdout == f"task {legacy}: processing\n"


def test_wait_until_ready_exits_zero(fake: FakeServer) -> None:
    """`wait` polls a v2 task until ready, one progress line per poll, and exits 0."""
    with fake.client() as client:
        task_id = client.v2.tasks.create(input_type="video", url="https://media.example.com/w.mp4?duration=12").id
    result = fake.cli("wait", task_id, "--timeout", "120").ok()
    progress = progress_lines(result, task_id)
    assert progress and progress[-1].group("status") == "ready"
    assert all(p.group("status") in ("processing", "ready") for p in progress)
    assert all(p.group(0).endswith(" s") and "next poll in" in p.group(0) for p in progress[:-1])
    assert "next poll in" not in progress[-1].group(0)
    assert result.lines[-1] == f"task {task_id} is ready"
    assert len(result.lines) == len(progress) + 1


def test_wait_legacy_ready_task(fake: FakeServer, tasks: Tasks) -> None:
    """`wait --api legacy` on a finished legacy task returns at once with exit 0."""
    result = fake.cli("wait", "--api", "legacy", tasks.legacy_ready).ok()
    assert [p.group("status") for p in progress_lines(result, tasks.legacy_ready)] == ["ready"]
    assert result.lines[-1] == f"task {tasks.legacy_ready} is ready"


def test_wait_on_a_failed_task_names_the_reason(fake: FakeServer, tasks: Tasks) -> None:
    """`wait` on a failed v2 task exits 1 with one stderr line naming the task and the server's reason."""
    result = fake.cli("wait", tasks.v2_failed)
    assert result.returncode == 1
    assert result.error_line() == f"error: task {tasks.v2_failed} failed: {FAILURE_REASON}"
    assert [p.group("status") for p in progress_lines(result, tasks.v2_failed)] == ["failed"]


def test_wait_timeout_gives_one_clear_line(slow_fake: FakeServer) -> None:
    """`--timeout` expiring on a processing task exits 1 with one line saying how long and in which status."""
    with slow_fake.client() as client:
        task_id = client.v2.tasks.create(input_type="video", url="https://media.example.com/long.mp4").id
    result = slow_fake.cli("wait", task_id, "--timeout", "0.5")
    assert result.returncode == 1
    line = result.error_line()
    assert line.startswith(f"error: task {task_id} was still processing after 0.5 s"), line
    progress = progress_lines(result, task_id)
    assert progress and all(p.group("status") == "processing" for p in progress)
    assert "next poll in" in progress[0].group(0)


def test_wait_interrupted_exits_130(slow_fake: FakeServer) -> None:
    """Ctrl-C during `wait` exits 130 with the single line `interrupted` and no traceback."""
    with slow_fake.client() as client:
        task_id = client.v2.tasks.create(input_type="video", url="https://media.example.com/int.mp4").id
    process = subprocess.Popen(
        [str(CLI), "wait", task_id],
        env=cli_env(slow_fake.base_url, API_KEY),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # printed just before the first sleep
        assert "next poll in" in first, first
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert_no_secret(first, stdout, stderr)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert stderr == "interrupted\n"
