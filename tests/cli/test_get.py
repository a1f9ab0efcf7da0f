"""`get`: every format for both APIs, checked value by value against the library's `retrieve_arrays`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._support import assert_same, load, segments_csv, wrote_line
from .conftest import FAILURE_REASON, FakeServer, Tasks

FORMATS = ["json", "jsonl", "npy", "parquet"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("api", ["v2", "legacy"])
def test_get_writes_the_client_arrays(fake: FakeServer, tasks: Tasks, tmp_path: Path, api: str, fmt: str) -> None:
    """`get -o out.<fmt>` writes the same segments, 512-dim vectors and table that `retrieve_arrays` returns."""
    task_id = tasks.v2_ready if api == "v2" else tasks.legacy_ready
    out = tmp_path / f"embeddings.{fmt}"
    result = fake.cli("get", "--api", api, task_id, "--output", str(out)).ok()
    with fake.client() as client:
        resource = client.v2.tasks if api == "v2" else client.legacy.tasks
        arrays = resource.retrieve_arrays(task_id)
    written = (out, segments_csv(out)) if fmt == "npy" else (out,)
    assert result.stdout == ""
    assert result.stderr == wrote_line(len(arrays), 512, *written) + "\n"
    assert_same(load(out, fmt, task_id), arrays)
    # v2: 14 s in 6 s clips (3) + asset, for 2 options; legacy: 18 s in 6 s clips (3) + video, for 3 options
    assert len(arrays) == (8 if api == "v2" else 12)


def test_get_legacy_option_filter(fake: FakeServer, tasks: Tasks, tmp_path: Path) -> None:
    """`--option` (repeatable) keeps only those legacy embedding options, as the library's filter does."""
    out = tmp_path / "filtered.jsonl"
    fake.cli(
        "get", "--api", "legacy", tasks.legacy_ready, "-o", str(out), "--option", "visual", "--option", "audio"
    ).ok()
    with fake.client() as client:
        arrays = client.legacy.tasks.retrieve_arrays(tasks.legacy_ready, embedding_option=["visual", "audio"])
    loaded = load(out, "jsonl", tasks.legacy_ready)
    assert_same(loaded, arrays)
    assert {option for _, _, option, _ in loaded.rows} == {"visual", "audio"}
    assert len(loaded.rows) == 8


def test_get_explicit_format_overrides_the_extension(fake: FakeServer, tasks: Tasks, tmp_path: Path) -> None:
    """`--format jsonl` writes JSONL to a file whose name has no known extension."""
    out = tmp_path / "vectors.txt"
    result = fake.cli("get", tasks.v2_ready, "-o", str(out), "--format", "jsonl").ok()
    assert result.stderr == wrote_line(8, 512, out) + "\n"
    with fake.client() as client:
        assert_same(load(out, "jsonl", tasks.v2_ready), client.v2.tasks.retrieve_arrays(tasks.v2_ready))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_get_json_is_strict_json_without_segment_times(
    fake: FakeServer, tasks: Tasks, tmp_path: Path, fmt: str
) -> None:
    """Segments the server gives no start/end (an image task's asset vector) are written as JSON null, not NaN."""
    out = tmp_path / f"image.{fmt}"
    fake.cli("get", tasks.image_ready, "-o", str(out)).ok()
    with fake.client() as client:
        arrays = client.v2.tasks.retrieve_arrays(tasks.image_ready)
    loaded = load(out, fmt, tasks.image_ready)  # parses strictly: NaN/Infinity fail the test
    assert loaded.rows == [(None, None, "visual", "asset")]
    assert_same(loaded, arrays)


@pytest.mark.parametrize("api", ["v2", "legacy"])
def test_get_on_a_failed_task_gives_its_reason(fake: FakeServer, tasks: Tasks, tmp_path: Path, api: str) -> None:
    """`get` of a failed task exits 3 (task failed) with one line naming the task and the server's reason (the
    legacy API gives none, and the line says so), and writes nothing."""
    task_id = tasks.v2_failed if api == "v2" else tasks.legacy_failed
    result = fake.cli("get", "--api", api, task_id, "-o", str(tmp_path / "none.json"))
    line = result.error_line()
    assert result.returncode == 3
    reason = FAILURE_REASON if api == "v2" else "the server gave no reason"
    assert line == f"error: task {task_id} failed: {reason}; it has no embeddings"
    assert list(tmp_path.iterdir()) == []


def test_get_on_a_processing_task_says_to_wait(slow_fake: FakeServer, tmp_path: Path) -> None:
    """`get` of a task still processing exits 1 saying so, with a hint naming the `wait` command to run."""
    with slow_fake.client() as client:
        task_id = client.legacy.tasks.create(video_url="https://media.example.com/slow.mp4").id
    result = slow_fake.cli("get", "--api", "legacy", task_id, "-o", str(tmp_path / "early.json"))
    line, hints = result.error(1)
    assert line == f"error: task {task_id} is processing: it has no embeddings yet"
    assert hints == [f"wait for it with `twelvelabs-embed wait {task_id} --api legacy`"]
    assert list(tmp_path.iterdir()) == []


def test_get_to_an_unwritable_path_is_one_line(fake: FakeServer, tasks: Tasks, tmp_path: Path) -> None:
    """An output path under a regular file fails with exit 1 and one line naming the path."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = fake.cli("get", tasks.v2_ready, "-o", str(blocker / "out.json"))
    assert result.returncode == 1
    assert str(blocker) in result.error_line()
