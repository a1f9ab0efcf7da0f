"""The batch on a real local Ray cluster against a real fake-server process with a rate limit on every operation.

200 URL items (5 of whose tasks fail) go through `map_batches(EmbedMedia)` on a pool of 4 actors; one worker
process is killed with SIGKILL mid-run and Ray restarts it and runs its rows again. In the end every item has
exactly one task on the fake (the fake's own record of which create made which task), one set of rows is
written per item and they equal what `retrieve_arrays` returns for its task, the failures are recorded with
the server's reason, the fake's limit was never hit across the workers, and a re-run of the whole pipeline
creates nothing and writes nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import ray
from ray.data import ActorPoolStrategy

from tests.batch._support import API_KEY, BatchServer, creates_by_identity
from tests.ray.conftest import LIMIT, WINDOW, RayCluster, urls
from twelvelabs_embed import AsyncEmbedClient, EmbeddingArrays, PollPolicy
from twelvelabs_embed.batch import load, summarize
from twelvelabs_embed.batch._ledger import read_ledger
from twelvelabs_embed.ray import EmbedMedia
from twelvelabs_embed.ray._embed import ledger_name

FAST_POLL = PollPolicy(initial_interval=0.3, multiplier=1.5, max_interval=1.0, jitter=0.1)
ITEMS, FAILING, ACTORS, BATCH = 200, 5, 4, 10


def _pipeline(rows: list[dict[str, Any]], kwargs: dict[str, Any], out: Path, concurrency: int) -> None:
    embedded = ray.data.from_items(rows).map_batches(
        EmbedMedia,
        fn_constructor_kwargs=kwargs,
        compute=ActorPoolStrategy(size=concurrency),
        batch_size=BATCH,
        num_cpus=0.25,
    )
    embedded.write_parquet(str(out))


def _setup(folder: Path, server: BatchServer) -> dict[str, Any]:
    return EmbedMedia.setup(folder, api_key=API_KEY, base_url=server.base_url, durable=False, poll=FAST_POLL)


def test_a_killed_worker_creates_nothing_twice_and_writes_each_item_once(
    ray_cluster: RayCluster, server: BatchServer, tmp_path: Path
) -> None:
    rows = urls(ITEMS - FAILING, "kill") + [
        {"source": f"https://media.example/kill/broken-{i}.mp4?fail=corrupt+stream+{i}"} for i in range(FAILING)
    ]
    folder = tmp_path / "library"
    out = folder / "embeddings"
    kwargs = _setup(folder, server)
    keeper = ray.get_actor(ledger_name(folder.resolve()), namespace=kwargs["namespace"])
    requests_before = server.count()

    failure: list[BaseException] = []

    def run() -> None:
        try:
            _pipeline(rows, kwargs, out, ACTORS)
        except BaseException as error:  # reported by the main thread
            failure.append(error)

    runner = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    runner.start()
    # Kill one worker once the four are up and the run is well under way (creates and polls in flight).
    victim: tuple[str, int] | None = None
    deadline = time.monotonic() + 120
    while runner.is_alive() and time.monotonic() < deadline:
        workers = ray.get(keeper.workers.remote())
        if len(workers) >= ACTORS and server.count() - requests_before >= 120:
            holder, pids = sorted(workers.items())[0]
            victim = (holder, pids[-1])
            os.kill(pids[-1], signal.SIGKILL)
            break
        time.sleep(0.1)
    assert victim is not None, f"the run ended (or stalled) before a worker could be killed: {failure}"
    killed_at = server.count() - requests_before
    runner.join(timeout=180)
    assert not runner.is_alive(), "the pipeline did not finish"
    assert not failure, failure
    print(f"run: {time.monotonic() - started:.1f} s, killed after {killed_at} requests")

    # Ray restarted the killed worker (a second incarnation of the same actor registered), which gave back the
    # locks of the items its first incarnation had in flight; they were run again, by it or by another worker.
    workers = ray.get(keeper.workers.remote())
    assert len(workers[victim[0]]) >= 2, workers
    locks = ray.get(keeper.stats.remote())
    assert locks["released"] > 0 and locks["held"] == 0, locks
    assert killed_at < server.count() - requests_before  # the kill came mid-run, not after it

    # Every item has exactly one task on the fake, and it is the ledger's.
    records = server.records()
    made = creates_by_identity(records)
    identities = {f"url:{row['source']}" for row in rows}
    assert {identity: made[identity] for identity in identities} == dict.fromkeys(identities, 1)
    summary = summarize(folder)
    assert summary.done == ITEMS - FAILING and summary.failed == FAILING, summary.failures
    assert all(f.kind == "task_failed" and "corrupt stream" in f.error for f in summary.failures)
    created = {c["identity"]: c["task_id"] for c in records["creates"] if c["task_id"] is not None}
    with read_ledger(folder) as db:
        ledger = {r.source: r for r in db.records()}
    assert {source: r.task_id for source, r in ledger.items()} == {
        row["source"]: created[f"url:{row['source']}"] for row in rows
    }

    # One set of rows per item, equal to what its task returns; `batch.load` reads what Ray wrote.
    table = load(folder)
    assert set(table.column("source").to_pylist()) == {row["source"] for row in rows[: ITEMS - FAILING]}
    rows_per_task = Counter(table.column("task_id").to_pylist())
    for record in ledger.values():
        if record.status == "done":
            assert record.rows and rows_per_task[record.task_id] == record.rows, record.source
    columns = [table.column(name).to_pylist() for name in ("key", "start_sec", "embedding_scope")]
    segments = zip(*columns, strict=True)
    assert len(set(segments)) == table.num_rows  # no row written twice
    sample = sorted({r.task_id for r in ledger.values() if r.task_id and r.status == "done"})[::5]
    expected = asyncio.run(_retrieve_all(server, sample))
    for task in sample:
        stored = table.filter(pc.equal(table.column("task_id"), task))
        vectors = np.array(stored.column("vector").to_pylist(), dtype=np.float32)
        assert np.array_equal(vectors, expected[task].vectors), task

    # The fake admits LIMIT requests per WINDOW (a sliding second) and answers 429 beyond: no admitted request
    # ever went over the limit, and the shared budget kept the four workers' refused requests to a few
    # (answers and actor round trips race the one-second window, and a killed worker's requests in flight
    # are unaccounted for until the next answer).
    answered = [r for r in records["requests"][requests_before:] if r["status"] is not None]
    limited = sum(1 for r in answered if r["status"] == 429)
    assert limited <= len(answered) // 50, (limited, len(answered))
    admitted = sorted(r["at"] for r in answered if r["status"] != 429)
    assert len(admitted) > 3 * LIMIT
    busiest = max(sum(1 for t in admitted[i:] if t < start + WINDOW) for i, start in enumerate(admitted))
    assert LIMIT * 0.6 <= busiest <= LIMIT  # the budget was (nearly) filled, never exceeded

    # A re-run of the whole pipeline skips the stored rows: no request that creates, no file written.
    files = sorted(p.name for p in out.glob("*.parquet"))
    creates_before = len(records["creates"])
    _pipeline(rows, kwargs, out, 1)
    assert sorted(p.name for p in out.glob("*.parquet")) == files
    assert len(server.records()["creates"]) == creates_before
    EmbedMedia.teardown(folder)
    assert not ray_cluster.logs_mention(API_KEY)  # the key travelled to the workers, and into no log


async def _retrieve_all(server: BatchServer, task_ids: list[str]) -> dict[str, EmbeddingArrays]:
    limit = asyncio.Semaphore(4)
    async with AsyncEmbedClient(api_key=API_KEY, base_url=server.base_url) as client:

        async def one(task_id: str) -> tuple[str, EmbeddingArrays]:
            async with limit:
                return task_id, await client.v2.tasks.retrieve_arrays(task_id)

        return dict(await asyncio.gather(*(one(t) for t in task_ids)))
