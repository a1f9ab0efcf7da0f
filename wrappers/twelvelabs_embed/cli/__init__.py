"""`twelvelabs-embed`: create embedding tasks, watch them, and save their vectors.

Conventions (docs/CLI.md): stdout carries only results; progress, status lines and hints go to stderr;
every API command takes `--json`; exit codes are `Exit` in `_exits` (0 ok, 1 API/network/file error,
2 usage, 3 task failed, 4 wait timed out, 130 interrupted, 141 stdout closed early). No input, signal
or closed pipe ends in a traceback: set TWELVELABS_DEBUG=1 to see one for an unexpected error.

Layout: `_parser` (flags), `_commands` (one function per command, over the `Api` protocol of
`_adapters`: one adapter per API), `_output` (atomic writers), `_progress` (stderr progress),
`_messages` (library errors in the CLI's words), `_streams` (stdout/stderr), `_exits` (exit codes).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._commands import Session
    from ._streams import Streams

__all__ = ["main"]

_INTERRUPTED = 130
_API_KEY_ENV = "TWELVELABS_API_KEY"


def _exit_now(signum: int, frame: FrameType | None) -> None:
    """A second Ctrl-C: the first is being handled (its message printed or about to be); end now."""
    os._exit(_INTERRUPTED)


class _Interrupts:
    """The first Ctrl-C raises KeyboardInterrupt (handled below); any further one ends the process at once."""

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

    def restore(self) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)


@dataclass
class _Run:
    """What the error handlers need to know about the run so far."""

    streams: Streams | None = None
    session: Session | None = None
    prog: str = "twelvelabs-embed"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (default: the process arguments); returns the exit code."""
    interrupts = _Interrupts()
    interrupts.install()  # first: a Ctrl-C during the imports below is handled like any other
    run = _Run()
    try:
        try:
            return _main(list(sys.argv[1:] if argv is None else argv), run)
        except KeyboardInterrupt:
            return _interrupted(run)
        except BrokenPipeError:
            return _broken_pipe()
    except KeyboardInterrupt:  # raised while an error was being handled
        return _interrupted(run)
    except BrokenPipeError:
        return _broken_pipe()
    finally:
        if run.session is not None:
            with contextlib.suppress(Exception):  # closing connections must not turn a result into a traceback
                run.session.close()
        interrupts.restore()


def _broken_pipe() -> int:
    from ._exits import Exit
    from ._streams import silence_stdout

    silence_stdout()
    return int(Exit.BROKEN_PIPE)


def _interrupted(run: _Run) -> int:
    lines = ["interrupted"]
    waiting = run.session.waiting_on if run.session is not None else None
    if waiting is not None and run.session is not None:
        lines.append(f"hint: {run.session.resume_hint(waiting.api, waiting.id)}")
    text = "\n".join(lines) + "\n"
    try:
        sys.stderr.write(run.streams.redact(text) if run.streams is not None else text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return _INTERRUPTED


def _key_problem() -> str | None:
    """Why the key in the environment cannot be sent as a header (never the key itself), if it cannot."""
    key = os.environ.get(_API_KEY_ENV)
    if key is None:
        return None
    if any(not (" " <= c <= "~") for c in key.strip()):
        return (
            f"{_API_KEY_ENV} contains a control or non-ASCII character, so it cannot be sent in a header "
            "(the key is not shown)"
        )
    return None


def _main(argv: list[str], run: _Run) -> int:
    from ._messages import Redactor

    redact = Redactor(os.environ.get(_API_KEY_ENV))
    from ._parser import build_parser

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    run.prog = f"twelvelabs-embed {args.command}"

    from twelvelabs_embed import (
        ConfigurationError,
        EmbedError,
        NotFoundError,
        TaskFailedError,
        ValidationError,
        WaitTimeoutError,
    )

    from ._commands import COMMANDS, Session
    from ._exits import CliError, Exit, UsageError
    from ._messages import in_cli_words, validation_words
    from ._streams import Streams

    streams = run.streams = Streams(redact, quiet=bool(getattr(args, "quiet", False)))

    def fail(error: CliError) -> int:
        if isinstance(error, UsageError):
            streams.error(f"{run.prog}: error: {error.message} (see --help)")
        else:
            streams.error(f"error: {error.message}")
        for hint in error.hints:
            streams.error(f"hint: {hint}")
        return int(error.code)

    try:
        try:
            if args.command not in ("completion", "fake-server") and (problem := _key_problem()):
                raise UsageError("", problem)
            run.session = Session(args, streams)
            COMMANDS[args.command](run.session)
        except ValidationError as error:
            flag, rule = validation_words(error)
            raise UsageError(flag, rule) from None
        except ConfigurationError as error:
            raise UsageError("", in_cli_words(str(error))) from None
        except TaskFailedError as error:
            raise CliError(str(error), Exit.TASK_FAILED) from None
        except WaitTimeoutError as error:
            hints = [] if run.session is None else [run.session.resume_hint(run.session.api_name, error.task_id)]
            if run.session is not None and run.session.waiting_on is not None:
                waiting = run.session.waiting_on
                hints = [run.session.resume_hint(waiting.api, waiting.id)]
            raise CliError(in_cli_words(str(error)), Exit.WAIT_TIMEOUT, hints) from None
        except NotFoundError as error:
            if error.code == "resource_not_exist":
                raise CliError(str(error)) from None
            request = error.response.request
            raise CliError(
                f"{error} for {request.method} {request.url}",
                hints=[
                    "is TWELVELABS_BASE_URL right? The API's base URL ends with its version: "
                    "https://api.twelvelabs.io/v1.3 (the fake's: http://127.0.0.1:PORT/v1.3)"
                ],
            ) from None
        except EmbedError as error:
            raise CliError(str(error)) from None
        except BrokenPipeError:
            raise
        except OSError as error:
            where = error.filename if error.filename is not None else ""
            raise CliError(f"{error.strerror or error}: {where}".rstrip(": ")) from None
    except CliError as error:
        return fail(error)
    except (KeyboardInterrupt, BrokenPipeError, SystemExit):
        raise
    except Exception as error:  # a defect: one line, unless asked for the traceback
        if os.environ.get("TWELVELABS_DEBUG"):
            raise
        return fail(CliError(f"unexpected {type(error).__name__}: {error} (TWELVELABS_DEBUG=1 shows the traceback)"))
    return int(Exit.OK)
