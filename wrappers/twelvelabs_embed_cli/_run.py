"""Run one parsed command: every failure becomes one `error:` line (plus `hint:` lines) and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import os

from twelvelabs_embed import (
    API_KEY_ENV,
    ConfigurationError,
    EmbedError,
    NotFoundError,
    TaskFailedError,
    ValidationError,
    WaitTimeoutError,
)

from ._commands import COMMANDS, Session
from ._exits import CliError, Exit, UsageError
from ._messages import Redactor, in_cli_words, validation_words
from ._streams import Streams

__all__ = ["run"]

BASE_URL_HINT = (
    "is TWELVELABS_BASE_URL right? The API's base URL ends with its version: https://api.twelvelabs.io/v1.3 "
    "(the fake's: http://127.0.0.1:PORT/v1.3)"
)


def _key_problem() -> str | None:
    """Why the key in the environment cannot be sent as a header (never the key itself), if it cannot."""
    key = os.environ.get(API_KEY_ENV)
    if key is not None and any(not (" " <= c <= "~") for c in key.strip()):
        return (
            f"{API_KEY_ENV} contains a control or non-ASCII character, so it cannot be sent in a header "
            "(the key is not shown)"
        )
    return None


def _translated(session: Session | None, error: Exception) -> CliError:
    """A library error as the CLI reports it."""
    if isinstance(error, ValidationError):
        flag, rule = validation_words(error)
        return UsageError(flag, rule)
    if isinstance(error, ConfigurationError):
        return UsageError("", in_cli_words(str(error)))
    if isinstance(error, TaskFailedError):
        return CliError(str(error), Exit.TASK_FAILED)
    if isinstance(error, WaitTimeoutError):
        hints = [] if session is None else [session.resume_hint(session.api_name, error.task_id)]
        if session is not None and session.waiting_on is not None:
            hints = [session.resume_hint(*session.waiting_on)]
        return CliError(in_cli_words(str(error)), Exit.WAIT_TIMEOUT, hints)
    if isinstance(error, NotFoundError) and error.code != "resource_not_exist":
        # Not "no such task": the path itself is unknown, most often a base URL without /v1.3.
        request = error.response.request
        return CliError(f"{error} for {request.method} {request.url}", hints=[BASE_URL_HINT])
    if isinstance(error, OSError):
        where = error.filename if error.filename is not None else ""
        return CliError(f"{error.strerror or error}: {where}".rstrip(": "))
    return CliError(str(error))


def run(args: argparse.Namespace, resume: list[str]) -> int:
    """Run `args.command`; returns the exit code. KeyboardInterrupt and BrokenPipeError are left to `main`."""
    streams = Streams(Redactor(os.environ.get(API_KEY_ENV)), quiet=bool(getattr(args, "quiet", False)))
    prog = " ".join(["twelvelabs-embed", args.command, *filter(None, [getattr(args, "assets_command", None)])])
    session: Session | None = None
    try:
        try:
            if args.command != "fake-server" and (problem := _key_problem()):
                raise UsageError("", problem)
            session = Session(args, streams, resume)
            COMMANDS[args.command](session)
        except BrokenPipeError:
            raise
        except (EmbedError, OSError) as error:
            raise _translated(session, error) from None
    except CliError as error:
        if isinstance(error, UsageError):
            streams.error(f"{prog}: error: {error.message} (see --help)")
        else:
            streams.error(f"error: {error.message}")
        for hint in error.hints:
            streams.error(f"hint: {hint}")
        return int(error.code)
    except (KeyboardInterrupt, BrokenPipeError, SystemExit):
        raise
    except Exception as error:  # a defect: one line, unless asked for the traceback
        if os.environ.get("TWELVELABS_DEBUG"):
            raise
        streams.error(f"error: unexpected {type(error).__name__}: {error} (TWELVELABS_DEBUG=1 shows the traceback)")
        return int(Exit.ERROR)
    finally:
        if session is not None:
            with contextlib.suppress(Exception):  # closing connections must not turn a result into a traceback
                session.close()
    return int(Exit.OK)
