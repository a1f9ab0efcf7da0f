"""`twelvelabs-embed assets ...`: upload local media as assets (resumable), list, show, wait for and delete them.

Assets are not per API (an Embed v2 task uses one by id), so these commands talk to `client.assets` directly.
"""

from __future__ import annotations

import datetime as dt
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from twelvelabs_embed import ConflictError, NotFoundError, ValidationError, WaitTimeoutError
from twelvelabs_embed.limits import DIRECT_UPLOAD_MAX_BYTES
from twelvelabs_embed.models import Asset, AssetList, Unset

from ._commands import Session, age, table
from ._exits import CliError, Exit, UsageError
from ._messages import in_cli_words
from ._output import json_document
from ._progress import ByteBar, WaitProgress

__all__ = ["ASSET_COMMANDS"]

T = TypeVar("T")
PAGE_LIMIT_MAX = 50  # the largest page the list endpoint serves
# `assets.upload`'s default `multipart_threshold`, the documented direct-upload limit: larger files go in
# chunks, and only those resume (a direct upload is one request, sent again whole).


def _text(value: object) -> str | None:
    if value is None or isinstance(value, Unset):
        return None
    return str(getattr(value, "value", value))


def _reason(asset: Asset) -> str | None:
    error = asset.error
    message = getattr(error, "message", None)
    return None if message is None or isinstance(message, Unset) else str(message)


def _document(asset: Asset) -> dict[str, Any]:
    return asset.to_dict()


def _checked_id(asset_id: str, call: Callable[[], T]) -> T:
    """`call()`, with a malformed id reported as the ASSET_ID argument and a missing asset in plain words."""
    try:
        return call()
    except ValidationError as error:
        if error.field == "asset_id":
            raise UsageError("ASSET_ID", in_cli_words(error.rule)) from None
        raise
    except NotFoundError as error:
        if error.code != "resource_not_exist":
            raise
        raise CliError(f"no asset {asset_id} ({error})") from None


def _upload_command(session: Session) -> str:
    """The command that resumes this upload: the same one."""
    args = session.args
    words = ["twelvelabs-embed", "assets", "upload", str(args.file)]
    if not args.wait:
        words.append("--no-wait")
    return shlex.join(words)


def _wait_hint(asset_id: str) -> str:
    return f"the file is uploaded: wait for asset {asset_id} with `twelvelabs-embed assets wait {asset_id}`"


def _wait(session: Session, asset_id: str, timeout: float | None, *, show: bool) -> Asset:
    """Wait with the asset's status on stderr; exit 3 when it failed, 4 (with a hint) after `timeout`."""
    progress = WaitProgress(session.streams.err, asset_id, enabled=show, what="asset")
    session._sleep = progress.sleep
    session._resume[:] = [_wait_hint(asset_id)]
    try:
        asset = session.client.assets.wait(
            asset_id,
            timeout=timeout,
            on_poll=lambda seen: progress.polled(_text(seen.status) or "unknown"),
            raise_on_failure=False,
        )
    except WaitTimeoutError as error:
        raise CliError(in_cli_words(str(error)), Exit.WAIT_TIMEOUT, [_wait_hint(asset_id)]) from None
    finally:
        session._sleep = time.sleep
        progress.close()
    session._resume.clear()
    if _text(asset.status) == "failed":
        raise CliError(f"asset {asset_id} failed: {_reason(asset) or 'the server gave no reason'}", Exit.TASK_FAILED)
    return asset


def upload(session: Session) -> None:
    args = session.args
    if args.quiet and args.json:
        raise UsageError("-q", "prints only the id; --json prints the asset: choose one")
    if args.quiet and args.progress:
        raise UsageError("-q", "prints nothing on stderr; --progress draws the bar there: choose one")
    if args.timeout is not None and not args.wait:
        raise UsageError("--timeout", "applies only with --wait")
    path: Path = args.file
    if not path.is_file():
        reason = "file not found" if not path.exists() else "not a regular file"
        raise UsageError("FILE", f"{reason}: {str(path)!r}")
    bar = ByteBar(
        session.streams.err,
        path.name,
        enabled=args.progress or (session.streams.stderr_is_terminal and not args.quiet),
    )
    options: dict[str, Any] = {}
    if args.multipart_threshold is not None:
        options["multipart_threshold"] = args.multipart_threshold
    chunked = path.stat().st_size > options.get("multipart_threshold", DIRECT_UPLOAD_MAX_BYTES)
    session._resume[:] = [
        f"run `{_upload_command(session)}` again to resume the upload where it stopped"
        if chunked
        else f"run `{_upload_command(session)}` again to upload the file"
    ]
    try:
        asset_id = session.client.assets.upload(
            path, on_progress=bar.update, concurrency=args.concurrency, wait=False, **options
        )
    finally:
        bar.close()
    session._resume.clear()
    session.streams.note(f"uploaded {path.name} as asset {asset_id}")
    if args.wait:
        asset = _wait(session, asset_id, args.timeout, show=not args.quiet)
        session.streams.note(f"asset {asset_id} is {_text(asset.status)}")
    elif args.json:
        asset = session.client.assets.retrieve(asset_id)
    if args.json:
        session.streams.out(json_document(_document(asset)).decode())
    else:
        session.streams.out(asset_id)


def _listed(session: Session, limit: int) -> tuple[list[Asset], int | None]:
    """Up to `limit` assets, newest first, and how many there are in all (when the server says)."""
    assets = session.client.assets
    first: AssetList = assets.list(page=1, page_limit=min(limit, PAGE_LIMIT_MAX))
    items = [] if isinstance(first.data, Unset) or first.data is None else list(first.data)
    info = first.page_info
    total = getattr(info, "total_results", None)
    total = total if isinstance(total, int) and not isinstance(total, bool) else None
    if limit > PAGE_LIMIT_MAX and len(items) == PAGE_LIMIT_MAX and (total is None or total > PAGE_LIMIT_MAX):
        items = list(assets.iter(page_limit=PAGE_LIMIT_MAX, max_items=limit))
    return items[:limit], total


def list_assets(session: Session) -> None:
    args = session.args
    items, total = _listed(session, args.limit)
    if not items:
        session.streams.note("no assets")
    elif args.json:
        for item in items:
            session.streams.out(json_document(_document(item)).decode())
    else:
        now = dt.datetime.now(dt.UTC)
        rows = [("ID", "STATUS", "AGE", "FILENAME")]
        for item in items:
            created = item.created_at if isinstance(item.created_at, dt.datetime) else None
            rows.append((item.id, _text(item.status) or "unknown", age(created, now), _text(item.filename) or "-"))
        for line in table(rows):
            session.streams.out(line)
    shown = len(items)
    if total is not None and total > shown:
        session.streams.note(f"{total - shown} more: use --limit {total} to list them all")
    elif total is None and shown == args.limit:
        session.streams.note("there may be more: use a larger --limit")


def get(session: Session) -> None:
    args = session.args
    asset = _checked_id(args.asset_id, lambda: session.client.assets.retrieve(args.asset_id))
    if args.json:
        session.streams.out(json_document(_document(asset)).decode())
        return
    line = f"asset {asset.id}: {_text(asset.status) or 'unknown'}"
    if (reason := _reason(asset)) is not None:
        line += f" ({reason})"
    session.streams.out(line)
    details = [
        ("filename", _text(asset.filename)),
        ("size", None if not isinstance(asset.size, int) else f"{asset.size} bytes"),
        ("duration", None if not isinstance(asset.duration, int | float) else f"{asset.duration:g} s"),
        ("created", None if not isinstance(asset.created_at, dt.datetime) else asset.created_at.isoformat()),
    ]
    for name, value in details:
        if value is not None:
            session.streams.out(f"{name}: {value}")


def wait(session: Session) -> None:
    args = session.args
    _checked_id(args.asset_id, lambda: session.client.assets.retrieve(args.asset_id))  # a wrong id: say so first
    asset = _wait(session, args.asset_id, args.timeout, show=True)
    session.streams.note(f"asset {asset.id} is {_text(asset.status)}")
    if args.json:
        session.streams.out(json_document(_document(asset)).decode())


def delete(session: Session) -> None:
    args = session.args
    try:
        _checked_id(args.asset_id, lambda: session.client.assets.delete(args.asset_id, force=args.force))
    except ConflictError as error:
        raise CliError(f"asset {args.asset_id} is in use: {error}", hints=["add --force to delete it anyway"]) from None
    session.streams.note(f"deleted asset {args.asset_id}")
    if args.json:
        session.streams.out(json_document({"id": args.asset_id, "deleted": True}).decode())


ASSET_COMMANDS: dict[str, Callable[[Session], None]] = {
    "upload": upload,
    "list": list_assets,
    "get": get,
    "wait": wait,
    "delete": delete,
}
