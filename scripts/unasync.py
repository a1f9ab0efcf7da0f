"""Write the sync client (`_sync/`) from the async source (`_async/`), or check that it is current.

    python scripts/unasync.py           # regenerate (`make generate`)
    python scripts/unasync.py --check   # fail on any difference (`make check-generated`)
    python scripts/unasync.py [--check] --target DIR   # the same for a copy of `_sync/` at DIR (tests)

The approach of encode/httpcore's `scripts/unasync.py`: an explicit, ordered list of token
substitutions applied with word boundaries, and a failure when a rule is never used (a rule nobody
needs is a rule nobody reviews). The output is then sorted and formatted by the project's pinned
ruff, the way `generated/` is, so the twin reads like handwritten code; each file starts with a
one-line "do not edit" header. Edit `_async/`, never `_sync/`.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wrappers" / "twelvelabs_embed"
SOURCE = PACKAGE / "_async"
TARGET = PACKAGE / "_sync"
HEADER = "# Generated from _async/{name} by scripts/unasync.py; do not edit.\n"

# (pattern, replacement), applied in this order; `\b` boundaries are added around each pattern.
SUBSTITUTIONS: list[tuple[str, str]] = [
    ("AsyncIterator", "Iterator"),
    ("AsyncByteStream", "SyncByteStream"),  # httpx's names: `httpx.ByteStream` is something else
    ("AnyIOBackend", "SyncBackend"),  # httpcore's network backends
    ("StopAsyncIteration", "StopIteration"),
    ("DEFAULT_ASYNC_SLEEP", "DEFAULT_SLEEP"),
    ("Async([A-Z][A-Za-z0-9_]*)", r"\1"),  # AsyncEmbedClient, httpx.AsyncClient, AsyncSleep, AsyncTasks, ...
    ("async def", "def"),
    ("async for", "for"),
    ("async with", "with"),
    ("await ", ""),
    ("aclose", "close"),
    ("aiter_bytes", "iter_bytes"),
    ("handle_async_request", "handle_request"),
    ("__aiter__", "__iter__"),
    ("__anext__", "__next__"),
    ("__aenter__", "__enter__"),
    ("__aexit__", "__exit__"),
    ("anotify", "notify"),
    ("asynchronous", "synchronous"),
]
COMPILED = [
    (re.compile(rf"\b{pattern}" if pattern.endswith(" ") else rf"\b{pattern}\b"), replacement)
    for pattern, replacement in SUBSTITUTIONS
]
# What the renaming can leave for ruff to tidy: import order, unused imports, `__all__` order, and
# `for x in y: yield x`, which only sync code can write as `yield from y`.
RUFF_FIXES = ["check", "--fix-only", "--unsafe-fixes", "--select", "I,F401,RUF022,UP028", "--quiet", "--no-cache"]


def unasync_text(text: str, used: set[int]) -> str:
    for index, (pattern, replacement) in enumerate(COMPILED):
        text, count = pattern.subn(replacement, text)
        if count:
            used.add(index)
    return text


def _ruff(args: list[str], text: str, name: str) -> str:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), *args, "--stdin-filename", str(TARGET / name), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode not in (0, 1) or not result.stdout:
        raise SystemExit(f"ruff {' '.join(args)} failed on {name}:\n{result.stderr}")
    return result.stdout


def render() -> dict[str, str]:
    """The sync package's files, by name, as they should be."""
    used: set[int] = set()
    files: dict[str, str] = {}
    for path in sorted(SOURCE.glob("*.py")):
        text = unasync_text(path.read_text(), used)
        text = _ruff(RUFF_FIXES, text, path.name)
        text = _ruff(["format", "--quiet", "--no-cache"], text, path.name)
        files[path.name] = HEADER.format(name=path.name) + text
    unused = [SUBSTITUTIONS[i][0] for i in range(len(SUBSTITUTIONS)) if i not in used]
    if unused:
        raise SystemExit(f"unasync rules never used (remove them, or they hide a mistake): {unused}")
    return files


def check(target: Path) -> int:
    want = render()
    have = {p.name: p.read_text() for p in sorted(target.glob("*.py"))} if target.exists() else {}
    problems: list[str] = []
    for name in sorted(want.keys() | have.keys()):
        if name not in have:
            problems.append(f"missing: {target.name}/{name}")
        elif name not in want:
            problems.append(f"not produced from _async/ (delete it): {target.name}/{name}")
        elif want[name] != have[name]:
            diff = difflib.unified_diff(
                have[name].splitlines(keepends=True),
                want[name].splitlines(keepends=True),
                f"{target.name}/{name}",
                "unasync",
            )
            problems.append("".join(diff))
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        sys.stderr.write(
            "_sync/ differs from what scripts/unasync.py writes from _async/.\n"
            "Edit _async/ (never _sync/), then run `make generate` and commit the result.\n"
        )
        return 1
    print(f"{target.name}/ is up to date with _async/ ({len(want)} files)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the target differs from the generated text")
    parser.add_argument("--target", type=Path, default=TARGET, metavar="DIR", help="the sync package directory")
    args = parser.parse_args()
    target: Path = args.target.resolve()
    if args.check:
        return check(target)
    files = render()
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.py"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (target / name).write_text(text)
    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}/ from _async/ ({len(files)} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
