"""Where the CLI writes: results on stdout, everything for people (status, progress, hints) on stderr."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable

from rich.console import Console

__all__ = ["Streams"]


class Streams:
    """stdout for results only; stderr (a rich Console) for people, silenced by `quiet` except errors."""

    def __init__(self, redact: Callable[[str], str], *, quiet: bool = False) -> None:
        self.redact = redact
        self.quiet = quiet
        self.err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

    # -- stdout: results. A closed pipe raises BrokenPipeError, which main turns into a quiet exit.
    def out(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def out_bytes(self, data: bytes) -> None:
        sys.stdout.buffer.write(data)

    def flush(self) -> None:
        sys.stdout.flush()

    @property
    def stderr_is_terminal(self) -> bool:
        return self.err.is_terminal

    # -- stderr: for people
    def note(self, line: str) -> None:
        """A status line (not with -q)."""
        if not self.quiet:
            self._err(line)

    def hint(self, line: str) -> None:
        """A `hint:` line (not with -q)."""
        if not self.quiet:
            self._err(f"hint: {line}")

    def error(self, line: str) -> None:
        """An error line, always."""
        self._err(line)

    def _err(self, line: str) -> None:
        with contextlib.suppress(OSError):  # stderr closed: nothing left to tell
            self.err.print(self.redact(line), highlight=False, markup=False, emoji=False)
