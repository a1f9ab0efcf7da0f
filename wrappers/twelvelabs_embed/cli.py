"""The `twelvelabs-embed` command line lives in the package `twelvelabs_embed_cli`.

It is a separate top-level package so that the console script can take over Ctrl-C, print `--help`,
shell completions and usage errors without first importing this library (httpx, numpy, the models).
This module keeps `twelvelabs_embed.cli:main` and `python -m twelvelabs_embed.cli` working.
"""

from __future__ import annotations

import sys

from twelvelabs_embed_cli import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
