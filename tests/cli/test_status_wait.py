"""`status` (plain and --json, legacy and v2) and `wait` (progress lines, ready, failed, timeout, Ctrl-C)."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from ._support import API_KEY, CLI, PROGRESS, assert_no_secret, cli_env, progress_lines
from .conftest import FAILURE_REASON, FakeServer, Tasks


def test_status_v2_plain_and_json(fake: FakeServer, tasks: Tasks) -> None:
    """`status` prints `task ID: ready`; `--json` prints the task as one JSON object without its vectors
    (`data`), and `--with-embeddings` adds them, exactly as the API sent them."""
    assert fake.cli("status", tasks.v2_ready).silent().stdout == f"task {tasks.v2_ready}: ready\n"
    brief = fake.cli("status", "--json", tasks.v2_ready).silent().stdout
    full = fake.cli("status", "--json", "--with-embeddings", tasks.v2_ready).silent().stdout
    with fake.client() as client:
        expected = client.v2.tasks.retrieve(tasks.v2_ready).to_dict()
    document = json.loads(brief)
    assert "data" not in document and '"embedding"' not in brief
    assert document == {key: value for key, value in expected.items() if key != "data"}
    assert document["_id"] == tasks.v2_ready
    assert document["status"] == "ready"
    assert json.loads(full) == expected
    assert len(expected["data"]) == 8 and len(brief) * 20 < len(full)


def test_status_legacy_plain_and_json(fake: FakeServer, tasks: Tasks) -> None:
    """`status --api legacy` reads the legacy status endpoint, plain and as JSON."""
    assert fake.cli("status", "--api", "legacy", tasks.legacy_ready).ok().stdout == (
        f"task {tasks.legacy_ready}: ready\n"
    )
    document = json.loads(fake.cli("status", "--api", "legacy", "--json", tasks.legacy_ready).ok().stdout)
    assert document["_id"] == tasks.legacy_ready
    assert document["status"] == "ready"
    assert document["video_embedding"]["metadata"]["video_embedding_scope"] == ["clip", "video"]
    assert "segments" not in document["video_embedding"]
    full = json.loads(
        fake.cli("status", "--api", "legacy", "--json", "--with-embeddings", tasks.legacy_ready).ok().stdout
    )
    with fake.client() as client:
        assert full == client.legacy.tasks.retrieve(tasks.legacy_ready).to_dict()
    assert len(full["video_embedding"]["segments"]) == 12


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
    """`wait` polls a v2 task until ready, one progress line per poll on stderr, exits 0 and prints nothing on
    stdout; with --json it prints the ready task (without vectors) on stdout."""
    with fake.client() as client:
        task_id = client.v2.tasks.create(input_type="video", url="https://media.example.com/w.mp4?duration=12").id
        second = client.v2.tasks.create(input_type="video", url="https://media.example.com/w.mp4?duration=6").id
    result = fake.cli("wait", task_id, "--timeout", "120").ok()
    assert result.stdout == ""
    progress = progress_lines(result, task_id)
    assert progress and progress[-1].group("status") == "ready"
    assert all(p.group("status") in ("processing", "ready") for p in progress)
    assert all(p.group(0).endswith(" s") and "next poll in" in p.group(0) for p in progress[:-1])
    assert "next poll in" not in progress[-1].group(0)
    assert result.err_lines[-1] == f"task {task_id} is ready"
    assert len(result.err_lines) == len(progress) + 1
    document = json.loads(fake.cli("wait", second, "--json").ok().stdout)
    assert document["_id"] == second and document["status"] == "ready" and "data" not in document


def test_wait_legacy_ready_task(fake: FakeServer, tasks: Tasks) -> None:
    """`wait --api legacy` on a finished legacy task returns at once with exit 0."""
    result = fake.cli("wait", "--api", "legacy", tasks.legacy_ready).ok()
    assert [p.group("status") for p in progress_lines(result, tasks.legacy_ready)] == ["ready"]
    assert result.err_lines[-1] == f"task {tasks.legacy_ready} is ready"


def test_wait_on_a_failed_task_names_the_reason(fake: FakeServer, tasks: Tasks) -> None:
    """`wait` on a failed task exits 3 (task failed) with one error line naming the task and the server's reason
    (the legacy API gives none, and the line says so)."""
    result = fake.cli("wait", tasks.v2_failed)
    line, hints = result.error(3)
    assert line == f"error: task {tasks.v2_failed} failed: {FAILURE_REASON}" and hints == []
    assert [p.group("status") for p in progress_lines(result, tasks.v2_failed)] == ["failed"]
    legacy = fake.cli("wait", "--api", "legacy", tasks.legacy_failed)
    assert legacy.error(3)[0] == f"error: task {tasks.legacy_failed} failed: the server gave no reason"


@pytest.mark.parametrize("api", ["v2", "legacy"])
def test_wait_timeout_says_how_to_resume(slow_fake: FakeServer, api: str) -> None:
    """`--timeout` expiring on a processing task exits 4 with one line saying how long, in which status and
    which flag to raise, then a hint with the exact command that resumes the wait."""
    with slow_fake.client() as client:
        task_id = (
            client.v2.tasks.create(input_type="video", url="https://media.example.com/long.mp4").id
            if api == "v2"
            else client.legacy.tasks.create(video_url="https://media.example.com/long.mp4").id
        )
    result = slow_fake.cli("wait", "--api", api, task_id, "--timeout", "0.5")
    line, hints = result.error(4)
    assert line.startswith(f"error: task {task_id} was still processing after 0.5 s"), line
    assert "--timeout" in line and "`timeout`" not in line
    assert hints == [f"resume with `twelvelabs-embed wait {task_id}{'' if api == 'v2' else ' --api legacy'}`"]
    progress = progress_lines(result, task_id)
    assert progress and all(p.group("status") == "processing" for p in progress)
    assert "next poll in" in progress[0].group(0)


def test_wait_interrupted_exits_130(slow_fake: FakeServer) -> None:
    """Ctrl-C during `wait` exits 130 with the line `interrupted`, a hint naming the command that resumes the
    wait, and no traceback."""
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
        assert process.stderr is not None
        first = process.stderr.readline()  # printed just before the first sleep
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
    assert stdout == ""
    *closing, interrupted, hint = stderr.splitlines()  # the last progress line, then the message
    assert all(PROGRESS.match(line) for line in closing), stderr
    assert (interrupted, hint) == ("interrupted", f"hint: resume with `twelvelabs-embed wait {task_id}`")
