"""Exit codes of `twelvelabs-embed` and the errors the commands raise to end with one of them."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

__all__ = ["CliError", "Exit", "UsageError"]


class Exit(IntEnum):
    """Documented exit codes (docs/CLI.md). Scripts may rely on them."""

    OK = 0
    ERROR = 1  # the API refused or failed, the network failed, a file could not be read or written
    USAGE = 2  # a bad flag or value, or a missing or malformed setting (checked before any request)
    TASK_FAILED = 3  # the task ended `failed`
    WAIT_TIMEOUT = 4  # --timeout passed before the task was ready
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    BROKEN_PIPE = 141  # stdout was closed early (`| head -1`): 128 + SIGPIPE, as a shell reports it


class CliError(Exception):
    """Ends the command with `code`: one `error:` line on stderr, then `hint:` lines."""

    def __init__(self, message: str, code: Exit = Exit.ERROR, hints: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hints = tuple(hints)


class UsageError(CliError):
    """A bad flag, value or setting, reported as argparse reports its own errors (exit 2)."""

    def __init__(self, flag: str, rule: str, hints: Sequence[str] = ()) -> None:
        super().__init__(f"{flag}: {rule}" if flag else rule, Exit.USAGE, hints)
        self.flag = flag
        self.rule = rule
