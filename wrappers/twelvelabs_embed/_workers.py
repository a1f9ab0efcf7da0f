"""Concurrency for the uploaders, named so `scripts/unasync.py` maps the async flavour onto the sync one
(`AsyncWorkers` -> `Workers`, `AsyncLock` -> `Lock`, `AsyncChunkFile` -> `ChunkFile`, `AsyncJob` -> `Job`).

Async: tasks on the running event loop; sync: threads. Either way at most `count` jobs run at once, the first
failure (or a cancellation, or Ctrl-C) stops the others after their current step, and is raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType

from ._errors import ValidationError

__all__ = ["AsyncChunkFile", "AsyncJob", "AsyncLock", "AsyncWorkers", "ChunkFile", "Job", "Lock", "Workers"]

AsyncJob = Callable[[], Awaitable[None]]
Job = Callable[[], None]


class AsyncLock:
    """An `asyncio.Lock` (the sync twin is a thread lock)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


class Lock:
    """A `threading.Lock` with the shape of `AsyncLock`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class AsyncWorkers:
    """Run `count` copies of a job as tasks; the first failure cancels the others and is raised."""

    def __init__(self, count: int) -> None:
        self.count = count
        #: Set once a job failed or the run was cancelled: jobs check it between steps.
        self.stopping = False

    async def run(self, job: AsyncJob) -> None:
        async def guarded() -> None:
            await job()

        tasks = [asyncio.ensure_future(guarded()) for _ in range(self.count)]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            self.stopping = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]


class Workers:
    """Run `count` copies of a job on threads; the first failure stops the others after their current step
    (threads cannot be interrupted) and is raised. Ctrl-C in the caller's thread stops them the same way."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.stopping = False

    def run(self, job: Job) -> None:
        errors: list[BaseException] = []

        def guarded() -> None:
            try:
                job()
            except BaseException as error:  # handed to the caller's thread below
                self.stopping = True
                errors.append(error)

        threads = [
            threading.Thread(target=guarded, name=f"twelvelabs-embed-upload-{i}", daemon=True)
            for i in range(self.count)
        ]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        except BaseException:  # Ctrl-C in the caller's thread: the others end after their current step,
            self.stopping = True  # and are waited for, so nothing they use (the open file) goes away under them
            for thread in threads:
                if thread.is_alive():
                    thread.join()
            raise
        finally:
            self.stopping = True
        if errors:
            raise errors[0]


class AsyncChunkFile:
    """The file being uploaded, read by offset (`os.pread`) in a worker thread; never copied anywhere."""

    def __init__(self, path: Path, size: int) -> None:
        self._file = ChunkFile(path, size)

    async def read(self, offset: int, length: int) -> bytes:
        return await asyncio.to_thread(self._file.read, offset, length)

    async def __aenter__(self) -> AsyncChunkFile:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._file.close()


class ChunkFile:
    """The file being uploaded, read by offset (`os.pread`, or seek and read under a lock where pread is
    missing); a read that comes back short means the file shrank, which is a `ValidationError`."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        try:
            self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise ValidationError("path", f"cannot read {str(path)!r}: {exc.strerror}", str(path)) from exc
        self._lock = threading.Lock()

    def read(self, offset: int, length: int) -> bytes:
        try:
            if hasattr(os, "pread"):
                data = os.pread(self._fd, length, offset)
            else:  # pragma: no cover - Windows
                with self._lock:
                    os.lseek(self._fd, offset, os.SEEK_SET)
                    data = os.read(self._fd, length)
        except OSError as exc:
            raise ValidationError("path", f"cannot read {str(self.path)!r}: {exc.strerror}", str(self.path)) from exc
        if len(data) != length:
            raise ValidationError(
                "path", f"{str(self.path)!r} shrank while it was being uploaded (it had {self.size} bytes)"
            )
        return data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def __enter__(self) -> ChunkFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
