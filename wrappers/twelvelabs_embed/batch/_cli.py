"""`twelvelabs-embed batch`: embed a folder, a URL list or a manifest into a Parquet dataset, resumably.

    twelvelabs-embed batch INPUT -o OUT [--concurrency N] [--max-rpm N] [--retry-failed] [--api v2|legacy] [--json]
    twelvelabs-embed batch status OUT [--json]

Live progress goes to stderr; stdout carries only the results (a summary table, or one JSON document with
`--json`). Exit codes: 0 every item has its vectors; 3 some items failed (the summary lists each one);
1 an API error stopped the batch (a refused key, an API that keeps failing); 2 a usage error; 130
interrupted (run the same command again to resume).

`add_parser(subparsers)` adds the command to a CLI; `run(args)` runs it and returns the exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from .._errors import ConfigurationError, EmbedError, ValidationError
from .._polling import PollPolicy
from ._engine import DEFAULT_CONCURRENCY, BatchResult, Progress, arun, summarize
from ._items import BatchInputError, ItemOptions, read_inputs
from ._ledger import LedgerBusyError

__all__ = ["EXIT_API_ERROR", "EXIT_FAILED_ITEMS", "EXIT_INTERRUPTED", "EXIT_USAGE", "add_parser", "main", "run"]

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_FAILED_ITEMS = 3
EXIT_INTERRUPTED = 130


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value!r}")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 seconds, got {value!r}")
    return number


DESCRIPTION = """\
Embed every item of INPUT and store the vectors in OUT as a Parquet dataset (one row per segment),
resumably: run the same command again after a crash or Ctrl-C and it goes on where it stopped, without
creating any task twice. INPUT is a folder (its video and audio files), a glob pattern, a text file of
URLs (one per line), or a CSV / JSONL manifest with a `source` column and optional per-item columns
(api, input_type, model, segmentation, clip_length, option, scope, embedding_type, start, end).
`batch status OUT` shows where a batch stands.
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `batch` to an argparse sub-command set; `run(args)` runs the parsed arguments."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "batch",
        help="embed a folder, URL list or manifest into Parquet (resumable, rate-limit aware)",
        description=DESCRIPTION,
        epilog="Exit codes: 0 all done, 3 items failed, 1 API error, 2 usage error, 130 interrupted.",
    )
    parser.add_argument("input", metavar="INPUT", help="folder, glob, URL list, .csv/.jsonl manifest; or 'status'")
    parser.add_argument("status_folder", nargs="?", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("-o", "--output", type=Path, metavar="OUT", help="output folder (ledger and Parquet)")
    parser.add_argument(
        "--concurrency",
        type=_count,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"items in flight at most (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument("--max-rpm", type=_count, metavar="N", help="our own cap on requests per minute")
    parser.add_argument("--retry-failed", action="store_true", help="create new tasks for items whose task failed")
    parser.add_argument("--api", choices=("v2", "legacy"), help="default API of the items (default v2)")
    parser.add_argument("--type", dest="input_type", choices=("video", "audio"), help="default input type")
    parser.add_argument("--model", help="default model (default marengo3.0)")
    parser.add_argument("--segmentation", help="default segmentation: fixed:<2-10> or dynamic:<2-5>")
    parser.add_argument("--option", action="append", help="default embedding option (repeatable)")
    parser.add_argument("--scope", action="append", help="default embedding scope (repeatable)")
    parser.add_argument("--task-timeout", type=_seconds, metavar="S", help="wait at most S seconds per task")
    parser.add_argument(
        "--poll-interval", type=_seconds, metavar="S", help="first status check after S seconds (default 2; it grows)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    parser.add_argument("--no-progress", action="store_true", help="no live progress on stderr")
    parser.set_defaults(batch_run=run)
    return parser


class _UsageError(Exception):
    pass


def _usage(message: str) -> NoReturn:
    raise _UsageError(message)


def _defaults(args: argparse.Namespace) -> ItemOptions:
    return ItemOptions(
        api=args.api,
        input_type=args.input_type,
        model=args.model,
        segmentation=args.segmentation,
        embedding_option=tuple(args.option) if args.option else None,
        embedding_scope=tuple(args.scope) if args.scope else None,
    )


def _poll(interval: float | None) -> PollPolicy | None:
    if interval is None:
        return None
    return PollPolicy(initial_interval=interval, multiplier=1.5, max_interval=max(interval, 60.0), jitter=0.1)


class _LiveProgress:
    """Counts per state, throughput and ETA on stderr (rich)."""

    def __init__(self, console: Console, total: int) -> None:
        self.bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            refresh_per_second=4,
            transient=False,
        )
        self.task = self.bar.add_task("starting", total=max(total, 1), rate="")

    def __call__(self, p: Progress) -> None:
        rate = p.finished_this_run / p.elapsed * 60 if p.elapsed > 0 else 0.0
        described = (
            f"done {p.done} | failed {p.failed} | waiting {p.waiting + p.retrieving} | "
            f"creating {p.creating} | pending {p.pending}"
        )
        self.bar.update(
            self.task,
            total=max(p.total - p.already_done, 1),
            completed=p.finished_this_run,
            description=described,
            rate=f"{rate:.1f}/min",
        )


def render(result: BatchResult, console: Console, *, title: str = "batch") -> None:
    """The summary table (and every failure) of `result`."""
    table = Table(title=f"{title}: {result.folder}", show_edge=False)
    table.add_column("items", justify="right")
    table.add_column("done", justify="right")
    table.add_column("reused", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("unfinished", justify="right")
    table.add_column("vectors", justify="right")
    table.add_column("seconds", justify="right")
    unfinished = result.total - result.done - result.failed
    table.add_row(
        str(result.total),
        str(result.done),
        str(result.reused),
        str(result.failed),
        str(unfinished),
        str(result.rows),
        f"{result.elapsed:.1f}",
    )
    console.print(table)
    if result.failures:
        failures = Table(title="failures", show_edge=False)
        failures.add_column("source", overflow="fold")
        failures.add_column("kind")
        failures.add_column("reason", overflow="fold")
        for failure in result.failures:
            failures.add_row(failure.source, failure.kind, failure.error)
        console.print(failures)
    if result.fatal:
        console.print(f"stopped: {result.fatal}")
    if result.interrupted:
        console.print("interrupted: run the same command again to resume")
    if result.rows:
        console.print(f"vectors: {Path(result.folder) / 'embeddings'} (read with twelvelabs_embed.batch.load)")


def _exit_code(result: BatchResult) -> int:
    if result.interrupted:
        return EXIT_INTERRUPTED
    if result.fatal:
        return EXIT_API_ERROR
    if result.failed:
        return EXIT_FAILED_ITEMS
    return EXIT_OK


def _status(args: argparse.Namespace, out: Console) -> int:
    folder = args.status_folder or args.output
    if folder is None:
        _usage("batch status needs the output folder: twelvelabs-embed batch status OUT")
    try:
        result = summarize(folder)
    except FileNotFoundError as error:
        _usage(str(error))
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        render(result, out, title="batch status")
    return EXIT_FAILED_ITEMS if result.failed else EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run `batch` (or `batch status`) with parsed arguments; returns the exit code."""
    out = Console(highlight=False, soft_wrap=True, markup=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
    try:
        if args.input == "status" and (args.status_folder is not None or args.output is not None):
            return _status(args, out)
        if args.status_folder is not None:
            _usage(f"unexpected argument {args.status_folder!r} (the output folder goes after -o)")
        if args.output is None:
            _usage("the output folder is required: -o OUT")
        items = read_inputs(args.input, _defaults(args))
        keys = [item.key for item in items]
        live = None if args.no_progress else _LiveProgress(err, len(items))
        try:
            if live is not None:
                live.bar.start()
            result = asyncio.run(
                arun(
                    items,
                    args.output,
                    concurrency=args.concurrency,
                    max_rpm=args.max_rpm,
                    retry_failed=args.retry_failed,
                    task_timeout=args.task_timeout or 4 * 3600.0,
                    poll=_poll(args.poll_interval),
                    progress=live,
                )
            )
        except KeyboardInterrupt:
            if live is not None:
                live.bar.stop()
            err.print("interrupted: run the same command again to resume")
            result = summarize(args.output, keys)
            result.interrupted = True
        else:
            if live is not None:
                live.bar.stop()
    except _UsageError as error:
        err.print(f"twelvelabs-embed batch: error: {error} (see --help)")
        return EXIT_USAGE
    except (BatchInputError, ConfigurationError) as error:
        err.print(f"twelvelabs-embed batch: error: {error}")
        return EXIT_USAGE
    except LedgerBusyError as error:
        err.print(f"error: {error}")
        return EXIT_API_ERROR
    except ValidationError as error:
        err.print(f"twelvelabs-embed batch: error: {error}")
        return EXIT_USAGE
    except EmbedError as error:
        err.print(f"error: {error}")
        return EXIT_API_ERROR
    except OSError as error:
        err.print(f"error: {error}")
        return EXIT_API_ERROR
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        render(result, out)
    return _exit_code(result)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m twelvelabs_embed.batch ARGS` = `twelvelabs-embed batch ARGS`."""
    parser = _Parser(prog="twelvelabs-embed")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_parser(commands)
    args = parser.parse_args(["batch", *(sys.argv[1:] if argv is None else argv)])
    code: int = args.batch_run(args)
    return code
