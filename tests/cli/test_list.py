"""`list`: the table, --json lines, --status, --limit with its "N more" note, paging past 50, --api legacy and
TWELVELABS_API, on a fake of its own (exact counts)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import FakeServer, start_fake

ROW = re.compile(r"^(?P<id>[0-9a-f]{24})  (?P<status>ready |failed) +(?P<age>just now|\d+[smhd] ago) +(?P<input>\S+)$")
HEADER = re.compile(r"^ID {24}STATUS  AGE +INPUT$")
EXTRA_TASKS = 52  # more than one page of 50


@dataclass(frozen=True)
class Listed:
    server: FakeServer
    v2_newest_first: list[str]  # ids of the first three v2 tasks, newest first
    v2_status: dict[str, str]
    v2_input: dict[str, str]
    legacy: str
    bulk_newest_first: list[str]  # ids of the bulk tasks created after them, newest first


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Listed]:
    """A fake (tasks finish at once) holding three v2 tasks (ready, failed, ready), one legacy task, then 52
    more v2 tasks (so that the newest 3 are bulk tasks)."""
    server = start_fake(Path(tmp_path_factory.mktemp("list-fake")), "list", 0)
    try:
        with server.client() as client:
            first = client.v2.tasks.create(input_type="video", url="https://media.example.com/1.mp4").id
            failed = client.v2.tasks.create(input_type="audio", url="https://media.example.com/2.mp3?fail=x").id
            last = client.v2.tasks.create(input_type="video", url="https://media.example.com/3.mp4").id
            legacy = client.legacy.tasks.create(video_url="https://media.example.com/4.mp4").id
            bulk = [
                client.v2.tasks.create(input_type="video", url=f"https://media.example.com/b{i}.mp4").id
                for i in range(EXTRA_TASKS)
            ]
        statuses = {first: "ready", failed: "failed", last: "ready"}
        inputs = {
            first: "https://media.example.com/1.mp4",
            failed: "https://media.example.com/2.mp3?fail=x",
            last: "https://media.example.com/3.mp4",
        }
        yield Listed(server, [last, failed, first], statuses, inputs, legacy, bulk[::-1])
    finally:
        server.process.stop()


def _json_ids(stdout: str) -> list[str]:
    return [json.loads(line)["_id"] for line in stdout.splitlines()]


def test_list_table(listed: Listed) -> None:
    """Plain `list` prints a header and one aligned row per task (id, status, age, input) on stdout, newest
    first; the count of the tasks not shown goes to stderr as "N more: use --limit"."""
    result = listed.server.cli("list", "--limit", "60").ok()
    assert HEADER.match(result.lines[0]), result.lines[0]
    rows = [ROW.match(line) for line in result.lines[1:]]
    assert all(rows), result.stdout
    ids = [r.group("id") for r in rows if r]
    assert ids == listed.bulk_newest_first + listed.v2_newest_first
    header = result.lines[0]
    columns = {name: header.index(name) for name in ("STATUS", "AGE", "INPUT")}
    by_id = {line[:24]: line for line in result.lines[1:]}
    for task_id, line in by_id.items():  # every cell starts under its header
        assert line[columns["STATUS"] - 2 : columns["STATUS"]] == "  " and line[columns["STATUS"]] != " ", line
        assert line[columns["AGE"] - 2 : columns["AGE"]] == "  " and line[columns["AGE"]] != " ", line
        assert task_id not in listed.v2_input or line[columns["INPUT"] :] == listed.v2_input[task_id], line
    assert {i: by_id[i][columns["STATUS"] :].split()[0] for i in listed.v2_status} == listed.v2_status
    assert result.stderr == ""  # nothing more to list


def test_list_limit_says_how_many_more(listed: Listed) -> None:
    """`--limit 2` lists the two newest tasks and says on stderr how many more there are and what to type."""
    result = listed.server.cli("list", "--limit", "2").ok()
    assert [line.split()[0] for line in result.lines[1:]] == listed.bulk_newest_first[:2]
    total = EXTRA_TASKS + 3
    assert result.err_lines == [f"{total - 2} more: use --limit {total} to list them all"]


def test_list_default_limit_is_20(listed: Listed) -> None:
    """Without --limit, `list --json` prints 20 tasks and says how many more exist."""
    result = listed.server.cli("list", "--json").ok()
    assert _json_ids(result.stdout) == listed.bulk_newest_first[:20]
    assert result.err_lines == [f"{EXTRA_TASKS + 3 - 20} more: use --limit {EXTRA_TASKS + 3} to list them all"]


def test_list_json_pages_past_50(listed: Listed) -> None:
    """`list --json --limit 54` (more than one page of 50) prints JSON lines, newest first, from two pages."""
    result = listed.server.cli("list", "--json", "--limit", "54").ok()
    documents = [json.loads(line) for line in result.lines]
    assert [d["_id"] for d in documents] == (listed.bulk_newest_first + listed.v2_newest_first)[:54]
    created = [d["created_at"] for d in documents]
    assert created == sorted(created, reverse=True)
    assert result.err_lines == ["1 more: use --limit 55 to list them all"]


@pytest.mark.parametrize("status", ["failed", "processing"])
def test_list_status_filter(listed: Listed, status: str) -> None:
    """`--status` lists only the tasks in that status."""
    expected = [i for i in listed.v2_newest_first if listed.v2_status[i] == status]
    result = listed.server.cli("list", "--status", status, "--json").ok()
    assert _json_ids(result.stdout) == expected
    if not expected:
        assert result.err_lines == [f"no {status} v2 tasks"]


def test_list_legacy(listed: Listed) -> None:
    """`list --api legacy` lists the legacy tasks only, and TWELVELABS_API=legacy makes legacy the default."""
    assert _json_ids(listed.server.cli("list", "--api", "legacy", "--json").ok().stdout) == [listed.legacy]
    by_env = listed.server.cli("list", "--json", env={"TWELVELABS_API": "legacy"}).ok()
    assert _json_ids(by_env.stdout) == [listed.legacy]
