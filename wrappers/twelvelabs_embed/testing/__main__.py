"""`python -m twelvelabs_embed.testing [--host H] [--port N] [--api-key K] [--processing-seconds S] ...`:
serve the fake on wall-clock time until interrupted, logging each request to stderr."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TypeVar

from ._defaults import (
    AUDIO_METADATA_SPELLINGS,
    DEFAULT_API_KEY,
    DEFAULT_AUDIO_METADATA_SPELLING,
    DEFAULT_CHUNK_SIZE,
    DEFAULT_HOST,
    DEFAULT_MEDIA_DURATION,
    DEFAULT_PORT,
    DEFAULT_PROCESSING_SECONDS,
    check_chunk_size,
    check_duration,
    check_port,
    check_processing_seconds,
)

T = TypeVar("T")


def _checked(parse: Callable[[str], object], check: Callable[[object], T], what: str) -> Callable[[str], T]:
    """An argparse `type=`: parse the text, then apply the same check as `serve()` / `EmbedFake`."""

    def convert(text: str) -> T:
        try:
            return check(parse(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None

    convert.__name__ = what  # argparse names the type in some messages
    return convert


_port = _checked(int, check_port, "an integer port from 0 to 65535")
_processing = _checked(float, check_processing_seconds, "a finite number of seconds >= 0")
_chunk_size = _checked(int, check_chunk_size, "a whole number of bytes >= 1")
_duration = _checked(float, lambda value: check_duration(value, "duration"), "a finite number of seconds > 0")


def _rate(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of requests >= 0, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m twelvelabs_embed.testing", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"0 picks a free port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--api-key", default=DEFAULT_API_KEY, help=f"the accepted x-api-key; '' accepts any (default {DEFAULT_API_KEY})"
    )
    parser.add_argument(
        "--processing-seconds",
        type=_processing,
        default=DEFAULT_PROCESSING_SECONDS,
        help=f"how long tasks stay processing (default {DEFAULT_PROCESSING_SECONDS:g})",
    )
    parser.add_argument(
        "--media-duration",
        type=_duration,
        default=DEFAULT_MEDIA_DURATION,
        help=f"seconds of media whose length is not stated (default {DEFAULT_MEDIA_DURATION:g})",
    )
    parser.add_argument("--rate-limit", type=_rate, default=None, help="create requests per minute")
    parser.add_argument(
        "--audio-metadata-spelling",
        choices=AUDIO_METADATA_SPELLINGS,
        default=DEFAULT_AUDIO_METADATA_SPELLING,
        help="audio list metadata names: spec (audio_embedding_options) or sdk (audio_embedding_option)",
    )
    parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        default="warning",
        help="uvicorn's own log level (default warning)",
    )
    parser.add_argument(
        "--upload-port", type=_port, default=0, help="port of the upload origin for chunk PUTs (0: a free port)"
    )
    parser.add_argument(
        "--chunk-size",
        type=_chunk_size,
        default=DEFAULT_CHUNK_SIZE,
        help=f"bytes per chunk of multipart uploads (default {DEFAULT_CHUNK_SIZE})",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    from ._models import RateLimit
    from ._server import serve

    serve(
        args.host,
        args.port,
        api_key=args.api_key or None,
        processing_seconds=args.processing_seconds,
        rate_limit=None if args.rate_limit is None else RateLimit(args.rate_limit),
        url_duration=args.media_duration,
        upload_duration=args.media_duration,
        audio_metadata_spelling=args.audio_metadata_spelling,
        log_level=args.log_level,
        log_requests=not args.quiet,
        upload_port=args.upload_port,
        chunk_size=args.chunk_size,
    )


if __name__ == "__main__":
    main()
