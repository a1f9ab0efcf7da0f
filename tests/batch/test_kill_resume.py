"""The proof of the batch: 500 items against a real fake-server process with a rate limit, random faults and a
short clock; the batch process is killed with SIGKILL at random points, again and again, and re-run each time.

In the end every item has exactly one task on the fake (the fake's own record of which create request made
which task), every vector is stored once and equals what `retrieve_arrays` returns for that task, the rate
limit was respected, failures are recorded with the server's reason, and duplicates reuse one result.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.batch._support import API_KEY, BatchServer, Library, build_library, creates_by_identity, start_batch_server
from twelvelabs_embed import AsyncEmbedClient, EmbeddingArrays
from twelvelabs_embed.batch import load
from twelvelabs_embed.batch._ledger import read_ledger
from twelvelabs_embed.batch._sources import upload_name

LIMIT, WINDOW = 50, 1.0  # requests per second, every operation counted
KILLS = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BatchServer]:
    started = start_batch_server(
        tmp_path_factory.mktemp("kill-fake"), limit=LIMIT, window=WINDOW, fault_rate=0.03, processing_seconds=0.4
    )
    try:
        yield started
    finally:
        started.process.stop()


def _batch(library: Library, out: Path, server: BatchServer) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "twelvelabs_embed.batch", str(library.manifest), "-o", str(out)]
    command += ["--concurrency", "24", "--poll-interval", "0.5", "--json", "--no-progress"]
    return subprocess.Popen(
        command,
        env=server.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_killed_and_resumed_batch_creates_each_task_once_and_stores_each_vector_once(
    tmp_path: Path, server: BatchServer
) -> None:
    """Ten SIGKILLs at random points, a final run: one task per item, every vector stored once and exact."""
    library = build_library(
        tmp_path, urls=380, failing=25, legacy_urls=40, files=20, legacy_files=10, duplicates=10, missing=8, invalid=7
    )
    assert len(library.rows) == 500
    out = tmp_path / "out"
    rng = random.Random(20261129)
    kill_points: list[int] = []
    for _ in range(KILLS):
        # Kill once the run has sent a random number of requests: mid-work, creates and polls in flight.
        start = server.count()
        target = start + rng.randint(5, 70)
        process = _batch(library, out, server)
        deadline = time.monotonic() + 30
        while process.poll() is None and server.count() < target and time.monotonic() < deadline:
            time.sleep(0.02)
        if process.poll() is not None:
            _, stderr = process.communicate()
            pytest.fail(f"the batch ended before it was killed (exit {process.returncode})\n{stderr[-2000:]}")
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        kill_points.append(server.count() - start)
    assert min(kill_points) > 0  # every run was killed while it was talking to the API
    final = _batch(library, out, server)
    stdout, stderr = final.communicate(timeout=240)
    assert final.returncode == 3, stderr[-3000:]  # 3: some items failed (the broken ones), as expected
    summary = json.loads(stdout)
    assert "Traceback" not in stderr

    with read_ledger(out) as db:
        records = {r.source: r for r in db.records()}
    assert set(records) == set(library.expected)

    # Every item ended as expected; failures carry the server's reason.
    for source, expected in library.expected.items():
        record = records[source]
        if expected == "done":
            assert record.status == "done" and record.duplicate_of is None, (source, record)
        elif expected == "reused":
            assert record.status == "done" and record.duplicate_of is not None, (source, record)
        else:
            assert record.status == "failed" and record.error_kind == expected, (source, record)
            if expected == "task_failed":
                assert "corrupt stream" in (record.error or "")
    failures = {f["source"]: f for f in summary["failures"]}
    assert set(failures) == {s for s, e in library.expected.items() if e not in ("done", "reused")}

    # Exactly one task per item on the fake (duplicates share their original's), and it is the ledger's.
    records_of_fake = server.records()
    made = creates_by_identity(records_of_fake)
    by_identity: dict[str, list[str]] = defaultdict(list)
    for source, expected in library.expected.items():
        record = records[source]
        if expected in ("invalid",):
            continue
        identity = library.identity[source]
        if identity == "file:":
            original = records[source] if record.duplicate_of is None else _by_key(records, record.duplicate_of)
            identity = "file:" + upload_name(original.item)
        by_identity[identity].append(source)
    for identity, sources in by_identity.items():
        assert made[identity] == 1, (identity, made[identity], sources)
    assert sum(made.values()) == len(by_identity)  # no task for anything else
    created_ids = {c["identity"]: c["task_id"] for c in records_of_fake["creates"] if c["task_id"] is not None}
    for identity, sources in by_identity.items():
        for source in sources:
            assert records[source].task_id == created_ids[identity], (source, identity)

    # Every vector stored once, equal to retrieve_arrays of its task.
    server.quiet()
    table = load(out)
    files = sorted((out / "embeddings").glob("*.parquet"))
    done = [r for r in records.values() if r.status == "done" and r.duplicate_of is None]
    assert len(files) == len(done) == len({r.task_id for r in done})
    assert not list((out / "embeddings").glob(".*"))  # no temporary file left behind
    rows_per_task = Counter(table.column("task_id").to_pylist())
    expected_arrays = asyncio.run(_retrieve_all(server, done))
    for record in done:
        stored = pq.read_table(out / (record.output_file or ""))
        expected = expected_arrays[record.key]
        assert set(stored.column("task_id").to_pylist()) == {record.task_id}
        assert rows_per_task[record.task_id] == stored.num_rows == record.rows == len(expected)
        vectors = np.array(stored.column("vector").to_pylist(), dtype=np.float32)
        assert np.array_equal(vectors, expected.vectors), record.source
        assert stored.column("embedding_option").to_pylist() == [o or None for o in expected.option.tolist()]
        assert np.allclose(stored.column("start_sec").to_numpy(), expected.start_sec, equal_nan=True)
        assert stored.column("source").to_pylist() == [record.source] * stored.num_rows

    # The rate limit held: the fake admits at most its limit per window and answers 429 to anything more,
    # so a 429 that is not an injected fault is a request the batch sent over the budget. There were
    # (almost) none: at most one per run, when a run starts without knowing the budget a killed run left.
    real_429 = [r for r in records_of_fake["requests"] if r["status"] == 429 and r["fault"] is None]
    assert len(real_429) <= KILLS + 1, len(real_429)


async def _retrieve_all(server: BatchServer, records: list[Any]) -> dict[str, EmbeddingArrays]:
    """`retrieve_arrays` of every record's task, a few at a time."""
    limit = asyncio.Semaphore(6)
    async with AsyncEmbedClient(api_key=API_KEY, base_url=server.base_url) as client:

        async def one(record: Any) -> tuple[str, EmbeddingArrays]:
            async with limit:
                if record.api == "legacy":
                    option = record.item.retrieve_option()
                    return record.key, await client.legacy.tasks.retrieve_arrays(
                        record.task_id, embedding_option=option
                    )
                return record.key, await client.v2.tasks.retrieve_arrays(record.task_id)

        return dict(await asyncio.gather(*(one(r) for r in records)))


def _by_key(records: dict[str, Any], key: str) -> Any:
    return next(r for r in records.values() if r.key == key)
