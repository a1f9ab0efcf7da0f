"""`python -m twelvelabs_embed.testing [--host H] [--port N] [--api-key K] [--processing-seconds S]`: serve the fake."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ._fake import DEFAULT_API_KEY
from ._models import DEFAULT_MEDIA_DURATION, RateLimit
from ._server import DEFAULT_PORT, serve


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m twelvelabs_embed.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the accepted x-api-key ('' accepts any key)")
    parser.add_argument("--processing-seconds", type=float, default=5.0)
    parser.add_argument("--media-duration", type=float, default=DEFAULT_MEDIA_DURATION)
    parser.add_argument("--rate-limit", type=int, default=None, help="create requests per minute")
    parser.add_argument("--upload-port", type=int, default=0, help="port of the upload origin (0: a free port)")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    serve(
        args.host,
        args.port,
        api_key=args.api_key or None,
        processing_seconds=args.processing_seconds,
        rate_limit=None if args.rate_limit is None else RateLimit(args.rate_limit),
        url_duration=args.media_duration,
        upload_duration=args.media_duration,
        log_level=args.log_level,
        upload_port=args.upload_port,
    )


if __name__ == "__main__":
    main()
