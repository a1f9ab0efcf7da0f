"""The batch engine against the fake over real HTTP: results stored, duplicates reused, failures recorded,
resumption from every ledger state, reconciliation of interrupted creates, retries, and the poller's sweeps."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from pathlib import Path

import numpy as np

from tests.batch.conftest import API_KEY, LiveFake, write_media
from twelvelabs_embed import EmbedClient
from twelvelabs_embed.batch import Ledger, LedgerDB, load, make_item, read_inputs, summarize
from twelvelabs_embed.batch._items import ItemOptions
from twelvelabs_embed.batch._ledger import read_ledger
from twelvelabs_embed.batch._sources import DefaultSources, upload_name


def _urls(path: Path, urls: list[str]) -> Path:
    path.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return path


def test_folder_and_url_list_end_as_one_parquet_dataset(tmp_path: Path, live: LiveFake) -> None:
    """Every item's vectors are stored, equal to retrieve_arrays of its task; identical files share one task."""
    same = b"\x01" * 4000
    write_media(tmp_path / "media", {"a.mp4": same, "b.mp4": b"\x02" * 4000, "a-copy.mp4": same, "song.mp3": b"3"})
    urls = _urls(tmp_path / "urls.txt", ["https://e.com/x.mp4?duration=9", "# comment", "", "https://e.com/y.mp4"])
    out = tmp_path / "out"
    result = live.run([tmp_path / "media", urls], out)
    assert result.ok, result.failures
    assert (result.total, result.done, result.reused) == (6, 6, 1)
    assert len(live.creates()) == 5  # the copy reuses a.mp4's task

    table = load(out)
    matrix, segments = load(out, numpy=True)
    assert matrix.shape == (table.num_rows, 512) and matrix.dtype == np.float32
    assert segments.column_names == [c for c in table.column_names if c != "vector"]
    with read_ledger(out) as db:
        records = db.records()
    with EmbedClient(api_key=API_KEY, base_url=live.base_url) as client:
        for record in records:
            if record.duplicate_of is not None:
                continue
            expected = client.v2.tasks.retrieve_arrays(record.task_id or "")
            mask = np.array(segments.column("task_id").to_pylist()) == record.task_id
            assert np.array_equal(matrix[mask], expected.vectors)
            assert set(segments.filter(mask).column("source").to_pylist()) == {record.source}
    pair = [next(r for r in records if r.source.endswith(name)) for name in ("a-copy.mp4", "/a.mp4")]
    original, copy = sorted(pair, key=lambda r: r.duplicate_of is not None)  # whichever got there first
    assert original.duplicate_of is None and copy.duplicate_of == original.key
    assert copy.task_id == original.task_id and copy.output_file == original.output_file
    song = next(r for r in records if r.source.endswith("song.mp3"))
    assert song.item.input_type == "audio"

    again = live.run([tmp_path / "media", urls], out)
    assert again.ok and again.already_done == 6
    assert len(live.creates()) == 5  # nothing created twice


def test_failures_are_recorded_with_reasons_and_retried_only_when_asked(tmp_path: Path, live: LiveFake) -> None:
    """A failed task, a missing file, bad options and an over-limit file are recorded; the rest still runs."""
    big = tmp_path / "big.mp4"
    with big.open("wb") as handle:
        handle.truncate(36 * 1024 * 1024 + 1)  # sparse: over the inline limit without writing 36 MB
    manifest = tmp_path / "items.csv"
    manifest.write_text(
        "source,api,segmentation\n"
        "https://e.com/ok.mp4,v2,\n"
        "https://e.com/bad.mp4?fail=unsupported+codec,v2,\n"
        f"{tmp_path / 'missing.mp4'},v2,\n"
        "https://e.com/odd.mp4,v2,fixed:99\n"
        f"{big},v2,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = live.run(manifest, out, sources=DefaultSources())  # no client: big v2 files cannot be uploaded
    assert (result.done, result.failed) == (1, 4)
    kinds = {f.source.rsplit("/", 1)[-1]: (f.kind, f.error) for f in result.failures}
    assert kinds["bad.mp4?fail=unsupported+codec"][0] == "task_failed"
    assert "unsupported codec" in kinds["bad.mp4?fail=unsupported+codec"][1]
    assert kinds["missing.mp4"][0] == "invalid" and "not found" in kinds["missing.mp4"][1]
    assert kinds["odd.mp4"][0] == "invalid" and "duration_sec" in kinds["odd.mp4"][1]
    assert kinds["big.mp4"][0] == "needs_upload" and "assets upload" in kinds["big.mp4"][1]
    assert len(live.creates()) == 2

    again = live.run(manifest, out, sources=DefaultSources())
    assert again.failed == 4 and len(live.creates()) == 2  # a failed task is not created again

    retried = live.run(manifest, out, retry_failed=True, sources=DefaultSources())
    assert retried.failed == 4 and len(live.creates()) == 3  # one new task for the failed one
    with read_ledger(out) as db:
        claimed = db.claimed_task_ids()
    assert len(claimed) == 3


def test_a_v2_file_over_the_inline_limit_goes_through_a_resumable_asset_upload(tmp_path: Path, live: LiveFake) -> None:
    """A v2 file over 36 MB: uploaded as an asset (multipart, chunk PUTs on the upload origin), the task created
    with its `asset_id`, the vectors stored; a re-run uploads nothing and creates nothing."""
    big = tmp_path / "media" / "lecture.mp4"
    big.parent.mkdir()
    data = np.random.default_rng(5).integers(0, 256, 36 * 1024 * 1024 + 7, dtype=np.uint8).tobytes()
    big.write_bytes(data)
    small = write_media(tmp_path / "media", {"short.mp4": b"\x05" * 3000})[0]
    out = tmp_path / "out"
    result = live.run(tmp_path / "media", out)
    assert result.ok and (result.done, result.failed) == (2, 0), result.failures
    uploads = live.fake.multipart_uploads
    assert len(uploads) == 1
    upload = uploads[0]
    assert upload.total_size == len(data)
    with read_ledger(out) as db:
        records = {Path(r.source).name: r for r in db.records()}
    assert records["lecture.mp4"].asset_id == upload.asset_id
    assert records["short.mp4"].asset_id is None and str(small) == records["short.mp4"].source
    creates = live.creates()
    assert len(creates) == 2 and all(c.body_size < 10_000 for c in creates)  # the big file was not sent inline
    put_bytes = sum(r.body_size for r in live.fake.requests if r.origin == "upload" and r.method == "PUT")
    assert put_bytes == len(data)  # every byte once, in chunk PUTs to the upload origin
    table = load(out)
    assert set(table.column("source").to_pylist()) == {str(big), str(small)}

    again = live.run(tmp_path / "media", out)
    assert again.already_done == 2 and len(live.creates()) == 2 and len(live.fake.multipart_uploads) == 1
    assert records["lecture.mp4"].asset_id is not None


def _seed_ledger(out: Path, item_source: str, **state: object) -> str:
    """Register one item in a fresh ledger and put it in `state` (as a crashed run would have left it)."""
    item = make_item(item_source, ItemOptions())

    async def main() -> None:
        ledger = Ledger(out, durable=False)
        try:
            await ledger.run(LedgerDB.register, [item])
            if state.get("creating"):
                await ledger.run(LedgerDB.mark_creating, item.key, time.time() - 1, str(state["identity"]))
            if state.get("task_id"):
                await ledger.run(LedgerDB.mark_created, item.key, item.api, str(state["task_id"]), time.time())
        finally:
            ledger.close()

    asyncio.run(main())
    return item.key


def test_a_create_that_reached_the_server_before_a_crash_is_adopted_not_repeated(
    tmp_path: Path, live: LiveFake
) -> None:
    """An item left `creating` whose task exists on the server gets that task; none is created again."""
    url = "https://e.com/crashed.mp4?duration=8"
    out = tmp_path / "out"
    key = _seed_ledger(out, url, creating=True, identity=f"url:{url}")
    with EmbedClient(api_key=API_KEY, base_url=live.base_url) as client:
        client.v2.tasks.create(input_type="video", url="https://e.com/other.mp4")  # another task, not ours
        task = client.v2.tasks.create(input_type="video", url=url)  # the create that reached the server
    before = len(live.creates())
    result = live.run(url, out)
    assert result.ok and result.reconciled == 1
    assert len(live.creates()) == before
    with read_ledger(out) as db:
        record = db.get(key)
    assert record is not None and record.task_id == task.id and record.status == "done"


def test_an_inline_file_create_that_reached_the_server_is_found_by_time_and_options(
    tmp_path: Path, live: LiveFake
) -> None:
    """Inline (base64) media has no name in listings: the one unclaimed task of its kind in the window is it."""
    path = write_media(tmp_path / "m", {"clip.mp4": b"\x07" * 3000})[0]
    out = tmp_path / "out"
    key = _seed_ledger(out, str(path), creating=True, identity="anonymous:")
    with EmbedClient(api_key=API_KEY, base_url=live.base_url) as client:
        client.v2.tasks.create(input_type="audio", url="https://e.com/a.mp3")  # not ours: a URL, an audio
        task = client.v2.tasks.create(input_type="video", base64_string=base64.b64encode(path.read_bytes()).decode())
    before = len(live.creates())
    assert live.run(path, out).ok
    assert len(live.creates()) == before
    with read_ledger(out) as db:
        record = db.get(key)
    assert record is not None and record.task_id == task.id


def test_a_create_that_never_reached_the_server_is_sent_once(tmp_path: Path, live: LiveFake) -> None:
    """An item left `creating` with no task on the server is created again, exactly once."""
    url = "https://e.com/never-sent.mp4"
    out = tmp_path / "out"
    _seed_ledger(out, url, creating=True, identity=f"url:{url}")
    result = live.run(url, out)
    assert result.ok and result.reconciled == 0
    assert len(live.creates()) == 1


def test_a_created_task_is_polled_not_created_again(tmp_path: Path, live: LiveFake) -> None:
    """An item whose task id is in the ledger resumes by waiting for that task."""
    url = "https://e.com/created.mp4"
    with EmbedClient(api_key=API_KEY, base_url=live.base_url) as client:
        task = client.v2.tasks.create(input_type="video", url=url)
    out = tmp_path / "out"
    _seed_ledger(out, url, task_id=task.id)
    before = len(live.creates())
    result = live.run(url, out)
    assert result.ok and len(live.creates()) == before
    assert set(load(out).column("task_id").to_pylist()) == {task.id}


def test_transient_errors_and_lost_answers_are_retried_without_duplicates(tmp_path: Path, live: LiveFake) -> None:
    """503s, dropped connections and broken bodies are retried; a create whose answer was lost is reconciled."""
    faults = live.fake.faults
    faults.add("drop", operation="createEmbeddingTaskV2", processed=True)  # created, answer lost
    faults.add("status", operation="createEmbeddingTaskV2", status=503)  # nothing created
    faults.add("status", operation="listEmbeddingTasksV2", status=502, times=2)
    faults.add("status", operation="getEmbeddingTaskV2", status=503, times=2)
    faults.add("malformed_json", operation="getEmbeddingTaskV2")
    urls = [f"https://e.com/t{i}.mp4?duration=6" for i in range(6)]
    out = tmp_path / "out"
    result = live.run(_urls(tmp_path / "u.txt", urls), out, concurrency=3)
    assert result.ok, result.failures
    tasks_per_url: dict[str, int] = {}
    for task in live.fake.tasks:
        tasks_per_url[task.input_url or ""] = tasks_per_url.get(task.input_url or "", 0) + 1
    assert tasks_per_url == dict.fromkeys(urls, 1)
    assert not faults.pending


def test_one_poller_sweeps_the_list_instead_of_polling_each_task(tmp_path: Path, live: LiveFake) -> None:
    """Thirty tasks in flight are watched with a few list requests; each task is fetched once, when done."""
    live.fake.processing_seconds = 1.0
    urls = [f"https://e.com/p{i}.mp4?duration=6" for i in range(30)]
    result = live.run(_urls(tmp_path / "u.txt", urls), tmp_path / "out", concurrency=30)
    assert result.ok
    gets = live.fake.calls("getEmbeddingTaskV2")
    lists = live.fake.calls("listEmbeddingTasksV2")
    assert len(gets) == 30  # the one retrieval per task; no status polling per task
    assert 1 <= len(lists) < 30
    assert all("status=processing" in r.query for r in lists)


def test_legacy_items_upload_under_a_recognisable_name(tmp_path: Path, live: LiveFake) -> None:
    """Legacy local files are uploaded in the create, named after the item's key; URLs go as video_url."""
    path = write_media(tmp_path / "m", {"talk.mp4": b"\x09" * 5000})[0]
    url = "https://e.com/legacy.mp4?duration=12"
    out = tmp_path / "out"
    result = live.run([path, url], out, defaults=ItemOptions(api="legacy", clip_length=4))
    assert result.ok
    names = {t.input_filename for t in live.fake.tasks if t.input_filename}
    item = read_inputs(path, ItemOptions(api="legacy", clip_length=4))[0]
    assert names == {upload_name(item)}
    table = load(out)
    assert set(table.column("api").to_pylist()) == {"legacy"}
    ends = [e for s, e in zip(table.column("source").to_pylist(), table.column("end_sec").to_pylist(), strict=True)
            if s == url]  # fmt: skip
    assert max(ends) == 12.0


def test_summarize_reads_the_ledger_without_the_api(tmp_path: Path, live: LiveFake) -> None:
    """`summarize(out)` gives the same counts as the run, from the ledger alone."""
    out = tmp_path / "out"
    result = live.run(["https://e.com/s.mp4", "https://e.com/f.mp4?fail=x"], out)
    status = summarize(out)
    assert (status.total, status.done, status.failed, status.rows) == (2, 1, 1, result.rows)
    assert os.path.isfile(out / "ledger.sqlite")


def test_an_asset_upload_cut_short_resumes_on_the_next_run(tmp_path: Path, live: LiveFake) -> None:
    """A chunk that keeps failing ends the item's upload (recorded, the batch goes on); the next run resumes
    the same multipart upload from its state file and sends only the chunks the server does not have."""
    big = tmp_path / "lecture.mp4"
    data = np.random.default_rng(6).integers(0, 256, 40 * 1024 * 1024, dtype=np.uint8).tobytes()
    big.write_bytes(data)
    live.fake.chunk_faults.add("status", chunk_index=3, times=None, status=500)
    out = tmp_path / "out"
    first = live.run(big, out)
    assert first.failed == 1 and len(live.creates()) == 0, first.failures
    first_ok = sum(r.body_size for r in live.fake.requests if r.origin == "upload" and r.status == 200)
    assert 0 < first_ok < len(data)
    assert len(live.fake.multipart_uploads) == 1

    live.fake.chunk_faults.clear()
    before = len(live.fake.requests)
    second = live.run(big, out, retry_failed=True)
    assert second.ok and second.done == 1, second.failures
    assert len(live.fake.multipart_uploads) == 1  # the same upload, resumed
    resumed = [r for r in live.fake.requests[before:] if r.origin == "upload" and r.status == 200]
    assert sum(r.body_size for r in resumed) == len(data) - first_ok  # only what was missing
    assert len(live.creates()) == 1
