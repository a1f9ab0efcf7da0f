"""The batch part of `make demo`: a folder of generated media and a URL list, embedded into Parquet."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from rich.console import Console

from .._polling import PollPolicy
from ._engine import BatchResult, run

__all__ = ["demo"]

DEMO_URLS = """\
# One URL per line; the local fake reads a media's duration from `duration=`.
https://example.com/library/lecture.mp4?duration=95
https://example.com/library/interview.mp4?duration=48
https://example.com/library/podcast.mp3?duration=30
"""


def _media(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2026)
    for number in range(1, 5):
        path = folder / f"clip-{number:02d}.mp4"
        if not path.exists():
            path.write_bytes(rng.integers(0, 256, 96 * 1024, dtype=np.uint8).tobytes())
    copy = folder / "clip-01-copy.mp4"  # the same bytes as clip-01: embedded once, reused
    if not copy.exists():
        copy.write_bytes((folder / "clip-01.mp4").read_bytes())
    voice = folder / "voice.wav"
    if not voice.exists():
        voice.write_bytes(rng.integers(0, 256, 48 * 1024, dtype=np.uint8).tobytes())


def demo(
    folder: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    console: Console | None = None,
) -> BatchResult:
    """Generate `folder/media/` (6 files, two with the same bytes) and `folder/urls.txt` (3 URLs), embed
    them all into `folder/batch-out/` (v2 tasks), and print the summary and what `batch.load` reads back."""
    from ._cli import render
    from ._store import load

    root = Path(folder)
    out = console or Console(highlight=False, soft_wrap=True, markup=False)
    media, urls = root / "media", root / "urls.txt"
    _media(media)
    urls.write_text(DEMO_URLS, encoding="utf-8")
    poll = PollPolicy(initial_interval=0.5, multiplier=1.5, max_interval=2.0, jitter=0.1)
    result = run([media, urls], root / "batch-out", api_key=api_key, base_url=base_url, concurrency=8, poll=poll)
    render(result, out, title="demo batch")
    matrix, segments = load(root / "batch-out", numpy=True)
    sources = len(set(segments.column("source").to_pylist()))
    out.print(f"batch.load: {matrix.shape[0]} vectors x {matrix.shape[1]} dims from {sources} sources")
    return result
