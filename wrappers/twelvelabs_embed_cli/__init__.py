"""The `twelvelabs-embed` console script: takes over Ctrl-C before anything heavy is imported.

`import twelvelabs_embed` loads httpx, numpy and the generated models (a second or more on a cold
start). Python's own Ctrl-C handling would print a traceback if the user pressed Ctrl-C during that
import, so the console script enters here, with only the standard library loaded: Ctrl-C until the
CLI is ready ends the process at once with exit code 130 and the single line `interrupted`. The CLI
itself is `twelvelabs_embed.cli.main`, which installs its own handler as its first statement.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from types import FrameType

__all__ = ["main"]

INTERRUPTED = 130


def _interrupted(signum: int, frame: FrameType | None) -> None:
    with contextlib.suppress(OSError):
        os.write(2, b"interrupted\n")
    os._exit(INTERRUPTED)


def main() -> int:
    """Run `twelvelabs-embed` with the process arguments; returns the exit code."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupted)
    from twelvelabs_embed.cli import main as run

    code = run(sys.argv[1:])
    # The CLI restored `_interrupted`: a Ctrl-C while the interpreter shuts down ends quietly too.
    return code
