"""The commands. Each talks to an `Api` adapter and never asks which API it is."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

from twelvelabs_embed import EmbedClient, EmbeddingArrays, NotFoundError
from twelvelabs_embed.limits import BASE64_AV_MAX_BYTES as V2_INLINE_MAX_BYTES

from ._adapters import ADAPTERS, Api, ApiName, CreateRequest, ListedTask, TaskState
from ._exits import CliError, Exit, UsageError
from ._output import STDOUT, choose_format, json_document, write_arrays
from ._parser import API_ENV
from ._progress import WaitProgress
from ._streams import Streams

__all__ = ["COMMANDS", "Session", "age", "table"]

T = TypeVar("T")


class Session:
    """One run of a command: its arguments, its streams, one client (made on first use) and the API to use."""

    def __init__(self, args: argparse.Namespace, streams: Streams, resume: list[str]) -> None:
        self.args = args
        self.streams = streams
        self.default_api = _default_api()
        self.api_name: ApiName = cast(ApiName, getattr(args, "api", None) or self.default_api)
        self.waiting_on: tuple[ApiName, str] | None = None  # the task being waited for
        self._resume = resume  # what a Ctrl-C now should suggest (printed by `main`)
        self._client: EmbedClient | None = None
        self._sleep: Callable[[float], None] = time.sleep

    @property
    def client(self) -> EmbedClient:
        if self._client is None:
            self._client = EmbedClient(
                sleep=self.sleep, allow_insecure_http=bool(getattr(self.args, "allow_insecure_http", False))
            )
        return self._client

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    def api(self, name: ApiName | None = None) -> Api:
        return ADAPTERS[name or self.api_name](self.client)

    def other(self, api: Api) -> Api:
        return self.api("v2" if api.name == "legacy" else "legacy")

    def api_flag(self, name: ApiName) -> str:
        """` --api NAME` when this environment's default is another API, else nothing."""
        return "" if name == self.default_api else f" --api {name}"

    def resume_hint(self, api: ApiName, task_id: str) -> str:
        return f"resume with `twelvelabs-embed wait {task_id}{self.api_flag(api)}`"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _default_api() -> ApiName:
    value = os.environ.get(API_ENV, "").strip()
    if value in ("", "v2"):
        return "v2"
    if value == "legacy":
        return "legacy"
    raise UsageError(API_ENV, f"must be v2 or legacy, got {value!r}")


# ----------------------------------------------------------------------------- shared steps
def _find(session: Session, api: Api, task_id: str, call: Callable[[Api], T]) -> T:
    """`call(api)`; when the task does not exist there, say whether it is a task of the other API."""
    try:
        return call(api)
    except NotFoundError as error:
        if error.code != "resource_not_exist":
            raise  # not "no such task": a wrong path, reported with its URL
        other = session.other(api)
        try:
            other.status(task_id)
        except NotFoundError:
            raise CliError(
                f"no task {task_id}: neither the {api.name} nor the {other.name} API has it ({error})"
            ) from None
        raise CliError(
            f"task {task_id} is not a {api.name} task: it is a {other.name} task",
            hints=[f"add --api {other.name} (or set {API_ENV}={other.name} to make it the default)"],
        ) from None


def _wait(session: Session, api: Api, task_id: str, timeout: float | None, *, show: bool) -> TaskState:
    """Wait with progress on stderr; exit 3 when the task failed."""
    return _wait_for(session, api, task_id, timeout, show=show, arrays=False)[0]


def _wait_for(
    session: Session, api: Api, task_id: str, timeout: float | None, *, show: bool, arrays: bool
) -> tuple[TaskState, EmbeddingArrays | None]:
    """Wait with progress on stderr (and, with `arrays`, the ready task's vectors); exit 3 when it failed."""
    progress = WaitProgress(session.streams.err, task_id, enabled=show)
    session._sleep = progress.sleep
    session.waiting_on = (api.name, task_id)
    session._resume[:] = [session.resume_hint(api.name, task_id)]
    vectors: EmbeddingArrays | None = None
    try:
        if arrays:
            state, vectors = api.wait_arrays(task_id, timeout=timeout, on_poll=lambda s: progress.polled(s.status))
        else:
            state = api.wait(task_id, timeout=timeout, on_poll=lambda s: progress.polled(s.status))
    finally:
        session._sleep = time.sleep
        progress.close()
    session.waiting_on = None
    session._resume.clear()
    if state.failed:
        raise CliError(f"task {task_id} failed: {state.reason or 'the server gave no reason'}", Exit.TASK_FAILED)
    return state, vectors


def _check_output(args: argparse.Namespace) -> str | None:
    """The output format, checked before anything is created or downloaded."""
    if args.output is None:
        if args.format is not None:
            raise UsageError("--format", "applies only with -o/--output")
        return None
    fmt = choose_format(args.output, args.format)
    if args.output == STDOUT and args.json:
        raise UsageError("--json", "cannot share stdout with -o - (the embeddings are already JSON)")
    return fmt


def _save(
    session: Session,
    api: Api,
    task_id: str,
    target: str,
    fmt: str,
    options: list[str] | None,
    *,
    summary: bool,
    arrays: EmbeddingArrays | None = None,
) -> None:
    """Write the task's embeddings (`arrays`, or downloaded now); with `summary`, print what was written as JSON."""
    if arrays is None:
        arrays = _find(session, api, task_id, lambda a: a.arrays(task_id, options=options))
    if len(arrays) == 0:  # not ready, failed, or ready with nothing: say which
        state = api.status(task_id)
        if state.failed:
            raise CliError(
                f"task {task_id} failed: {state.reason or 'the server gave no reason'}; it has no embeddings",
                Exit.TASK_FAILED,
            )
        if state.status != "ready":
            raise CliError(
                f"task {task_id} is {state.status}: it has no embeddings yet",
                hints=[f"wait for it with `twelvelabs-embed wait {task_id}{session.api_flag(api.name)}`"],
            )
        raise CliError(f"task {task_id} is ready but has no embeddings")
    written = write_arrays(arrays, target, fmt, task_id, stdout=session.streams.out_bytes)
    if target == STDOUT:
        session.streams.flush()
        return
    session.streams.note(f"wrote {len(arrays)} segments x {arrays.dimension} dims to {', '.join(written)}")
    if summary:
        document = {
            "task_id": task_id,
            "api": api.name,
            "format": fmt,
            "segments": len(arrays),
            "dimension": arrays.dimension,
            "files": written,
        }
        session.streams.out(json_document(document).decode())


# ----------------------------------------------------------------------------- commands
def create(session: Session) -> None:
    args = session.args
    if args.quiet and args.json:
        raise UsageError("-q", "prints only the id; --json prints the task: choose one")
    if args.output is not None and not args.wait:
        raise UsageError("-o/--output", "needs --wait (or run `get` once the task is ready)")
    if args.timeout is not None and not args.wait:
        raise UsageError("--timeout", "applies only with --wait")
    fmt = _check_output(args)
    if args.quiet and args.output == STDOUT:
        raise UsageError("-q", "prints the id on stdout; -o - writes the embeddings there: choose one")
    request = CreateRequest(
        model=args.model,
        input_type=args.input_type,
        file=args.file,
        url=args.url,
        base64_file=args.base64_file,
        asset_id=args.asset_id,
        start=args.start,
        end=args.end,
        clip_length=args.clip_length,
        scope=args.scope,
        option=args.option,
        embedding_type=args.embedding_type,
        segmentation=args.segmentation,
        dimension=args.dimension,
        uncertainty=args.uncertainty,
        time_metadata=args.time_metadata,
        upload_bar=session.streams.stderr_is_terminal and not args.quiet,
        upload_bar_forced=args.progress,
        flags=_CREATE_FLAGS,
    )
    api = session.api()
    if api.name == "v2" and args.file is not None and _file_size(args.file) > V2_INLINE_MAX_BYTES:
        # uploaded as an asset first: resumable
        session._resume[:] = ["run the same command again: an interrupted upload of --file resumes where it stopped"]
    created = api.create(request, session.streams)
    session._resume.clear()
    session.streams.note(f"created {created.api} task {created.id}")
    if args.json and not args.wait:
        session.streams.out(json_document(created.document).decode())
    elif not args.json and args.output != STDOUT:
        session.streams.out(created.id)  # at once, so a script has the id even if the wait fails
    if not args.wait:
        return
    # `-o` without `--json`: the vectors come with the wait (v2: from the ready poll, one download)
    with_arrays = args.output is not None and not args.json
    state, arrays = _wait_for(session, api, created.id, args.timeout, show=not args.quiet, arrays=with_arrays)
    session.streams.note(f"task {created.id} is {state.status}")
    if args.output is not None and fmt is not None:
        _save(session, api, created.id, args.output, fmt, None, summary=False, arrays=arrays)
    if args.json:
        session.streams.out(json_document(state.document).decode())


# The most a v2 `--file` sends inline as base64 (36 MiB, the library's limit); a larger one is uploaded first.


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the library says what is wrong with it


_CREATE_FLAGS = {
    "file": "--file",
    "base64_file": "--base64-file",
    "asset_id": "--asset-id",
    "clip_length": "--clip-length",
    "option": "--option",
    "embedding_type": "--embedding-type",
    "segmentation": "--segmentation",
    "dimension": "--dimension",
    "uncertainty": "--uncertainty",
    "time_metadata": "--time-metadata",
    "upload_bar_forced": "--progress",
}


def status(session: Session) -> None:
    args = session.args
    if args.with_embeddings and not args.json:
        raise UsageError("--with-embeddings", "applies only with --json")
    api = session.api()
    state = _find(session, api, args.task_id, lambda a: a.status(args.task_id, with_embeddings=args.with_embeddings))
    if args.json:
        session.streams.out(json_document(state.document).decode())
        return
    line = f"task {state.id}: {state.status}"
    if state.reason:
        line += f" ({state.reason})"
    session.streams.out(line)


def wait(session: Session) -> None:
    args = session.args
    api = session.api()
    state = _find(session, api, args.task_id, lambda a: _wait(session, a, args.task_id, args.timeout, show=True))
    session.streams.note(f"task {args.task_id} is {state.status}")
    if args.json:
        session.streams.out(json_document(state.document).decode())


def get(session: Session) -> None:
    args = session.args
    if args.output is None:
        raise UsageError("-o/--output", "is required (a file, or - for stdout)")
    fmt = _check_output(args)
    assert fmt is not None
    _save(session, session.api(), args.task_id, args.output, fmt, args.option, summary=args.json)


def age(created: dt.datetime | None, now: dt.datetime) -> str:
    if created is None:
        return "-"
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    seconds = int((now - created).total_seconds())
    if seconds < 1:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """Aligned columns, the last one unpadded."""
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return ["  ".join([*(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])), row[3]]) for row in rows]


def _table(tasks: list[ListedTask], now: dt.datetime) -> list[str]:
    rows = [("ID", "STATUS", "AGE", "INPUT")]
    rows += [(t.id, t.status, age(t.created_at, now), t.input) for t in tasks]
    return table(rows)


def list_tasks(session: Session) -> None:
    args = session.args
    api = session.api()
    page = api.list(status=args.status, limit=args.limit)
    if not page.tasks:
        session.streams.note(f"no {args.status + ' ' if args.status else ''}{api.name} tasks")
    elif args.json:
        for task in page.tasks:
            session.streams.out(json_document(task.document).decode())
    else:
        for line in _table(page.tasks, dt.datetime.now(dt.UTC)):
            session.streams.out(line)
    shown = len(page.tasks)
    if page.total is not None and page.total > shown:
        session.streams.note(f"{page.total - shown} more: use --limit {page.total} to list them all")
    elif page.total is None and shown == args.limit:
        session.streams.note("there may be more: use a larger --limit")


def fake_server(session: Session) -> None:
    args = session.args
    try:
        from twelvelabs_embed.testing import serve
    except ImportError as exc:
        raise UsageError(
            "fake-server", f"needs the testing extra: pip install 'twelvelabs-embed[testing]' ({exc})"
        ) from None
    try:
        serve(
            host=args.host,
            port=args.port,
            api_key=args.api_key or None,  # '' accepts any non-empty key
            processing_seconds=args.processing_seconds,
            upload_duration=args.upload_duration,
            chunk_size=args.chunk_size,
            log_requests=not args.quiet,
        )
    except SystemExit as stop:  # uvicorn exits when it cannot start (its own log line says why)
        if stop.code in (0, None):
            return
        raise CliError(f"the fake server could not start on {args.host}:{args.port}") from None


def assets(session: Session) -> None:
    from ._assets import ASSET_COMMANDS

    ASSET_COMMANDS[session.args.assets_command](session)


COMMANDS: dict[str, Callable[[Session], None]] = {
    "assets": assets,
    "create": create,
    "status": status,
    "wait": wait,
    "get": get,
    "list": list_tasks,
    "fake-server": fake_server,
}
