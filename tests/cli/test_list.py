"""`list`: plain and --json output, --status, --limit and --api legacy, on a fake of its own (exact counts)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import FakeServer, start_fake

PLAIN_ROW = re.compile(r"^(?P<id>\S+)  (?P<status>\S+) +  (?P<created>\S+)$")


@dataclass(frozen=True)
class Listed:
    server: FakeServer
    v2_newest_first: list[str]  # ids of the v2 tasks, newest first
    v2_status: dict[str, str]
    legacy: str


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Listed]:
    """A fake (tasks finish at once) holding three v2 tasks (ready, failed, ready) and one legacy task."""
    server = start_fake(Path(tmp_path_factory.mktemp("list-fake")), "list", 0)
    try:
        with server.client() as client:
            first = client.v2.tasks.create(input_type="video", url="https://media.example.com/1.mp4").id
            failed = client.v2.tasks.create(input_type="audio", url="https://media.example.com/2.mp3?fail=x").id
            last = client.v2.tasks.create(input_type="video", asset_id="asset-3").id
            legacy = client.legacy.tasks.create(video_url="https://media.example.com/4.mp4").id
        statuses = {first: "ready", failed: "failed", last: "ready"}
        yield Listed(server, [last, failed, first], statuses, legacy)
    finally:
        server.process.stop()


def _json_ids(stdout: str) -> list[str]:
    return [json.loads(line)["_id"] for line in stdout.splitlines()]


def test_list_plain(listed: Listed) -> None:
    """Plain `list` prints one `id  status  created_at` row per task, newest first, then a count."""
    result = listed.server.cli("list").ok()
    rows = [PLAIN_ROW.match(line) for line in result.lines[:-1]]
    assert all(rows), result.stdout
    assert [r.group("id") for r in rows if r] == listed.v2_newest_first
    assert {r.group("id"): r.group("status") for r in rows if r} == listed.v2_status
    assert all(r.group("created").endswith("+00:00") for r in rows if r)
    assert result.lines[-1] == "3 task(s)"


def test_list_json(listed: Listed) -> None:
    """`list --json` prints one JSON object per task (JSON lines), newest first, and no count."""
    result = listed.server.cli("list", "--json").ok()
    documents = [json.loads(line) for line in result.lines]
    assert [d["_id"] for d in documents] == listed.v2_newest_first
    assert {d["_id"]: d["status"] for d in documents} == listed.v2_status
    created = [d["created_at"] for d in documents]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("status", ["ready", "failed", "processing"])
def test_list_status_filter(listed: Listed, status: str) -> None:
    """`--status` lists only the tasks in that status."""
    expected = [i for i in listed.v2_newest_first if listed.v2_status[i] == status]
    assert _json_ids(listed.server.cli("list", "--status", status, "--json").ok().stdout) == expected


def test_list_limit(listed: Listed) -> None:
    """`--limit 2` stops after the two newest tasks."""
    result = listed.server.cli("list", "--limit", "2").ok()
    assert [line.split()[0] for line in result.lines[:-1]] == listed.v2_newest_first[:2]
    assert result.lines[-1] == "2 task(s)"


def test_list_legacy(listed: Listed) -> None:
    """`list --api legacy` lists the legacy tasks only."""
    assert _json_ids(listed.server.cli("list", "--api", "legacy", "--json").ok().stdout) == [listed.legacy]
