"""`twelvelabs-embed`: create embedding tasks, watch them, and save their vectors.

Conventions (docs/CLI.md): stdout carries only results; progress, status lines and hints go to stderr;
every API command takes `--json`; exit codes are `Exit` in `_exits` (0 ok, 1 API/network/file error,
2 usage, 3 task failed, 4 wait timed out, 130 interrupted, 141 stdout closed early). No input, signal
or closed pipe ends in a traceback: set TWELVELABS_DEBUG=1 to see one for an unexpected error.

This package is the console script itself and imports only the standard library (and shtab) until a
command needs the API: Ctrl-C is taken over as the first statement of `main`, and `--help`,
`--version`, `completion` and argparse's usage errors never load `twelvelabs_embed` (httpx, numpy,
the generated models). It uses only the public API of `twelvelabs_embed`.

Layout: `_parser` (flags), `_run` (error handling and exit codes), `_commands` (one function per
command, over the `Api` protocol of `_adapters`: one adapter per API), `_assets` (the `assets` commands,
which are not per API), `_output` (atomic writers),
`_progress` (stderr progress), `_messages` (library errors in the CLI's words), `_streams`
(stdout/stderr), `_exits` (exit codes).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

__all__ = ["main"]

_INTERRUPTED = 130
_BROKEN_PIPE = 141


def _exit_now(signum: int, frame: FrameType | None) -> None:
    """A further Ctrl-C while the first is handled (its message printed or about to be): end now, quietly."""
    os._exit(_INTERRUPTED)


class _Interrupts:
    """The first Ctrl-C raises KeyboardInterrupt (handled in `main`); any further one ends the process at once."""

    def __init__(self) -> None:
        self._previous: Any = None
        self._installed = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers belong to the main thread; an embedding application keeps its own
        self._previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, self._first)
        self._installed = True

    @staticmethod
    def _first(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, _exit_now)
        raise KeyboardInterrupt

    def restore(self, *, process: bool) -> None:
        if not self._installed:
            return
        if process and self._previous is signal.default_int_handler:
            # The console script: the interpreter still has to exit. Python's own handler would print a
            # traceback for a Ctrl-C in that last moment; end quietly instead.
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
            signal.signal(signal.SIGINT, _exit_now)
            return
        signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)


def _write_stderr(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(text)
        sys.stderr.flush()


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null after the reader went away, so the interpreter's final flush stays quiet."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (default: the process arguments); returns the exit code."""
    interrupts = _Interrupts()
    interrupts.install()  # first: a Ctrl-C during any import below is handled like any other
    resume: list[str] = []  # filled by a command while it waits, for the Ctrl-C message
    try:
        try:
            return _main(list(sys.argv[1:] if argv is None else argv), resume)
        except KeyboardInterrupt:
            _write_stderr("".join(["interrupted\n", *(f"hint: {hint}\n" for hint in resume)]))
            return _INTERRUPTED
        except BrokenPipeError:
            _silence_stdout()
            return _BROKEN_PIPE
    except KeyboardInterrupt:  # raised while the first one was being handled: cannot happen twice (see _first)
        return _INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return _BROKEN_PIPE
    finally:
        interrupts.restore(process=argv is None)


def _main(argv: list[str], resume: list[str]) -> int:
    if argv[:1] == ["batch"]:  # the batch job has its own parser, options and exit codes (docs/BATCH.md)
        from twelvelabs_embed.batch._cli import main as batch_main

        return batch_main(argv[1:])
    from ._parser import build_parser

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    if args.command == "completion":
        import shtab

        sys.stdout.write(shtab.complete(parser, shell=args.shell).rstrip("\n") + "\n")
        sys.stdout.flush()
        return 0
    from ._run import run

    return run(args, resume)
