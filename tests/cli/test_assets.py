"""`twelvelabs-embed assets ...` and `create --api v2 --file`, run as subprocesses against real fake servers.

Direct uploads, listing, showing and deleting go to the session's `fake-server` process; a multipart upload
goes to a `fake-server --chunk-size 4096` process (its request log shows every chunk PUT); an interrupted
upload, a wait timeout, a failed asset and an asset in use go to an in-process fake served over real HTTP
(`EmbedFake.run_server`), whose request record and fault hooks the tests drive. Upload state files go to a
per-test cache directory (XDG_CACHE_HOME).
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import ServerProcess, start_on_free_port
from twelvelabs_embed.testing import AssetSettings, ChunkFaultKind, EmbedFake, RecordedRequest, WallClock

from ._support import API_KEY, CLI, TASK_ID, Result, assert_no_secret, cli_env, run_cli
from .conftest import FakeServer

ASSET_ID = re.compile(r"^[0-9a-f]{24}$")
CHUNK = 4096
TOTAL_CHUNKS = 10
THRESHOLD = str(2 * CHUNK)  # `--multipart-threshold`: files above it go multipart
BAR = r"^upload {name} .*{size}/{size} kB"


def _media(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def _cache(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def _bars(result: Result | str) -> list[str]:
    text = result if isinstance(result, str) else result.stderr
    return [line for line in text.splitlines() if line.startswith("upload ")]


def _asset_id(result: Result) -> str:
    assert len(result.lines) == 1 and ASSET_ID.match(result.lines[0]), result.stdout
    return result.lines[0]


def _log_lines(process: ServerProcess, pattern: str) -> list[str]:
    return [line for line in process.log_path.read_text().splitlines() if re.search(pattern, line)]


# ----------------------------------------------------------------------------- direct uploads, list, get, delete
def test_upload_prints_the_id_with_a_byte_bar_and_waits_until_ready(fake: FakeServer, tmp_path: Path) -> None:
    """`assets upload FILE --progress` (stderr piped) draws the finished byte bar, waits with the asset's status
    on stderr and prints only the asset id on stdout; the fake has the whole file, ready."""
    media = _media(tmp_path, "clip.mp4", 300_000)  # several reads of the streamed body
    result = fake.cli("assets", "upload", str(media), "--progress", env=_cache(tmp_path)).ok()
    asset_id = _asset_id(result)
    (bar,) = _bars(result)
    assert re.search(BAR.format(name=r"clip\.mp4", size=r"300\.0"), bar), bar
    assert f"uploaded clip.mp4 as asset {asset_id}" in result.err_lines
    assert result.err_lines[-1] == f"asset {asset_id} is ready"
    with fake.client() as client:
        asset = client.assets.retrieve(asset_id)
    assert asset.status == "ready" and asset.size == media.stat().st_size and asset.filename == "clip.mp4"


def test_bar_on_a_terminal_by_default(fake: FakeServer, tmp_path: Path) -> None:
    """With stderr on a terminal (a pseudo-terminal here) the bar is drawn without --progress; stdout (a pipe)
    carries only the id."""
    media = _media(tmp_path, "clip.mp4", 300_000)
    leader, follower = pty.openpty()
    env = cli_env(fake.base_url, API_KEY, {"TERM": "xterm", "COLUMNS": "120", **_cache(tmp_path)})
    process = subprocess.Popen(
        [str(CLI), "assets", "upload", str(media), "--no-wait"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    screen = b""
    try:
        while select.select([leader], [], [], 60)[0]:
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
    assert re.search(BAR.format(name=r"clip\.mp4", size=r"300\.0").lstrip("^"), text), text[-2000:]
    assert ASSET_ID.match(stdout.strip()) and stdout.count("\n") == 1, stdout


def test_upload_quiet_and_json(fake: FakeServer, tmp_path: Path) -> None:
    """`-q --no-wait` prints the id alone and nothing on stderr (no bar without a terminal); `--json` prints the
    asset as one JSON document (here without waiting: still processing)."""
    media = _media(tmp_path, "voice.mp3", 2048)
    quiet = fake.cli("assets", "upload", str(media), "-q", "--no-wait", env=_cache(tmp_path)).silent()
    _asset_id(quiet)
    as_json = fake.cli("assets", "upload", str(media), "--json", "--no-wait", env=_cache(tmp_path)).ok()
    assert len(as_json.lines) == 1 and not _bars(as_json)
    document = json.loads(as_json.stdout)
    assert ASSET_ID.match(document["_id"]) and document["_id"] != quiet.lines[0]
    assert document["status"] == "processing" and document["filename"] == "voice.mp3"


def test_list_get_and_delete(fake: FakeServer, tmp_path: Path) -> None:
    """`assets list` is a table (newest first) with a note when --limit cut it; `--json` gives JSON lines;
    `assets get` shows one asset; `assets delete` removes it, after which `get` exits 1."""
    with fake.client() as client:
        older = client.assets.upload(_media(tmp_path, "older.mp4", 1000), wait=False)
        newer = client.assets.upload(_media(tmp_path, "newer.mp4", 1000))
    table = fake.cli("assets", "list", "--limit", "1").ok()
    assert table.lines[0].split() == ["ID", "STATUS", "AGE", "FILENAME"]
    assert table.lines[1].split()[0] == newer.id and table.lines[1].split()[-1] == "newer.mp4"
    assert len(table.lines) == 2
    assert re.fullmatch(r"\d+ more: use --limit \d+ to list them all", table.err_lines[-1]), table.stderr
    lines = fake.cli("assets", "list", "--json", "--limit", "2").ok().lines
    assert [json.loads(line)["_id"] for line in lines] == [newer.id, older]

    shown = fake.cli("assets", "get", newer.id).ok()
    assert shown.lines[:3] == [f"asset {newer.id}: ready", "filename: newer.mp4", "size: 1000 bytes"]

    deleted = fake.cli("assets", "delete", older).ok()
    assert deleted.stdout == "" and deleted.err_lines == [f"deleted asset {older}"]
    line, hints = fake.cli("assets", "get", older).error(1)
    assert line.startswith(f"error: no asset {older}") and hints == []


# ----------------------------------------------------------------------------- multipart, through fake-server
@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeServer]:
    """`fake-server --chunk-size 4096`: multipart uploads in 4 KiB chunks, assets ready at once."""
    log_dir = tmp_path_factory.mktemp("chunked-fake")
    process = start_on_free_port(
        lambda port: [
            str(CLI),
            "fake-server",
            "--port",
            str(port),
            "--api-key",
            API_KEY,
            "--processing-seconds",
            "0",
            "--chunk-size",
            str(CHUNK),
        ],
        log_path=log_dir / "chunked.log",
        health_path="/openapi.yaml",
    )
    try:
        yield FakeServer(process)
    finally:
        process.stop()


def test_multipart_upload_sends_every_chunk_once(chunked: FakeServer, tmp_path: Path) -> None:
    """A file over the multipart threshold goes in chunks (one PUT per chunk in the fake's request log, none
    carrying a failure), with the byte bar counting the whole file; the state file is gone afterwards."""
    media = _media(tmp_path, "talk.mp4", (TOTAL_CHUNKS - 1) * CHUNK + 100)
    before = len(_log_lines(chunked.process, r" PUT "))
    args = ("assets", "upload", str(media), "--multipart-threshold", THRESHOLD, "--concurrency", "3", "--progress")
    result = chunked.cli(*args, env=_cache(tmp_path)).ok()
    asset_id = _asset_id(result)
    puts = _log_lines(chunked.process, r" PUT ")[before:]
    assert len(puts) == TOTAL_CHUNKS and all(f"PUT /embed-fake-assets/{asset_id} 200 " in p for p in puts), puts
    (bar,) = _bars(result)
    assert re.search(BAR.format(name=r"talk\.mp4", size=r"37\.0"), bar), bar
    with chunked.client() as client:
        assert client.assets.retrieve(asset_id).size == media.stat().st_size
    assert list((tmp_path / "cache" / "twelvelabs_embed" / "uploads").glob("*.json")) == []


# ----------------------------------------------------------------------------- in-process fake over real HTTP
@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[EmbedFake, str]]:
    """An in-process fake on real HTTP (wall clock; 4 KiB chunks; assets ready 0.2 s after upload)."""
    settings = AssetSettings(chunk_size=CHUNK, initial_urls=4, processing_seconds=0.2)
    fake = EmbedFake(api_keys=API_KEY, clock=WallClock(), processing_seconds=0, asset_settings=settings)
    with fake, fake.run_server() as server:
        yield fake, server.base_url


def _chunk_puts(fake: EmbedFake) -> list[RecordedRequest]:
    return [r for r in fake.upload_requests if r.method == "PUT"]


def _chunk_index(record: RecordedRequest) -> int:
    return int(dict(part.split("=", 1) for part in record.query.split("&"))["partNumber"])


def test_ctrl_c_stops_the_upload_and_the_same_command_resumes_it(served: tuple[EmbedFake, str], tmp_path: Path) -> None:
    """SIGINT during a slow multipart upload ends with 130 and a hint to run the same command again; that run
    sends only the chunks the first did not, in the same session, and prints the asset id."""
    fake, base_url = served
    media = _media(tmp_path, "long.mp4", (TOTAL_CHUNKS - 1) * CHUNK + 100)
    fake.chunk_faults.add(ChunkFaultKind.SLOW, times=None, delay=0.25)
    args = ["assets", "upload", str(media), "--multipart-threshold", THRESHOLD, "--concurrency", "1"]
    process = subprocess.Popen(
        [str(CLI), *args],
        env=cli_env(base_url, API_KEY, _cache(tmp_path)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while sum(r.status == 200 for r in _chunk_puts(fake)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert_no_secret(stdout, stderr)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and stdout == ""
    resume = f"hint: run `twelvelabs-embed assets upload {media}` again to resume the upload where it stopped"
    assert stderr.splitlines()[-2:] == ["interrupted", resume], stderr
    first_run = {_chunk_index(r) for r in _chunk_puts(fake) if r.status == 200}
    assert 3 <= len(first_run) < TOTAL_CHUNKS

    fake.chunk_faults.clear()
    before = len(_chunk_puts(fake))
    result = run_cli(args, base_url=base_url, env=_cache(tmp_path)).ok()
    asset_id = _asset_id(result)
    second_run = [_chunk_index(r) for r in _chunk_puts(fake)[before:]]
    assert sorted(second_run) == sorted(set(range(1, TOTAL_CHUNKS + 1)) - first_run)
    assert len(fake.calls("createMultipartUpload")) == 1
    (upload,) = fake.multipart_uploads
    assert upload.asset_id == asset_id and upload.data() == media.read_bytes()


def test_wait_timeout_failed_asset_and_asset_in_use(served: tuple[EmbedFake, str], tmp_path: Path) -> None:
    """An asset still processing at --timeout exits 4 with a hint to wait for it; a failed asset exits 3 with
    the server's reason; deleting an asset in use exits 1 with a hint to --force, which deletes it."""
    fake, base_url = served
    media = _media(tmp_path, "clip.mp4", 1000)
    fake.asset_settings = AssetSettings(chunk_size=CHUNK, processing_seconds=3600)
    line, hints = run_cli(
        ["assets", "upload", str(media), "--timeout", "0.5"], base_url=base_url, env=_cache(tmp_path)
    ).error(4)
    (asset,) = fake.assets
    assert asset.id in line
    assert hints == [f"the file is uploaded: wait for asset {asset.id} with `twelvelabs-embed assets wait {asset.id}`"]

    fake.asset_settings = AssetSettings(chunk_size=CHUNK, processing_seconds=0.3)
    failing = _asset_id(run_cli(["assets", "upload", str(media), "-q", "--no-wait"], base_url=base_url))
    fake.fail_asset(failing, "unsupported codec")
    line, hints = run_cli(["assets", "wait", failing], base_url=base_url).error(3)
    assert line == f"error: asset {failing} failed: unsupported codec" and hints == []

    fake.mark_asset_in_use(asset.id)
    line, hints = run_cli(["assets", "delete", asset.id], base_url=base_url).error(1)
    assert line.startswith(f"error: asset {asset.id} is in use") and hints == ["add --force to delete it anyway"]
    run_cli(["assets", "delete", asset.id, "--force"], base_url=base_url).ok()
    assert fake.calls("deleteAsset")[-1].query == "force=true"


# ----------------------------------------------------------------------------- create --api v2 --file
def _asset_creates(fake: FakeServer) -> int:
    return len(_log_lines(fake.process, r"POST /v1\.3/assets "))


def test_v2_create_from_a_small_file_sends_it_inline(fake: FakeServer, tmp_path: Path) -> None:
    """`create --api v2 --file` with a file within the inline limit makes no asset and draws no bar."""
    before = _asset_creates(fake)
    result = fake.cli("create", "--api", "v2", "--file", str(_media(tmp_path, "small.mp4", 4096)), "--progress").ok()
    assert TASK_ID.match(result.created_id()) and not _bars(result)
    assert _asset_creates(fake) == before


def test_v2_create_from_a_large_file_uploads_an_asset_first(fake: FakeServer, tmp_path: Path) -> None:
    """A file over the 36 MiB inline limit is uploaded as an asset (with the byte bar) and the task uses it."""
    size = 36 * 1024 * 1024 + 1
    before = _asset_creates(fake)
    result = fake.cli("create", "--api", "v2", "--file", str(_media(tmp_path, "big.mp4", size)), "--progress").ok()
    task_id = result.created_id()
    (bar,) = _bars(result)
    assert re.search(BAR.format(name=r"big\.mp4", size=r"37\.7").replace("kB", "MB"), bar), bar
    assert _asset_creates(fake) == before + 1
    with fake.client() as client:
        (asset,) = list(client.assets.iter(filename="big.mp4"))
        assert asset.size == size
        assert client.v2.tasks.retrieve(task_id).status in ("processing", "ready")
