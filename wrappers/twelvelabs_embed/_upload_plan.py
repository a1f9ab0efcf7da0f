"""The plan of an upload, shared by the sync and async uploaders (no network I/O): which path a file takes,
how it is cut into chunks, which presigned URL serves which chunk, and the local state file that lets an
interrupted multipart upload resume.

The state file is a small JSON document per local file (keyed by the file's absolute path) in
`state_dir` (default: the user's cache directory, `twelvelabs_embed/uploads`). It records the session
(upload id, asset id, chunking, the headers every chunk PUT must carry) and the file as it was when the
upload started (size, mtime_ns and a cheap fingerprint: sha256 of the size, the first and the last MiB).
A file that changed in any of these starts a new upload. It also keeps the ETags of chunks sent but not
yet reported, so a resumed upload reports them instead of sending them again. It holds no secret (the API
key is never written) and is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ._errors import ValidationError

__all__ = [
    "DIRECT_UPLOAD_MAX_BYTES",
    "MAX_REPORT_BATCH",
    "MAX_URLS_PER_REQUEST",
    "MULTIPART_MAX_BYTES",
    "Chunk",
    "FileIdentity",
    "UploadState",
    "UrlBook",
    "chunks_of",
    "default_state_dir",
    "identify",
    "media_kind",
    "state_file",
]

MiB = 1024 * 1024
#: The documented limit of a direct upload (`POST /assets`, video and audio: 200 MB). "MB" is not defined
#: as decimal or binary (assets-api.md §5), so the smaller reading is taken: a file between the two goes
#: multipart, which works either way.
DIRECT_UPLOAD_MAX_BYTES = 200 * 1000 * 1000
#: The largest multipart upload of video and audio (10 GB, newest sources; taken here as 10 GiB, the bound
#: the spec's schema states; the server refuses what it does not take).
MULTIPART_MAX_BYTES = 10 * 1024 * MiB
#: At most 50 URLs per `presigned-urls` call and 50 chunks per report (assets-api.md §4.3, §4.5).
MAX_URLS_PER_REQUEST = 50
MAX_REPORT_BATCH = 50
#: Bytes read from each end of a file for its fingerprint.
FINGERPRINT_BYTES = MiB
STATE_VERSION = 1

Kind = Literal["video", "audio", "image", "document"]

mimetypes.add_type("text/markdown", ".md")


def media_kind(path: Path) -> Kind | None:
    """`video`, `audio`, `image` or `document` from the file's extension; None when it cannot be told."""
    guessed = mimetypes.guess_type(path.name, strict=False)[0] or ""
    major = guessed.split("/", 1)[0]
    if major in ("video", "audio", "image"):
        return major  # type: ignore[return-value]
    if guessed in ("application/pdf", "text/plain", "text/markdown"):
        return "document"
    return None


@dataclass(frozen=True)
class FileIdentity:
    """A local file as an upload saw it: the same path with another identity is another file."""

    path: str
    size: int
    mtime_ns: int
    fingerprint: str


def identify(path: Path) -> FileIdentity:
    """The identity of the regular file at `path` (its absolute path, size, mtime and fingerprint)."""
    absolute = path.expanduser().resolve()
    try:
        info = absolute.stat()
        digest = hashlib.sha256(str(info.st_size).encode())
        with absolute.open("rb") as handle:
            digest.update(handle.read(FINGERPRINT_BYTES))
            if info.st_size > FINGERPRINT_BYTES:
                handle.seek(max(info.st_size - FINGERPRINT_BYTES, FINGERPRINT_BYTES))
                digest.update(handle.read(FINGERPRINT_BYTES))
    except OSError as exc:
        raise ValidationError("path", f"cannot read {str(path)!r}: {exc.strerror}", str(path)) from exc
    return FileIdentity(str(absolute), info.st_size, info.st_mtime_ns, digest.hexdigest())


@dataclass(frozen=True)
class Chunk:
    """One chunk of a session: `index` (1-based), its byte `offset` in the file and its `length`."""

    index: int
    offset: int
    length: int


def chunks_of(total_size: int, chunk_size: int, total_chunks: int) -> list[Chunk]:
    """The chunks the server's chunking gives; a server whose numbers do not add up is refused."""
    if chunk_size < 1 or total_chunks < 1 or -(-total_size // chunk_size) != total_chunks:
        raise ValidationError(
            "chunk_size",
            f"the server chose chunk_size={chunk_size}, total_chunks={total_chunks} for {total_size} bytes, "
            "which do not add up",
        )
    return [Chunk(i + 1, i * chunk_size, min(chunk_size, total_size - i * chunk_size)) for i in range(total_chunks)]


# ---------------------------------------------------------------- the state file
def default_state_dir() -> Path:
    """Where state files go by default: the user's cache directory, `twelvelabs_embed/uploads`."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "twelvelabs_embed" / "uploads"


def state_file(state_dir: Path, absolute_path: str) -> Path:
    """The state file of the local file at `absolute_path`."""
    return state_dir / (hashlib.sha256(absolute_path.encode()).hexdigest()[:32] + ".json")


@dataclass
class UploadState:
    """What a multipart upload keeps on disk to resume (see the module docstring)."""

    path: str
    size: int
    mtime_ns: int
    fingerprint: str
    upload_id: str
    asset_id: str
    chunk_size: int
    total_chunks: int
    filename: str
    upload_headers: dict[str, str]
    #: ETags of chunks sent but not yet reported, by chunk index.
    etags: dict[int, str] = field(default_factory=dict)
    version: int = STATE_VERSION

    def matches(self, identity: FileIdentity) -> bool:
        return (self.path, self.size, self.mtime_ns, self.fingerprint) == (
            identity.path,
            identity.size,
            identity.mtime_ns,
            identity.fingerprint,
        )

    def to_json(self) -> str:
        data = asdict(self)
        data["etags"] = {str(k): v for k, v in sorted(self.etags.items())}
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> UploadState | None:
        """The state in `text`, or None when it is not a state this version wrote (then it is ignored)."""
        try:
            data: Any = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
                return None
            state = cls(
                path=str(data["path"]),
                size=int(data["size"]),
                mtime_ns=int(data["mtime_ns"]),
                fingerprint=str(data["fingerprint"]),
                upload_id=str(data["upload_id"]),
                asset_id=str(data["asset_id"]),
                chunk_size=int(data["chunk_size"]),
                total_chunks=int(data["total_chunks"]),
                filename=str(data["filename"]),
                upload_headers={str(k): str(v) for k, v in dict(data["upload_headers"]).items()},
                etags={int(k): str(v) for k, v in dict(data.get("etags") or {}).items()},
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return state

    # -------------------------------------------------------- disk
    @staticmethod
    def load(path: Path) -> UploadState | None:
        """The state at `path`; None when there is none or it cannot be read (a broken file is ignored)."""
        try:
            return UploadState.from_json(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None

    def save(self, path: Path) -> None:
        """Write atomically; a state that cannot be written only costs resumability, so errors are typed."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(self.to_json())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ValidationError(
                "state_dir", f"cannot write the upload state to {str(path.parent)!r}: {exc.strerror}"
            ) from exc

    @staticmethod
    def remove(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------- presigned URLs
class UrlBook:
    """The presigned URL of each chunk not yet sent. A URL is used for one attempt: after a failure, or an
    expiry, it is forgotten and a fresh one is requested (documented as single-use, valid one hour).

    URLs are kept with the generation of the answer that brought them: when one expires, every URL of that
    generation or an older one is forgotten too (they were issued no later, so they expire no later).
    """

    def __init__(self, total_chunks: int) -> None:
        self.total_chunks = total_chunks
        self._urls: dict[int, tuple[str, int]] = {}
        self._generation = 0

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        self._generation += 1
        for index, url in items:
            if 1 <= index <= self.total_chunks and url:
                self._urls[index] = (url, self._generation)

    def get(self, index: int) -> tuple[str, int] | None:
        """(url, generation) of chunk `index`, or None when it has none."""
        return self._urls.get(index)

    def forget(self, index: int) -> None:
        self._urls.pop(index, None)

    def expired(self, generation: int) -> None:
        """A URL of `generation` expired: forget it and every URL issued with or before it."""
        self._urls = {i: entry for i, entry in self._urls.items() if entry[1] > generation}

    def span(self, index: int, wanted: Iterable[int]) -> tuple[int, int]:
        """(start, count) of the `presigned-urls` request that serves chunk `index`: it and the chunks right
        after it that are still `wanted` and have no URL, at most `MAX_URLS_PER_REQUEST`."""
        want = set(wanted)
        count = 1
        while (
            count < MAX_URLS_PER_REQUEST
            and index + count <= self.total_chunks
            and index + count in want
            and (index + count) not in self._urls
        ):
            count += 1
        return index, count
