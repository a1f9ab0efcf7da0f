"""Progress on stderr: a wait's status line, and a byte bar for uploads."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from rich.console import Console
from rich.live import Live
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from twelvelabs_embed.limits import LEGACY_UPLOAD_MAX_BYTES

from ._exits import UsageError

__all__ = ["LEGACY_UPLOAD_MAX_BYTES", "ByteBar", "ProgressReader", "WaitProgress", "upload_source"]

# LEGACY_UPLOAD_MAX_BYTES (2 GB): the library checks it for a path; the CLI checks it itself when it hands
# the library a file object (to count the bytes read), which the library does not size.


class WaitProgress:
    """Status, elapsed time and the next poll: live on a terminal, one line per poll otherwise.

    Its `sleep` is the client's sleep, so the countdown shows every pause (polls and retries).
    """

    def __init__(self, console: Console, task_id: str, *, enabled: bool = True, what: str = "task") -> None:
        self._console = console
        self._task_id = task_id
        self._what = what
        self._enabled = enabled
        self._start = time.monotonic()
        self._status = "submitted"
        self._live: Live | None = None
        if enabled and console.is_terminal:
            self._live = Live(self._render(None), console=console, refresh_per_second=8, transient=False)
            self._live.start()

    def _render(self, next_poll: float | None) -> Text:
        elapsed = time.monotonic() - self._start
        line = f"{self._what} {self._task_id}: {self._status}  elapsed {elapsed:6.1f} s"
        if next_poll is not None:
            line += f"  next poll in {next_poll:4.1f} s"
        return Text(line)

    def polled(self, status: str) -> None:
        self._status = status

    def sleep(self, seconds: float) -> None:
        if self._live is None:
            if self._enabled:  # not a terminal: one plain line per poll
                self._print(self._render(seconds))
            time.sleep(seconds)
            return
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._live.update(self._render(left))
            time.sleep(min(0.125, left))

    def close(self) -> None:
        if self._status == "submitted" and self._live is None:
            return  # never polled successfully (the error says why): no status line
        if self._live is not None:
            self._live.update(self._render(None))
            self._live.stop()
        elif self._enabled:
            self._print(self._render(None))

    def _print(self, text: Text) -> None:
        with suppress(OSError):
            self._console.print(text, highlight=False)


class ProgressReader:
    """A binary file whose reads advance a progress callback (bytes read so far); seeking back rewinds it."""

    def __init__(self, handle: BinaryIO, name: str, advance: Callable[[int], None]) -> None:
        self._handle = handle
        self.name = name
        self.mode = "rb"
        self._advance = advance

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._handle.read(size)
        self._advance(self.tell())
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position: int = self._handle.seek(offset, whence)
        self._advance(position)
        return position

    def tell(self) -> int:
        position: int = self._handle.tell()
        return position

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        number: int = self._handle.fileno()
        return number

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> ProgressReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _byte_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("upload {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


class ByteBar:
    """The byte bar of an upload the library drives: `update(sent, total)` is its `on_progress` callback.

    Drawn on `console` from the first call (or not at all when disabled); `close` leaves the last state shown.
    The sync client calls `update` from its upload threads, one call at a time.
    """

    def __init__(self, console: Console, name: str, *, enabled: bool) -> None:
        self._progress = _byte_progress(console) if enabled else None
        self._name = name
        self._task: TaskID | None = None

    def update(self, sent: int, total: int) -> None:
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task(self._name, total=total, completed=sent)
            self._progress.start()
        else:
            self._progress.update(self._task, completed=sent, total=total)

    def close(self) -> None:
        if self._progress is not None and self._task is not None:
            with suppress(OSError):
                self._progress.stop()
            self._task = None


def _checked_size(path: Path) -> int:
    """The checks the library makes on a path, made here for the file object the bar needs."""
    if not path.exists():
        raise UsageError("--file", f"file not found: {str(path)!r}")
    if not path.is_file():
        raise UsageError("--file", f"must be a regular file, {str(path)!r} is not")
    size = path.stat().st_size
    if size == 0:
        raise UsageError("--file", f"file is empty: {str(path)!r}")
    if size > LEGACY_UPLOAD_MAX_BYTES:
        raise UsageError("--file", f"file is {size} bytes; the limit is {LEGACY_UPLOAD_MAX_BYTES} bytes (2 GiB)")
    return size


@contextmanager
def upload_source(path: Path, console: Console, *, bar: bool) -> Iterator[str | ProgressReader]:
    """The file to upload: its path, or with `bar` an open file whose reads drive a byte bar on `console`."""
    if not bar:
        yield str(path)
        return
    size = _checked_size(path)
    progress = _byte_progress(console)
    task = progress.add_task(path.name, total=size)
    try:
        handle = path.open("rb")
    except OSError as error:
        raise UsageError("--file", f"cannot read {str(path)!r}: {error.strerror}") from None
    with progress, ProgressReader(handle, path.name, lambda done: progress.update(task, completed=done)) as reader:
        yield reader
