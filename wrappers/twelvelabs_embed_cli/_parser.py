"""The argument parser of `twelvelabs-embed`; shell completion scripts are generated from it (shtab)."""

from __future__ import annotations

import argparse
import importlib.util
import math
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Literal, NamedTuple, NoReturn

import shtab


def _load_fake_defaults() -> ModuleType:
    """`twelvelabs_embed/testing/_defaults.py`, the fake's one set of defaults, loaded by file.

    Importing it by name would import `twelvelabs_embed` (httpx, numpy), which `--version`, `completion`
    and usage errors never need; the module itself imports only the standard library.
    """
    package = importlib.util.find_spec("twelvelabs_embed")  # a top-level spec: found without importing it
    assert package is not None and package.origin is not None
    path = Path(package.origin).parent / "testing" / "_defaults.py"
    spec = importlib.util.spec_from_file_location("twelvelabs_embed_cli._fake_defaults", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fake_defaults = _load_fake_defaults()

__all__ = ["API_ENV", "COMPLETION_SHELLS", "EPILOG", "FORMATS", "STDOUT", "Segmentation", "build_parser"]

FORMATS = ("json", "jsonl", "npy", "parquet")
STDOUT = "-"

API_ENV = "TWELVELABS_API"
COMPLETION_SHELLS = ("bash", "zsh", "fish")
DEFAULT_LIMIT = 20
MAX_CONCURRENCY = 32  # the library's bound on concurrent chunk PUTs (`assets.upload(concurrency=)`)
DEFAULT_CONCURRENCY = 4
# The fake server's defaults: the one set `serve()` and `EmbedFake` use (a module without dependencies).
FAKE_PORT: int = _fake_defaults.DEFAULT_PORT
FAKE_API_KEY: str = _fake_defaults.DEFAULT_API_KEY
FAKE_PROCESSING_SECONDS: float = _fake_defaults.DEFAULT_PROCESSING_SECONDS
FAKE_UPLOAD_DURATION: float = _fake_defaults.DEFAULT_MEDIA_DURATION
FAKE_CHUNK_SIZE: int = _fake_defaults.DEFAULT_CHUNK_SIZE

EPILOG = """\
environment:
  TWELVELABS_API_KEY    your API key (required by the API commands; never printed)
  TWELVELABS_BASE_URL   the API's base URL (default https://api.twelvelabs.io/v1.3; the fake's is
                        http://127.0.0.1:PORT/v1.3)
  TWELVELABS_API        the default of --api: v2 (default) or legacy

exit codes:
  0 ok   1 API, network or file error   2 usage (bad flag, value or setting)   3 task failed
  4 --timeout passed   130 interrupted (Ctrl-C)   141 stdout closed early (| head)

stdout carries only results (ids, JSON, tables, embeddings with -o -); progress, status lines and
hints go to stderr. Every API command takes --json.
"""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class Segmentation(NamedTuple):
    """`--segmentation fixed:6` as parsed; the library checks the range when the request is built."""

    kind: Literal["fixed", "dynamic"]
    seconds: int
    text: str

    @staticmethod
    def rule() -> str:
        return "expected fixed:<2-10> or dynamic:<2-5>"


def _segmentation(value: str) -> Segmentation:
    """`fixed:6` or `dynamic:4`."""
    kind, _, number = value.partition(":")
    try:
        if kind == "fixed":
            return Segmentation("fixed", int(number), value)
        if kind == "dynamic":
            return Segmentation("dynamic", int(number), value)
    except ValueError:  # not a whole number
        pass
    raise argparse.ArgumentTypeError(f"{Segmentation.rule()}, got {value!r}")


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


def _non_negative(value: str) -> float:
    number = _finite(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds, got {value!r}")
    return number


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None


def _limit(value: str) -> int:
    number = _whole(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value!r}")
    return number


def _concurrency(value: str) -> int:
    number = _whole(value)
    if not 1 <= number <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_CONCURRENCY}, got {value!r}")
    return number


def _bytes(value: str) -> int:
    number = _whole(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 byte, got {value!r}")
    return number


def _chunk_size(value: str) -> int:
    """The fake's check (`check_chunk_size`), as `serve()` applies it."""
    try:
        return int(_fake_defaults.check_chunk_size(_whole(value)))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of bytes >= 1, got {value!r}") from None


def _port(value: str) -> int:
    number = _whole(value)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535 (0: any free port), got {value!r}")
    return number


def _version() -> str:
    try:
        return metadata.version("twelvelabs-embed")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _file(action: argparse.Action) -> None:
    action.complete = shtab.FILE  # type: ignore[attr-defined]  # read by shtab


def build_parser() -> Parser:
    parser = Parser(
        prog="twelvelabs-embed",
        description="Video and audio embeddings from the TwelveLabs Embed API (legacy video tasks and Embed v2).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    api = Parser(add_help=False)
    api.add_argument(
        "--api",
        choices=("legacy", "v2"),
        default=None,
        help=f"legacy video tasks (/embed/tasks) or Embed v2 tasks (/embed-v2/tasks); default: ${API_ENV}, else v2",
    )
    api.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a plain-http TWELVELABS_BASE_URL on a non-loopback host (sends the key unencrypted)",
    )
    as_json = Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON on stdout (JSON lines for lists)")

    def output(p: argparse.ArgumentParser, what: str) -> None:
        _file(
            p.add_argument(
                "-o",
                "--output",
                metavar="FILE",
                help=f"{what}: .json, .jsonl, .npy (+ FILE.segments.csv) or .parquet; - for stdout (JSON)",
            )
        )
        p.add_argument("--format", choices=FORMATS, help="output format (default: from the extension)")

    create = commands.add_parser(
        "create",
        parents=[api, as_json],
        help="create an embedding task",
        description="Create an embedding task and print its id on stdout. "
        "Legacy: a video from --file or --url. v2: audio or video from --file, --url, --base64-file or --asset-id "
        "(v2 --file: inline base64 up to 36 MB, else uploaded as an asset first, resumable).",
    )
    create.add_argument("-q", "--quiet", action="store_true", help="print only the task id; nothing on stderr")
    create.add_argument("--model", default="marengo3.0", help="model name (default marengo3.0)")
    source = create.add_argument_group("media (exactly one)")
    _file(
        source.add_argument(
            "--file",
            type=Path,
            help="local media file, any size up to the API's limit (v2: base64 up to 36 MB, else an asset upload)",
        )
    )
    source.add_argument("--url", help="public URL of the media")
    _file(source.add_argument("--base64-file", type=Path, help="v2: local file sent inline as base64 (at most 36 MB)"))
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
    create.add_argument("--dimension", type=_whole, help="v2 marengo3.5: embedding dimension")
    create.add_argument(
        "--uncertainty",
        action="store_true",
        default=None,
        help="v2 marengo3.5: also return per-value embedding uncertainty (needs --scope without asset)",
    )
    _file(
        create.add_argument(
            "--time-metadata",
            type=Path,
            metavar="JSON_FILE",
            help="v2 marengo3.5 with fused_embedding: a JSON list of {start, end, text}",
        )
    )
    create.add_argument(
        "--progress",
        action="store_true",
        help="--file: show the upload's byte bar even when stderr is not a terminal",
    )
    create.add_argument("--wait", action="store_true", help="wait for the task, with progress on stderr")
    create.add_argument("--timeout", type=_positive, help="with --wait: give up after this many seconds")
    output(create, "with --wait: write the embeddings here")

    status = commands.add_parser(
        "status",
        parents=[api, as_json],
        help="show a task's status",
        description="Print a task's status (and a failed task's reason). --json prints the task without its "
        "vectors; add --with-embeddings for them.",
    )
    status.add_argument("task_id", metavar="TASK_ID")
    status.add_argument("--with-embeddings", action="store_true", help="with --json: include the vectors")

    wait = commands.add_parser(
        "wait",
        parents=[api, as_json],
        help="wait for a task, with live progress",
        description="Poll a task until it is ready or failed, showing status, elapsed time and the next poll "
        "on stderr. Exit 0 when ready, 3 when failed, 4 after --timeout.",
    )
    wait.add_argument("task_id", metavar="TASK_ID")
    wait.add_argument("--timeout", type=_positive, help="give up after this many seconds (default 4 h)")

    get = commands.add_parser(
        "get",
        parents=[api, as_json],
        help="write a task's embeddings to a file (or stdout)",
        description="Write a ready task's embeddings as JSON, JSONL, .npy (with a <name>.segments.csv table) "
        "or Parquet; `-o -` writes JSON (or --format jsonl) to stdout. Files are written atomically.",
    )
    get.add_argument("task_id", metavar="TASK_ID")
    output(get, "output file")
    get.add_argument("--option", action="append", help="legacy: only these embedding options (repeatable)")

    listing = commands.add_parser(
        "list",
        parents=[api, as_json],
        help="list tasks, newest first",
        description="List tasks, newest first, as a table (id, status, age, input) or JSON lines.",
    )
    listing.add_argument("--status", choices=("processing", "ready", "failed"))
    listing.add_argument(
        "--limit", type=_limit, default=DEFAULT_LIMIT, help=f"at most this many tasks (default {DEFAULT_LIMIT})"
    )

    insecure = Parser(add_help=False)
    insecure.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a plain-http TWELVELABS_BASE_URL on a non-loopback host (sends the key unencrypted)",
    )
    assets = commands.add_parser(
        "assets",
        help="upload local media as assets (resumable), list, show and delete them",
        description="Assets are files stored by the platform; an Embed v2 task uses a ready one with "
        "`create --asset-id ID`. `assets upload FILE` uploads a file of any size (multipart and resumable "
        "above 200 MB) with a byte progress bar on stderr.",
    )
    asset_commands = assets.add_subparsers(
        dest="assets_command", required=True, metavar="ASSETS_COMMAND", parser_class=Parser
    )
    upload = asset_commands.add_parser(
        "upload",
        parents=[insecure, as_json],
        help="upload a local file and print the asset id",
        description="Upload FILE and print the asset id on stdout (--json: the asset). A byte bar (bytes, rate, "
        "ETA) shows on stderr when it is a terminal (--progress: always). Files over 200 MB go in chunks; "
        "after Ctrl-C, a crash or a network failure the same command resumes the upload, sending only the "
        "missing chunks. Then it waits until the asset is ready (--no-wait: returns once the file is sent). "
        "Exit 3 when the asset failed, 4 after --timeout.",
    )
    _file(upload.add_argument("file", metavar="FILE", type=Path, help="the local file (video, audio or image)"))
    upload.add_argument("-q", "--quiet", action="store_true", help="print only the asset id; nothing on stderr")
    upload.add_argument(
        "--wait",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="wait until the asset is ready (default); --no-wait returns once the file is uploaded",
    )
    upload.add_argument(
        "--concurrency",
        type=_concurrency,
        default=DEFAULT_CONCURRENCY,
        help=f"chunks sent at once, 1-{MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY})",
    )
    upload.add_argument("--timeout", type=_positive, help="with --wait: give up waiting after this many seconds")
    upload.add_argument("--progress", action="store_true", help="show the byte bar even when stderr is not a terminal")
    # For tests and experiments: files larger than this go multipart (default: the direct limit, 200 MB).
    upload.add_argument("--multipart-threshold", type=_bytes, help=argparse.SUPPRESS)

    asset_list = asset_commands.add_parser(
        "list",
        parents=[insecure, as_json],
        help="list assets, newest first",
        description="List assets, newest first, as a table (id, status, age, filename) or JSON lines.",
    )
    asset_list.add_argument(
        "--limit", type=_limit, default=DEFAULT_LIMIT, help=f"at most this many assets (default {DEFAULT_LIMIT})"
    )
    asset_get = asset_commands.add_parser(
        "get",
        parents=[insecure, as_json],
        help="show an asset",
        description="Print an asset's status, filename, size and duration (--json: the asset).",
    )
    asset_get.add_argument("asset_id", metavar="ASSET_ID")
    asset_wait = asset_commands.add_parser(
        "wait",
        parents=[insecure, as_json],
        help="wait until an asset is ready",
        description="Poll an asset until it is ready or failed, with its status on stderr. Exit 0 when ready, "
        "3 when failed, 4 after --timeout.",
    )
    asset_wait.add_argument("asset_id", metavar="ASSET_ID")
    asset_wait.add_argument("--timeout", type=_positive, help="give up after this many seconds (default 4 h)")
    asset_delete = asset_commands.add_parser(
        "delete",
        parents=[insecure, as_json],
        help="delete an asset (irreversible)",
        description="Delete an asset. The server refuses an asset that indexed assets reference unless --force.",
    )
    asset_delete.add_argument("asset_id", metavar="ASSET_ID")
    asset_delete.add_argument("--force", action="store_true", help="delete even an asset that is in use")

    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print the completion script for SHELL. bash: `source <(twelvelabs-embed completion bash)`; "
        'zsh: `twelvelabs-embed completion zsh > "${fpath[1]}/_twelvelabs-embed"`; '
        "fish: `twelvelabs-embed completion fish > ~/.config/fish/completions/twelvelabs-embed.fish`.",
    )
    completion.add_argument("shell", metavar="SHELL", choices=COMPLETION_SHELLS, help="bash, zsh or fish")

    batch = commands.add_parser(
        "batch",
        help="embed a folder, URL list or manifest into Parquet (resumable, rate-limit aware)",
        description="Embed a whole library: `twelvelabs-embed batch INPUT -o OUT`, `twelvelabs-embed batch "
        "status OUT`; `twelvelabs-embed batch --help` lists its options.",
    )
    batch.add_argument("arguments", nargs=argparse.REMAINDER, help="see `twelvelabs-embed batch --help`")

    fake = commands.add_parser(
        "fake-server",
        help="run the local fake Embed API (no API key needed)",
        description="Serve the stateful fake of the Embed API for local development. Point the CLI at it with "
        f"TWELVELABS_BASE_URL=http://127.0.0.1:PORT/v1.3 and TWELVELABS_API_KEY={FAKE_API_KEY} (or the --api-key "
        "given). It logs one line per request (method, path, status, time) on stderr unless --quiet.",
    )
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument(
        "--port", type=_port, default=FAKE_PORT, help=f"0-65535; 0 picks a free port (default {FAKE_PORT})"
    )
    fake.add_argument(
        "--api-key", default=FAKE_API_KEY, help=f"the key the fake accepts (default {FAKE_API_KEY}; '' for any key)"
    )
    fake.add_argument(
        "--processing-seconds",
        type=_non_negative,
        default=FAKE_PROCESSING_SECONDS,
        help=f"how long tasks stay processing, >= 0 (default {FAKE_PROCESSING_SECONDS:g})",
    )
    fake.add_argument(
        "--upload-duration",
        type=_positive,
        default=FAKE_UPLOAD_DURATION,
        help=f"media duration in seconds assumed for uploaded files (default {FAKE_UPLOAD_DURATION:g})",
    )
    fake.add_argument(
        "--chunk-size",
        type=_chunk_size,
        default=FAKE_CHUNK_SIZE,
        help=f"bytes per chunk of multipart asset uploads, >= 1 (default {FAKE_CHUNK_SIZE})",
    )
    fake.add_argument("--quiet", action="store_true", help="do not log each request on stderr")
    return parser
