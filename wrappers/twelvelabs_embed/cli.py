"""`twelvelabs-embed`: create embedding tasks, watch them, and save their vectors.

Reads `TWELVELABS_API_KEY` and `TWELVELABS_BASE_URL`. Every failure prints one line on stderr and
exits non-zero (1 for an API or input error, 2 for a usage error, 130 when interrupted).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

from rich.console import Console
from rich.live import Live
from rich.text import Text

from ._arrays import EmbeddingArrays
from ._errors import EmbedError, ValidationError
from ._requests import dynamic_segments, fixed_segments
from ._sync import EmbedClient
from ._version import __version__

__all__ = ["main"]

FORMATS = ("json", "jsonl", "npy", "parquet")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _segmentation(value: str) -> Any:
    """`fixed:6` or `dynamic:4`."""
    kind, _, number = value.partition(":")
    make = {"fixed": fixed_segments, "dynamic": dynamic_segments}.get(kind)
    try:
        if make is not None:
            return make(int(number))
    except ValueError:  # not a whole number, or out of range (ValidationError is a ValueError)
        pass
    raise argparse.ArgumentTypeError(f"expected fixed:<2-10> or dynamic:<2-5>, got {value!r}")


def _finite(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {value!r}")
    return number


def _positive(value: str) -> float:
    number = _finite(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 seconds, got {value!r}")
    return number


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="twelvelabs-embed",
        description="Video and audio embeddings from the TwelveLabs Embed API (legacy video tasks and Embed v2).",
        epilog="Environment: TWELVELABS_API_KEY (required for API commands), TWELVELABS_BASE_URL (optional).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def api_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--api",
            choices=("legacy", "v2"),
            default="v2",
            help="legacy video tasks (/embed/tasks) or Embed v2 tasks (/embed-v2/tasks); default v2",
        )

    create = commands.add_parser(
        "create",
        help="create an embedding task",
        description="Create an embedding task. "
        "Legacy: a video from --file or --url. v2: audio or video from --url, --base64-file "
        "or --asset-id.",
    )
    api_arg(create)
    create.add_argument("--model", default="marengo3.0", help="model name (default marengo3.0)")
    source = create.add_argument_group("media (exactly one)")
    source.add_argument("--file", help="legacy: local video file to upload")
    source.add_argument("--url", help="public URL of the media")
    source.add_argument("--base64-file", help="v2: local file sent inline as base64 (at most 36 MB)")
    source.add_argument("--asset-id", help="v2: id of an uploaded asset")
    create.add_argument(
        "--type", dest="input_type", choices=("video", "audio"), default="video", help="v2: input type (default video)"
    )
    create.add_argument("--start", type=_finite, help="start offset in seconds")
    create.add_argument("--end", type=_finite, help="end offset in seconds")
    create.add_argument("--clip-length", type=_finite, help="legacy: clip length in seconds, 2-10 (default 6)")
    create.add_argument("--scope", action="append", help="legacy: clip|video; v2: clip|asset (repeatable)")
    create.add_argument("--option", action="append", help="v2: visual|audio|transcription (repeatable)")
    create.add_argument("--embedding-type", action="append", help="v2: separate_embedding|fused_embedding")
    create.add_argument("--segmentation", type=_segmentation, help="v2: fixed:<2-10> or dynamic:<2-5>")
    create.add_argument("--dimension", type=int, help="v2 marengo3.5: embedding dimension")
    create.add_argument(
        "--uncertainty",
        action="store_true",
        default=None,
        help="v2 marengo3.5: also return per-value embedding uncertainty (needs --scope without asset)",
    )
    create.add_argument(
        "--time-metadata",
        type=Path,
        metavar="JSON_FILE",
        help="v2 marengo3.5 with fused_embedding: a JSON list of {start, end, text}",
    )
    create.add_argument("--wait", action="store_true", help="wait for the task, showing progress")
    create.add_argument("--timeout", type=_positive, help="with --wait: give up after this many seconds")
    create.add_argument("--output", type=Path, help="with --wait: write the embeddings here (see `get`)")
    create.add_argument("--format", choices=FORMATS, help="output format (default: from the file extension)")

    status = commands.add_parser("status", help="show a task's status", description="Show a task's status.")
    api_arg(status)
    status.add_argument("task_id")
    status.add_argument("--json", action="store_true", help="print the response as JSON")

    wait = commands.add_parser(
        "wait",
        help="wait for a task, with live progress",
        description="Poll a task until it is ready or failed, showing status, elapsed time and the next poll.",
    )
    api_arg(wait)
    wait.add_argument("task_id")
    wait.add_argument("--timeout", type=_positive, help="give up after this many seconds (default 4 h)")

    get = commands.add_parser(
        "get",
        help="write a task's embeddings to a file",
        description="Write a ready task's embeddings as JSON, JSONL, .npy (with a "
        "<name>.segments.csv table) or Parquet.",
    )
    api_arg(get)
    get.add_argument("task_id")
    get.add_argument("--output", "-o", type=Path, required=True, help="output file")
    get.add_argument("--format", choices=FORMATS, help="default: from the file extension")
    get.add_argument("--option", action="append", help="legacy: only these embedding options (repeatable)")

    listing = commands.add_parser("list", help="list tasks, newest first", description="List tasks, newest first.")
    api_arg(listing)
    listing.add_argument("--status", choices=("processing", "ready", "failed"))
    listing.add_argument("--limit", type=int, default=20, help="at most this many tasks (default 20)")
    listing.add_argument("--json", action="store_true", help="print JSON lines")

    fake = commands.add_parser(
        "fake-server",
        help="run the local fake Embed API (no API key needed)",
        description="Serve the stateful fake of the Embed API for local development.",
    )
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=4020)
    fake.add_argument("--api-key", default=None, help="key the fake accepts (default: any non-empty key)")
    fake.add_argument("--processing-seconds", type=_finite, default=3.0, help="how long tasks stay processing")
    fake.add_argument(
        "--upload-duration",
        type=_finite,
        default=60.0,
        help="media duration in seconds assumed for uploaded files (default 60)",
    )
    return parser


# ----------------------------------------------------------------------------- output
def _format(path: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ValidationError("--format", f"cannot tell the format from {path.name!r}; pass --format {'|'.join(FORMATS)}")


def write_arrays(arrays: EmbeddingArrays, path: Path, fmt: str) -> list[Path]:
    """Write the vectors and their segment table; returns the files written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "npy":
        import numpy as np

        table = path.with_name(path.stem + ".segments.csv")
        with path.open("wb") as vectors:  # np.save(path) would append .npy to any other name
            np.save(vectors, arrays.vectors)
        with table.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["index", "start_sec", "end_sec", "option", "scope"])
            for i, seg in enumerate(arrays.segments()):
                writer.writerow([i, seg["start_sec"], seg["end_sec"], seg["option"], seg["scope"]])
        return [path, table]
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ValidationError(
                "--format", "parquet needs pyarrow: pip install 'twelvelabs-embed[parquet]'"
            ) from None
        dim = arrays.dimension
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(arrays.vectors.reshape(-1)), dim)
        table = pa.table(
            {
                "start_sec": arrays.start_sec,
                "end_sec": arrays.end_sec,
                "option": arrays.option.astype(object),
                "scope": arrays.scope.astype(object),
                "embedding": vectors,
            }
        )
        pq.write_table(table, path)
        return [path]
    rows = (
        {
            **{key: None if isinstance(value, float) and math.isnan(value) else value for key, value in seg.items()},
            "embedding": arrays.vectors[i].tolist(),  # float32 values print as their shortest float
        }
        for i, seg in enumerate(arrays.segments())
    )  # JSON has no NaN: a segment without start/end gets null
    with path.open("w") as handle:
        if fmt == "jsonl":
            for row in rows:
                handle.write(json.dumps(row, allow_nan=False) + "\n")
        else:
            document = {"task_id": arrays.task_id, "dimension": arrays.dimension, "segments": list(rows)}
            json.dump(document, handle, allow_nan=False)
    return [path]


# ----------------------------------------------------------------------------- progress
class _Progress:
    """Shows status, elapsed time and the next poll: live on a terminal, one line per poll otherwise."""

    def __init__(self, console: Console, task_id: str) -> None:
        self._console = console
        self._task_id = task_id
        self._start = time.monotonic()
        self._status = "submitted"
        self._live: Live | None = None
        if console.is_terminal:
            self._live = Live(self._render(None), console=console, refresh_per_second=8, transient=False)
            self._live.start()

    def _render(self, next_poll: float | None) -> Text:
        elapsed = time.monotonic() - self._start
        line = f"task {self._task_id}: {self._status}  elapsed {elapsed:6.1f} s"
        if next_poll is not None:
            line += f"  next poll in {next_poll:4.1f} s"
        return Text(line)

    def polled(self, status: str | None) -> None:
        self._status = status or "unknown"

    def sleep(self, seconds: float) -> None:
        if self._live is None:  # not a terminal: one plain line per poll
            self._console.print(self._render(seconds), highlight=False)
            time.sleep(seconds)
            return
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._live.update(self._render(left))
            time.sleep(min(0.125, left))

    def close(self) -> None:
        if self._live is None:
            self._console.print(self._render(None), highlight=False)
            return
        self._live.update(self._render(None))
        self._live.stop()


def _status_text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _wait(args: argparse.Namespace, console: Console, task_id: str) -> str | None:
    progress = _Progress(console, task_id)
    client = EmbedClient(sleep=progress.sleep)
    try:
        if args.api == "legacy":
            done: Any = client.legacy.tasks.wait_for_done(
                task_id, timeout=args.timeout, callback=lambda t: progress.polled(_status_text(t.status))
            )
        else:
            done = client.v2.tasks.wait(
                task_id, timeout=args.timeout, callback=lambda t: progress.polled(_status_text(t.status))
            )
    finally:
        progress.close()
        client.close()
    return _status_text(done.status)


def _save(
    args: argparse.Namespace, console: Console, task_id: str, path: Path, fmt: str | None, options: list[str] | None
) -> None:
    chosen = _format(path, fmt)
    with EmbedClient() as client:
        if args.api == "legacy":
            arrays = client.legacy.tasks.retrieve_arrays(task_id, embedding_option=cast(Any, options))
        else:
            if options:
                raise ValidationError("--option", "filters only legacy tasks; v2 returns what the task produced")
            arrays = client.v2.tasks.retrieve_arrays(task_id)
    if len(arrays) == 0:
        raise ValidationError("task_id", f"task {task_id} has no embeddings (is it ready?)")
    written = write_arrays(arrays, path, chosen)
    console.print(
        f"wrote {len(arrays)} segments x {arrays.dimension} dims to {', '.join(str(p) for p in written)}",
        highlight=False,
    )


# ----------------------------------------------------------------------------- commands
def _create(args: argparse.Namespace, console: Console) -> None:
    if args.output is not None and not args.wait:
        raise ValidationError("--output", "needs --wait (or run `get` once the task is ready)")
    if args.timeout is not None and not args.wait:
        raise ValidationError("--timeout", "applies only with --wait")
    if args.format is not None and args.output is None:
        raise ValidationError("--format", "applies only with --output")
    if args.output is not None:
        _format(args.output, args.format)  # fail on a bad name before creating anything
    with EmbedClient() as client:
        if args.api == "legacy":
            for flag, value in (
                ("--base64-file", args.base64_file),
                ("--asset-id", args.asset_id),
                ("--option", args.option),
                ("--embedding-type", args.embedding_type),
                ("--segmentation", args.segmentation),
                ("--dimension", args.dimension),
                ("--uncertainty", args.uncertainty),
                ("--time-metadata", args.time_metadata),
            ):
                if value is not None:
                    raise ValidationError(flag, "applies only to --api v2")
            created: Any = client.legacy.tasks.create(
                model_name=args.model,
                video_file=args.file,
                video_url=args.url,
                video_start_offset_sec=args.start,
                video_end_offset_sec=args.end,
                video_clip_length=args.clip_length,
                video_embedding_scope=args.scope,
            )
        else:
            if args.file is not None:
                raise ValidationError("--file", "uploads are legacy only (--api legacy); for v2 use --base64-file")
            if args.clip_length is not None:
                raise ValidationError("--clip-length", "is legacy only; for v2 use --segmentation fixed:<seconds>")
            base64_string = None
            if args.base64_file is not None:
                import base64

                source = Path(args.base64_file)
                if not source.is_file():
                    raise ValidationError("--base64-file", f"not a regular file: {str(source)!r}")
                base64_string = base64.b64encode(source.read_bytes()).decode()
            time_metadata = None
            if args.time_metadata is not None:
                try:
                    time_metadata = json.loads(args.time_metadata.read_text())
                except ValueError as exc:
                    raise ValidationError("--time-metadata", f"is not valid JSON: {exc}") from None
            created = client.v2.tasks.create(
                input_type=args.input_type,
                model_name=args.model,
                url=args.url,
                base64_string=base64_string,
                asset_id=args.asset_id,
                start_sec=args.start,
                end_sec=args.end,
                segmentation=args.segmentation,
                embedding_option=args.option,
                embedding_scope=args.scope,
                embedding_type=args.embedding_type,
                embedding_dimension=args.dimension,
                embedding_uncertainty=args.uncertainty,
                time_based_metadata=time_metadata,
            )
    console.print(f"created {args.api} task {created.id}", highlight=False)
    if args.wait:
        final = _wait(args, console, created.id)
        console.print(f"task {created.id} is {final}", highlight=False)
        if args.output is not None:
            _save(args, console, created.id, args.output, args.format, None)


def _status(args: argparse.Namespace, console: Console) -> None:
    with EmbedClient() as client:
        if args.api == "legacy":
            task: Any = client.legacy.tasks.status(args.task_id)
        else:
            task = client.v2.tasks.retrieve(args.task_id)
    if args.json:
        print(json.dumps(task.to_dict()))
        return
    line = f"task {task.id}: {_status_text(task.status)}"
    error = getattr(task, "error", None)
    if error is not None and hasattr(error, "message"):
        line += f" ({error.message})"
    console.print(line, highlight=False)


def _list(args: argparse.Namespace, console: Console) -> None:
    if args.limit < 1:
        raise ValidationError("--limit", f"must be >= 1, got {args.limit}")
    with EmbedClient() as client:
        resource: Any = client.legacy.tasks if args.api == "legacy" else client.v2.tasks
        count = 0
        for task in resource.iter(status=args.status, page_limit=min(50, args.limit), max_items=args.limit):
            count += 1
            if args.json:
                print(json.dumps(task.to_dict()))
            else:
                created = getattr(task, "created_at", None)
                when = created.isoformat() if isinstance(created, dt.datetime) else ""
                console.print(f"{task.id}  {_status_text(task.status) or '':10}  {when}", highlight=False)
    if not args.json:
        console.print(f"{count} task(s)", highlight=False)


def _fake_server(args: argparse.Namespace, console: Console) -> None:
    try:
        from .testing import serve
    except ImportError as exc:
        raise ValidationError(
            "fake-server", f"needs the testing extra: pip install 'twelvelabs-embed[testing]' ({exc})"
        ) from None
    serve(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        processing_seconds=args.processing_seconds,
        upload_duration=args.upload_duration,
    )


_COMMANDS: dict[str, Callable[[argparse.Namespace, Console], None]] = {
    "create": _create,
    "status": _status,
    "wait": lambda args, console: console.print(
        f"task {args.task_id} is {_wait(args, console, args.task_id)}", highlight=False
    ),
    "get": lambda args, console: _save(args, console, args.task_id, args.output, args.format, args.option),
    "list": _list,
    "fake-server": _fake_server,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _build_parser().parse_args(argv)
    console = Console(highlight=False, soft_wrap=True, markup=False)
    errors = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
    try:
        _COMMANDS[args.command](args, console)
    except KeyboardInterrupt:
        errors.print("interrupted", markup=False)
        return 130
    except EmbedError as error:
        errors.print(f"error: {error}", markup=False)
        return 1
    except OSError as error:
        errors.print(f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), markup=False)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
