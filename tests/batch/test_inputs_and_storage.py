"""Reading a batch's inputs (folders, globs, URL lists, manifests), item keys, the ledger, and the Parquet store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.batch.conftest import write_media
from twelvelabs_embed import EmbeddingArrays
from twelvelabs_embed.batch import (
    BatchInputError,
    ItemOptions,
    Ledger,
    LedgerBusyError,
    LedgerDB,
    load,
    make_item,
    read_inputs,
    table_of,
    write_table,
)


def test_a_folder_gives_its_media_files_in_order_with_types_from_extensions(tmp_path: Path) -> None:
    """Video and audio files (also in subfolders) become items; other files and hidden folders are skipped."""
    write_media(tmp_path / "lib", {"b.mp4": b"1", "a.MOV": b"2", "notes.txt": b"3", "song.flac": b"4"})
    write_media(tmp_path / "lib" / "sub", {"c.webm": b"5"})
    write_media(tmp_path / "lib" / ".cache", {"d.mp4": b"6"})
    items = read_inputs(tmp_path / "lib")
    assert [Path(i.source).name for i in items] == ["a.MOV", "b.mp4", "song.flac", "c.webm"]
    assert [i.input_type for i in items] == ["video", "video", "audio", "video"]
    assert all(i.kind == "file" and Path(i.source).is_absolute() for i in items)
    globbed = read_inputs(str(tmp_path / "lib" / "**" / "*.mp4"))
    assert [Path(i.source).name for i in globbed] == ["b.mp4"]


def test_keys_are_deterministic_and_change_with_any_option() -> None:
    """The same source and options give the same key; another option or source gives another key."""
    base = make_item("https://e.com/v.mp4", ItemOptions())
    assert base.key == make_item("https://e.com/v.mp4", ItemOptions()).key
    assert base.key != make_item("https://e.com/v.mp4", ItemOptions(segmentation="fixed:6")).key
    assert base.key != make_item("https://e.com/v.mp4", ItemOptions(api="legacy")).key
    assert base.key != make_item("https://e.com/w.mp4", ItemOptions()).key
    assert make_item("https://e.com/v.mp4", ItemOptions(clip_length=6)).options == {
        "segmentation": {"strategy": "fixed", "fixed": {"duration_sec": 6}}
    }


def test_url_lists_and_manifests_carry_per_item_options(tmp_path: Path) -> None:
    """Comments and blank lines are skipped; CSV and JSONL rows set API, type, segmentation, options, scopes."""
    urls = tmp_path / "urls.txt"
    urls.write_text("# library\nhttps://e.com/a.mp4\n\nhttps://e.com/a.mp4\nclips/local.mp4\n", encoding="utf-8")
    listed = read_inputs(urls, ItemOptions(api="legacy"))
    assert [i.source for i in listed] == ["https://e.com/a.mp4", str(tmp_path / "clips" / "local.mp4")]  # once
    assert {i.api for i in listed} == {"legacy"}
    csv_path = tmp_path / "m.csv"
    csv_path.write_text(
        "url,api,type,segmentation,option,scope,start,end\n"
        'https://e.com/b.mp3,v2,audio,fixed:5,"audio;transcription",clip,1,20\n'
        "https://e.com/c.mp4,legacy,,,,clip|video,,\n",
        encoding="utf-8",
    )
    first, second = read_inputs(csv_path)
    assert (first.api, first.input_type) == ("v2", "audio")
    assert first.options["embedding_option"] == ("audio", "transcription")
    assert first.options["start_sec"] == 1.0 and first.options["end_sec"] == 20.0
    assert second.api == "legacy" and second.options["embedding_scope"] == ("clip", "video")
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_text(json.dumps({"source": "https://e.com/d.mp4", "scope": ["clip"], "model": "marengo3.0"}) + "\n")
    (third,) = read_inputs(jsonl)
    assert third.options == {"embedding_scope": ("clip",)} and third.problem is None


def test_a_bad_row_is_an_item_with_a_problem_but_a_bad_manifest_is_an_error(tmp_path: Path) -> None:
    """Invalid options become an item's recorded problem; an unknown column or a missing path stop the batch."""
    manifest = tmp_path / "m.jsonl"
    rows = [
        {"source": "https://e.com/a.mp4", "segmentation": "fixed:1"},
        {"source": "https://e.com/b.mp4", "start": "soon"},
        {"source": "https://e.com/c.mp3", "api": "legacy"},
        {"source": "ftp://e.com/d.mp4"},
    ]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    problems = [i.problem for i in read_inputs(manifest)]
    assert all(problems), problems
    assert "duration_sec" in str(problems[0]) and "start_sec" in str(problems[1])
    assert "legacy tasks embed video only" in str(problems[2])
    bad = tmp_path / "bad.csv"
    bad.write_text("source,colour\nhttps://e.com/a.mp4,red\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match="unknown column 'colour'"):
        read_inputs(bad)
    with pytest.raises(BatchInputError, match="no such file or folder"):
        read_inputs(tmp_path / "nowhere")
    with pytest.raises(BatchInputError, match="holds no video or audio"):
        read_inputs(tmp_path)


def test_the_ledger_commits_grouped_writes_and_allows_one_batch_per_folder(tmp_path: Path) -> None:
    """Hundreds of concurrent writes all land (durably, grouped), and a second open of the folder is refused."""
    items = [make_item(f"https://e.com/{i}.mp4", ItemOptions()) for i in range(300)]

    async def main() -> dict[str, int]:
        ledger = Ledger(tmp_path, durable=True)
        try:
            with pytest.raises(LedgerBusyError):
                Ledger(tmp_path)
            await ledger.run(LedgerDB.register, items)
            await asyncio.gather(*(ledger.run(LedgerDB.mark_creating, i.key, 1.0, "url:x") for i in items))
            await asyncio.gather(
                *(ledger.run(LedgerDB.mark_created, i.key, "v2", f"task-{n}", 2.0) for n, i in enumerate(items))
            )
            with pytest.raises(KeyError):
                await ledger.run(LedgerDB.mark_waiting, "no-such-key")
            # An error while a create may be on the server keeps the `creating` mark for the next run.
            extra = make_item("https://e.com/extra.mp4", ItemOptions())
            await ledger.run(LedgerDB.register, [extra])
            await ledger.run(LedgerDB.mark_creating, extra.key, 1.0, "url:y")
            await ledger.run(LedgerDB.record_failure, extra.key, "transient", "the list failed")
            record = await ledger.run(LedgerDB.get, extra.key)
            assert record is not None and (record.status, record.error) == ("creating", "the list failed")
            return await ledger.run(LedgerDB.counts)
        finally:
            ledger.close()

    assert asyncio.run(main()) == {"waiting": 300, "creating": 1}
    Ledger(tmp_path).close()  # the lock is released on close


def _arrays(n: int, dim: int, seed: int = 0) -> EmbeddingArrays:
    rng = np.random.default_rng(seed)
    return EmbeddingArrays(
        "task",
        rng.standard_normal((n, dim)).astype(np.float32),
        np.arange(n, dtype=np.float64),
        np.full(n, np.nan),
        np.array(["visual"] * (n - 1) + [""], dtype=np.str_),
        np.array(["clip"] * n, dtype=np.str_),
    )


def test_a_task_is_written_whole_and_loaded_as_a_table_or_a_matrix(tmp_path: Path) -> None:
    """Files are written atomically (no temporary left); `load` gives the vectors exactly, nulls kept as nulls."""
    arrays = _arrays(5, 8)
    table = table_of(arrays, key="k1", source="/m/a.mp4", task_id="t1", api="v2", model="marengo3.0")
    write_table(table, tmp_path / "embeddings" / "k1.parquet")
    write_table(table_of(_arrays(2, 8, 1), key="k2", source="u", task_id="t2", api="legacy", model="m"),
                tmp_path / "embeddings" / "k2.parquet")  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "embeddings").iterdir()) == ["k1.parquet", "k2.parquet"]
    loaded = load(tmp_path)
    assert loaded.num_rows == 7
    assert str(loaded.schema.field("vector").type) == "fixed_size_list<element: float>[8]"
    matrix, segments = load(tmp_path, numpy=True)
    first = np.array(segments.column("key").to_pylist()) == "k1"
    assert np.array_equal(matrix[first], arrays.vectors)
    assert segments.column("embedding_option").to_pylist()[:5] == ["visual"] * 4 + [None]
    assert segments.column("end_sec").null_count == 7 or np.isnan(segments.column("end_sec").to_numpy()).all()
    assert pq.read_table(tmp_path / "embeddings" / "k1.parquet").column("task_id").to_pylist() == ["t1"] * 5


def test_mixed_dimensions_load_one_at_a_time(tmp_path: Path) -> None:
    """A folder with 512- and 256-dimension vectors asks for `dimension=`; an empty folder loads empty."""
    assert load(tmp_path).num_rows == 0
    assert load(tmp_path, numpy=True)[0].shape == (0, 0)
    write_table(table_of(_arrays(3, 16), key="a", source="a", task_id="a", api="v2", model="m"), tmp_path / "a.parquet")
    write_table(table_of(_arrays(2, 4), key="b", source="b", task_id="b", api="v2", model="m"), tmp_path / "b.parquet")
    with pytest.raises(ValueError, match=r"dimensions \[4, 16\]"):
        load(tmp_path)
    matrix, _ = load(tmp_path, numpy=True, dimension=4)
    assert matrix.shape == (2, 4)


def test_a_manifest_row_with_invalid_options_is_a_problem_item_named_by_its_source(tmp_path: Path) -> None:
    """A row whose options break a rule becomes an item carrying the problem, named by its source column
    (any alias, any case), so the batch records it and goes on; the Ray runner builds the same item."""
    from twelvelabs_embed.batch._items import ItemOptions, invalid_row, read_inputs

    manifest = tmp_path / "items.csv"
    manifest.write_text("URL,segmentation\nhttps://e.com/a.mp4,fixed:abc\n", encoding="utf-8")
    [item] = read_inputs(manifest, ItemOptions())
    assert (item.source, item.kind, item.origin) == ("https://e.com/a.mp4", "url", "items.csv:2")
    assert item.problem is not None and item.problem.startswith("invalid options: ")
    nameless = invalid_row({"path": "", "segmentation": "x"}, "row 3 of the batch", ValueError("bad"))
    assert (nameless.source, nameless.kind, nameless.problem) == ("row 3 of the batch", "file", "invalid options: bad")
