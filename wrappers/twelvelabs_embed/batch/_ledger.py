"""The durable ledger of a batch: one SQLite database (stdlib `sqlite3`, WAL) in the output folder.

One row per item: its key, source and options, the content hash of a local file, the asset id and the
task id, the status, attempts, the last error and the output file. Every state change is a committed
transaction before the step that follows it, and the step that creates something remote is preceded by
a `creating` mark (with the time and how a listing can recognise the task), so a crash between send and
answer is reconciled by listing the account's tasks before anything is created again.

Writes go through one thread that owns the connection and commits waiting writes together (group
commit), so `synchronous=FULL` (each commit on disk before it returns) costs one fsync per group, not
per write, and never blocks the event loop.

Statuses: `pending` -> `creating` -> `waiting` (a task exists) -> `done`; or `failed` with a kind:
`task_failed` (the server's reason), `rejected` (the server refused the create), `invalid` (a bad item),
`needs_upload`, `transient` (errors that outlasted the retries), `timeout` (still processing at the
deadline), `task_missing`. `done` items with `duplicate_of` reuse another item's task and output file.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from ._items import Item, canonical_json

__all__ = ["LEDGER_NAME", "Ledger", "LedgerBusyError", "LedgerDB", "Record"]

LEDGER_NAME = "ledger.sqlite"
SCHEMA_VERSION = 1

T = TypeVar("T")

#: Failure kinds a plain re-run does not try again (`retry_failed=True` does).
FINAL_FAILURES = frozenset({"task_failed", "rejected"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    source TEXT NOT NULL,
    api TEXT NOT NULL,
    item TEXT NOT NULL,
    content_hash TEXT,
    fingerprint TEXT,
    asset_id TEXT,
    task_id TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    error_kind TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    identity TEXT,
    creating_since REAL,
    created_at REAL,
    finished_at REAL,
    duplicate_of TEXT,
    output_file TEXT,
    rows INTEGER,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_fingerprint ON items (fingerprint);
CREATE INDEX IF NOT EXISTS items_status ON items (status);
CREATE TABLE IF NOT EXISTS tasks (
    task_id TEXT PRIMARY KEY,
    api TEXT NOT NULL,
    key TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS hashes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""


class LedgerBusyError(RuntimeError):
    """Another process is running a batch into the same output folder."""


@dataclass(frozen=True)
class Record:
    """One item's row of the ledger."""

    key: str
    seq: int
    source: str
    api: str
    item: Item
    content_hash: str | None
    fingerprint: str | None
    asset_id: str | None
    task_id: str | None
    status: str
    error_kind: str | None
    error: str | None
    attempts: int
    identity: str | None
    creating_since: float | None
    created_at: float | None
    finished_at: float | None
    duplicate_of: str | None
    output_file: str | None
    rows: int | None
    updated_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Record:
        values = dict(row)
        values["item"] = Item.from_record(json.loads(values["item"]))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "item"}
        data["input_type"] = self.item.input_type
        data["model"] = self.item.model
        data["options"] = self.item.options
        return data


def connect(path: Path, *, durable: bool = True, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    conn.row_factory = sqlite3.Row
    return conn


class LedgerDB:
    """The ledger's statements over one connection (no threads; each method is one transaction's work)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def create_schema(self) -> None:
        self.conn.executescript(_SCHEMA)
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if row is None:
            self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise RuntimeError(f"the ledger has schema version {row[0]}; this version reads {SCHEMA_VERSION}")

    # ------------------------------------------------------------------ reads
    def get(self, key: str) -> Record | None:
        row = self.conn.execute("SELECT * FROM items WHERE key = ?", (key,)).fetchone()
        return None if row is None else Record.from_row(row)

    def records(self, keys: Sequence[str] | None = None, *, status: str | None = None) -> list[Record]:
        sql, args = "SELECT * FROM items", []
        if status is not None:
            sql += " WHERE status = ?"
            args.append(status)
        rows = [Record.from_row(r) for r in self.conn.execute(sql + " ORDER BY seq", args)]
        if keys is not None:
            wanted = set(keys)
            rows = [r for r in rows if r.key in wanted]
        return rows

    def counts(self) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in self.conn.execute("SELECT status, COUNT(*) FROM items GROUP BY status")}

    def claimed_task_ids(self) -> set[str]:
        """Every task id this batch has ever owned (also the ones a retry replaced)."""
        return {str(r[0]) for r in self.conn.execute("SELECT task_id FROM tasks")}

    def same_content(self, fingerprint: str, key: str) -> Record | None:
        """Another item with this fingerprint that has (or is getting) a result: done first, then in flight."""
        rows = self.conn.execute(
            "SELECT * FROM items WHERE fingerprint = ? AND key != ? AND duplicate_of IS NULL "
            "AND (status IN ('done', 'waiting', 'creating') OR (status = 'failed' AND error_kind = 'task_failed')) "
            "ORDER BY CASE status WHEN 'done' THEN 0 WHEN 'waiting' THEN 1 WHEN 'creating' THEN 2 ELSE 3 END, seq",
            (fingerprint, key),
        ).fetchall()
        return Record.from_row(rows[0]) if rows else None

    def cached_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        row = self.conn.execute(
            "SELECT sha256 FROM hashes WHERE path = ? AND size = ? AND mtime_ns = ?", (path, size, mtime_ns)
        ).fetchone()
        return None if row is None else str(row[0])

    # ------------------------------------------------------------------ writes
    def register(self, items: Sequence[Item]) -> None:
        """Add the items not yet known (in this order); known items keep their state."""
        now = time.time()
        row = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM items").fetchone()
        seq = int(row[0])
        for item in items:
            seq += 1
            self.conn.execute(
                "INSERT OR IGNORE INTO items (key, seq, source, api, item, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (item.key, seq, item.source, item.api, canonical_json(item.to_record()), now),
            )

    def _update(self, key: str, **values: Any) -> None:
        values["updated_at"] = time.time()
        names = ", ".join(f"{name} = ?" for name in values)
        cursor = self.conn.execute(f"UPDATE items SET {names} WHERE key = ?", (*values.values(), key))
        if cursor.rowcount != 1:
            raise KeyError(f"no ledger row for item {key}")

    def reset(self, key: str) -> None:
        """Back to `pending` (a retried failure without a task, or a re-checked invalid item)."""
        self._update(key, status="pending", error_kind=None, error=None)

    def set_hash(self, key: str, content_hash: str, fingerprint: str, path: str, size: int, mtime_ns: int) -> None:
        self._update(key, content_hash=content_hash, fingerprint=fingerprint)
        self.conn.execute("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?)", (path, size, mtime_ns, content_hash))

    def set_fingerprint(self, key: str, fingerprint: str) -> None:
        self._update(key, fingerprint=fingerprint)

    def set_asset(self, key: str, asset_id: str) -> None:
        self._update(key, asset_id=asset_id)

    def mark_creating(self, key: str, since: float, identity: str) -> None:
        """The create request may be sent from now on: a crash leaves this mark for reconciliation."""
        self.conn.execute(
            "UPDATE items SET status = 'creating', creating_since = ?, identity = ?, attempts = attempts + 1, "
            "error_kind = NULL, error = NULL, updated_at = ? WHERE key = ?",
            (since, identity, time.time(), key),
        )

    def mark_created(self, key: str, api: str, task_id: str, created_at: float) -> None:
        self._update(key, status="waiting", task_id=task_id, created_at=created_at, error_kind=None, error=None)
        self.conn.execute("INSERT OR IGNORE INTO tasks VALUES (?, ?, ?, ?)", (task_id, api, key, created_at))

    def mark_not_created(self, key: str) -> None:
        """The create provably created nothing (a 429, a refused connection, a reconciliation that found none)."""
        self._update(key, status="pending", creating_since=None)

    def mark_waiting(self, key: str) -> None:
        self._update(key, status="waiting", error_kind=None, error=None)

    def record_failure(self, key: str, kind: str, error: str) -> None:
        """Mark the item failed, unless its create may be on the server (`creating`): that mark must stay
        until a listing settles it, so only the error is noted."""
        row = self.conn.execute("SELECT status FROM items WHERE key = ?", (key,)).fetchone()
        if row is not None and row[0] == "creating":
            self._update(key, error_kind=kind, error=error)
        else:
            self.mark_failed(key, kind, error)

    def mark_failed(self, key: str, kind: str, error: str, **values: Any) -> None:
        self._update(key, status="failed", error_kind=kind, error=error, finished_at=time.time(), **values)

    def mark_done(
        self,
        key: str,
        *,
        task_id: str | None,
        output_file: str | None,
        rows: int,
        duplicate_of: str | None = None,
    ) -> None:
        self._update(
            key,
            status="done",
            task_id=task_id,
            output_file=output_file,
            rows=rows,
            duplicate_of=duplicate_of,
            error_kind=None,
            error=None,
            finished_at=time.time(),
        )


class _Writer(threading.Thread):
    """Owns the connection; runs queued work in transactions, many per commit."""

    def __init__(self, db: LedgerDB) -> None:
        super().__init__(name="twelvelabs-embed-ledger", daemon=True)
        self.db = db
        self.jobs: queue.SimpleQueue[tuple[Callable[[LedgerDB], Any], asyncio.Future[Any]] | None] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            batch = [job]
            while len(batch) < 256:
                try:
                    more = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self.jobs.put(None)
                    break
                batch.append(more)
            self._run(batch)

    def _run(self, batch: list[tuple[Callable[[LedgerDB], Any], asyncio.Future[Any]]]) -> None:
        conn = self.db.conn
        outcomes: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for work, future in batch:
                conn.execute("SAVEPOINT job")
                try:
                    result = work(self.db)
                except Exception as exc:  # one failing job does not undo the others
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((future, False, exc))
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((future, True, result))
            conn.execute("COMMIT")
        except Exception as exc:  # the commit itself failed: nothing of this batch is on disk
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            outcomes = [(future, False, exc) for _, future in batch]
        for future, ok, value in outcomes:
            loop = future.get_loop()
            if ok:
                loop.call_soon_threadsafe(_resolve, future, value)
            else:
                loop.call_soon_threadsafe(_reject, future, value)


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _reject(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class Ledger:
    """The async face of the ledger: `await ledger.run(LedgerDB.method, ...)` returns once committed.

    Opening it takes an exclusive lock on the folder (released when the process ends, however it ends),
    so two batches never write into the same folder at once.
    """

    def __init__(self, folder: Path, *, durable: bool = True) -> None:
        self.folder = folder
        self.path = folder / LEDGER_NAME
        folder.mkdir(parents=True, exist_ok=True)
        self._lock_file: IO[str] | None = (folder / ".lock").open("a")
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise LedgerBusyError(f"another batch is running into {folder}") from None
        self.db = LedgerDB(connect(self.path, durable=durable))
        self.db.create_schema()
        self._writer = _Writer(self.db)
        self._writer.start()

    async def run(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `work(db, *args, **kwargs)` in a committed transaction (grouped with others waiting)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._writer.jobs.put((lambda db: work(db, *args, **kwargs), future))
        return await asyncio.shield(future)

    def close(self) -> None:
        if self._writer.is_alive():
            self._writer.jobs.put(None)
            self._writer.join(timeout=30)
        with contextlib.suppress(sqlite3.Error):
            self.db.conn.close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


@contextlib.contextmanager
def read_ledger(folder: Path) -> Iterator[LedgerDB]:
    """The ledger of `folder`, read-only (works while a batch is running)."""
    path = folder / LEDGER_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no batch ledger in {folder} ({LEDGER_NAME} is missing)")
    conn = connect(path, readonly=True)
    try:
        yield LedgerDB(conn)
    finally:
        conn.close()


def file_signature(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns
