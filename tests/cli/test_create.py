"""`create`: legacy from a file and a URL, v2 video and audio from a URL, base64 file and asset id, every
option, `--wait` and `--output` in each format (the files are checked against the library's arrays)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ._support import Result, assert_same, load, progress_lines, segments_csv, wrote_line
from .conftest import UPLOAD_DURATION, FakeServer


def _media_file(tmp_path: Path, name: str = "clip.mp4") -> Path:
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 48 * 1024, dtype=np.uint8).tobytes())
    return path


def _check_waited(result: Result, api: str) -> str:
    """`create --wait --output`: only the id on stdout; on stderr the created line, progress lines ending
    ready, the final status and the wrote line, in that order."""
    result.ok()
    task_id = result.created_id()
    assert result.lines == [task_id]
    err = result.err_lines
    assert err[0] == f"created {api} task {task_id}"
    progress = progress_lines(result, task_id)
    assert progress, result.stderr
    assert [p.group(0) for p in progress] == err[1 : 1 + len(progress)]
    assert progress[-1].group("status") == "ready"
    assert all(p.group("status") in ("processing", "ready") for p in progress)
    assert err[1 + len(progress) :][:1] == [f"task {task_id} is ready"]
    assert len(err) == len(progress) + 3
    return task_id


def test_legacy_file_upload_with_every_option_writes_npy(fake: FakeServer, tmp_path: Path) -> None:
    """A legacy upload with offsets, clip length, both scopes and the model waits and writes .npy + segment CSV;
    `--output vectors.bin --format npy` writes vectors.bin itself (not vectors.bin.npy)."""
    out_dir = tmp_path / "out"
    out = out_dir / "vectors.bin"
    result = fake.cli(
        "create", "--api", "legacy", "--model", "marengo3.0", "--file", str(_media_file(tmp_path)),
        "--start", "0", "--end", "15", "--clip-length", "5", "--scope", "clip", "--scope", "video",
        "--wait", "--timeout", "120", "--output", str(out), "--format", "npy",
    )  # fmt: skip
    task_id = _check_waited(result, "legacy")
    with fake.client() as client:
        arrays = client.legacy.tasks.retrieve_arrays(task_id)
        metadata = client.legacy.tasks.status(task_id).to_dict()["video_embedding"]["metadata"]
    assert metadata["input_filename"] == "clip.mp4"
    assert result.err_lines[-1] == wrote_line(12, 512, out, segments_csv(out))
    assert sorted(p.name for p in out_dir.iterdir()) == ["vectors.bin", "vectors.segments.csv"]
    loaded = load(out, "npy", task_id)
    assert_same(loaded, arrays)
    clips = sorted({(s, e) for s, e, _, scope in loaded.rows if scope == "clip"})
    assert clips == [(0.0, 5.0), (5.0, 10.0), (10.0, 15.0)]
    assert {(s, e) for s, e, _, scope in loaded.rows if scope == "video"} == {(0.0, 15.0)}


def test_legacy_url_writes_json(fake: FakeServer, tmp_path: Path) -> None:
    """A legacy task from a URL honours offsets and clip length and writes JSON."""
    out = tmp_path / "legacy.json"
    result = fake.cli(
        "create", "--api", "legacy", "--url", "https://media.example.com/talk.mp4?duration=30",
        "--start", "3", "--end", "27", "--clip-length", "8", "--scope", "clip", "--wait", "--output", str(out),
    )  # fmt: skip
    task_id = _check_waited(result, "legacy")
    with fake.client() as client:
        arrays = client.legacy.tasks.retrieve_arrays(task_id)
    assert result.err_lines[-1] == wrote_line(9, 512, out)
    loaded = load(out, "json", task_id)
    assert_same(loaded, arrays)
    assert sorted({(s, e) for s, e, _, _ in loaded.rows}) == [(3.0, 11.0), (11.0, 19.0), (19.0, 27.0)]
    assert {scope for *_, scope in loaded.rows} == {"clip"}


def test_v2_video_url_with_every_option_writes_parquet(fake: FakeServer, tmp_path: Path) -> None:
    """A v2 video task with offsets, fixed segments, options, scopes and embedding types writes Parquet."""
    out = tmp_path / "v2.parquet"
    result = fake.cli(
        "create", "--api", "v2", "--type", "video", "--model", "marengo3.0",
        "--url", "https://media.example.com/match.mp4?duration=20", "--start", "2", "--end", "17",
        "--segmentation", "fixed:5", "--option", "visual", "--option", "audio",
        "--embedding-type", "separate_embedding", "--embedding-type", "fused_embedding",
        "--scope", "clip", "--scope", "asset", "--wait", "--output", str(out),
    )  # fmt: skip
    task_id = _check_waited(result, "v2")
    with fake.client() as client:
        arrays = client.v2.tasks.retrieve_arrays(task_id)
    assert result.err_lines[-1] == wrote_line(12, 512, out)
    loaded = load(out, "parquet", task_id)
    assert_same(loaded, arrays)
    assert {option for _, _, option, _ in loaded.rows} == {"visual", "audio", "fused"}
    clips = sorted({(s, e) for s, e, _, scope in loaded.rows if scope == "clip"})
    assert clips == [(2.0, 7.0), (7.0, 12.0), (12.0, 17.0)]
    assert {(s, e) for s, e, _, scope in loaded.rows if scope == "asset"} == {(2.0, 17.0)}


def test_v2_audio_url_writes_jsonl(fake: FakeServer, tmp_path: Path) -> None:
    """A v2 audio task with offsets, fixed segments, audio options and clip scope writes JSONL."""
    out = tmp_path / "audio.jsonl"
    result = fake.cli(
        "create", "--type", "audio", "--url", "https://media.example.com/pod.mp3?duration=20",
        "--start", "1", "--end", "13", "--segmentation", "fixed:4", "--option", "audio",
        "--option", "transcription", "--scope", "clip", "--wait", "--output", str(out),
    )  # fmt: skip
    task_id = _check_waited(result, "v2")
    with fake.client() as client:
        arrays = client.v2.tasks.retrieve_arrays(task_id)
    assert result.err_lines[-1] == wrote_line(6, 512, out)
    loaded = load(out, "jsonl", task_id)
    assert_same(loaded, arrays)
    assert sorted({(s, e) for s, e, _, _ in loaded.rows}) == [(1.0, 5.0), (5.0, 9.0), (9.0, 13.0)]
    assert {option for _, _, option, _ in loaded.rows} == {"audio", "transcription"}


def test_v2_marengo35_asset_with_dimension(fake: FakeServer) -> None:
    """`--model marengo3.5 --dimension 256` from an asset id creates a task whose vectors have 256 dimensions."""
    result = fake.cli(
        "create", "--model", "marengo3.5", "--asset-id", "asset-42", "--dimension", "256",
        "--segmentation", "fixed:10", "--option", "visual", "--scope", "clip",
    )  # fmt: skip
    task_id = result.ok().created_id()
    with fake.client() as client:
        client.v2.tasks.wait(task_id)
        arrays = client.v2.tasks.retrieve_arrays(task_id)
    assert arrays.vectors.shape == (2, 256)  # 20 s asset in 10 s segments
    assert [(s["start_sec"], s["end_sec"]) for s in arrays.segments()] == [(0.0, 10.0), (10.0, 20.0)]


def test_v2_marengo35_uncertainty_and_time_metadata(fake: FakeServer, tmp_path: Path) -> None:
    """`--uncertainty` and `--time-metadata` reach the API: fused vectors come back with their uncertainty."""
    metadata = tmp_path / "events.json"
    metadata.write_text('[{"start": 0, "end": 4, "text": "goal"}, {"start": 9, "end": 9, "text": "whistle"}]')
    result = fake.cli(
        "create", "--model", "marengo3.5", "--url", "https://media.example.com/match.mp4?duration=12",
        "--segmentation", "fixed:6", "--option", "visual", "--option", "audio", "--scope", "clip",
        "--embedding-type", "fused_embedding", "--time-metadata", str(metadata), "--uncertainty",
    )  # fmt: skip
    task_id = result.ok().created_id()
    with fake.client() as client:
        task = client.v2.tasks.wait(task_id)
    data = task.data or []
    assert {str(getattr(d.embedding_option, "value", d.embedding_option)) for d in data} == {"fused"}
    assert data and all(len(d.embedding_uncertainty) == len(d.embedding) for d in data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "needle"),
    [("start=0", "not valid JSON"), ("[" * 100_000 + "]" * 100_000, "not valid JSON"), (None, "cannot read")],
    ids=["not-json", "nested-100000-deep", "missing-file"],
)
def test_v2_time_metadata_must_be_readable_json(
    fake: FakeServer, tmp_path: Path, content: str | None, needle: str
) -> None:
    """A --time-metadata file that is not JSON (or nested 100,000 deep, or missing) is a usage error naming the
    flag: exit 2, one line, no traceback, and nothing created."""
    bad = tmp_path / "events.json"
    if content is not None:
        bad.write_text(content)
    with fake.client() as client:
        before = sum(1 for _ in client.v2.tasks.iter())
    result = fake.cli("create", "--model", "marengo3.5", "--url", "https://media.example.com/a.mp4",
                      "--embedding-type", "fused_embedding", "--time-metadata", str(bad))  # fmt: skip
    line, _ = result.error(2)
    assert "--time-metadata" in line and needle in line, line
    with fake.client() as client:
        assert sum(1 for _ in client.v2.tasks.iter()) == before


@pytest.mark.parametrize("input_type", ["video", "audio"])
@pytest.mark.parametrize("source", ["url", "base64-file", "asset-id"])
def test_v2_sources_without_wait(fake: FakeServer, tmp_path: Path, input_type: str, source: str) -> None:
    """Without `--wait`, a v2 audio or video task from each media source prints only its id; the fake has it."""
    value = {
        "url": f"https://media.example.com/{input_type}.bin?duration=33",
        "base64-file": str(_media_file(tmp_path)),
        "asset-id": f"asset-{input_type}-7",
    }[source]
    result = fake.cli("create", "--type", input_type, f"--{source}", value).ok()
    task_id = result.created_id()
    assert result.lines == [task_id]
    assert result.err_lines == [f"created v2 task {task_id}"]
    with fake.client() as client:
        metadata = client.v2.tasks.retrieve(task_id).to_dict()["metadata"]
    assert metadata["input_type"] == input_type
    assert metadata["duration"] == (33 if source == "url" else UPLOAD_DURATION)
    if source == "url":
        assert metadata["input_url"] == value


@pytest.mark.parametrize("api", ["v2", "legacy"])
def test_create_wait_output_downloads_the_result_once(fake: FakeServer, tmp_path: Path, api: str) -> None:
    """`create --wait -o`: v2 reads the vectors from the ready poll (every GET of the task is a poll, one
    progress line each); legacy polls the status endpoint and downloads the result once, after ready."""
    out = tmp_path / "once.npy"
    result = fake.cli(
        "create", "--api", api, "--url", "https://media.example.com/once.mp4?duration=12", "--wait", "-o", str(out)
    )  # fmt: skip
    task_id = _check_waited(result, api)
    polls = len(progress_lines(result, task_id))
    log = fake.process.log_path.read_text().splitlines()
    task_path = f"/v1.3/embed-v2/tasks/{task_id}" if api == "v2" else f"/v1.3/embed/tasks/{task_id}"
    gets = [line for line in log if f"GET {task_path} " in line]
    if api == "v2":
        assert len(gets) == polls, (polls, gets)
    else:
        status_gets = [line for line in log if f"GET {task_path}/status " in line]
        assert len(status_gets) == polls and len(gets) == 1, (polls, status_gets, gets)
    with fake.client() as client:
        expected = (client.v2.tasks if api == "v2" else client.legacy.tasks).retrieve_arrays(task_id)
    assert_same(load(out, "npy", task_id), expected)
