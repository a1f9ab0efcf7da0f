"""Messages in the CLI's own words: which API a task belongs to, the URL of a 404 that looks like a wrong base
URL, --allow-insecure-http, and an API key with control characters that is refused without being echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._support import API_KEY, run_cli
from .conftest import FakeServer, Tasks

MISSING = "6b00000000000000000000ff"


@pytest.mark.parametrize("command", ["status", "wait", "get"])
def test_a_legacy_id_asked_of_v2_names_its_api(fake: FakeServer, tasks: Tasks, tmp_path: Path, command: str) -> None:
    """`status`/`wait`/`get` of a legacy task id without `--api legacy` exits 1 saying it is a legacy task, with
    a hint naming the flag and the environment variable; `get` writes nothing."""
    extra = ["-o", str(tmp_path / "x.json")] if command == "get" else []
    line, hints = fake.cli(command, tasks.legacy_ready, *extra).error(1)
    assert line == f"error: task {tasks.legacy_ready} is not a v2 task: it is a legacy task"
    assert hints == ["add --api legacy (or set TWELVELABS_API=legacy to make it the default)"]
    assert list(tmp_path.iterdir()) == []


def test_a_v2_id_asked_of_legacy_by_default(fake: FakeServer, tasks: Tasks) -> None:
    """With TWELVELABS_API=legacy as the default, a v2 task id is reported as a v2 task, with the flag to use."""
    line, hints = fake.cli("status", tasks.v2_ready, env={"TWELVELABS_API": "legacy"}).error(1)
    assert line == f"error: task {tasks.v2_ready} is not a legacy task: it is a v2 task"
    assert hints == ["add --api v2 (or set TWELVELABS_API=v2 to make it the default)"]


def test_an_id_on_neither_api(fake: FakeServer) -> None:
    """An id that neither API knows exits 1 with one line saying both were asked, and the server's answer."""
    line, hints = fake.cli("status", MISSING).error(1)
    assert line.startswith(f"error: no task {MISSING}: neither the v2 nor the legacy API has it (HTTP 404 "), line
    assert hints == []


@pytest.mark.parametrize(
    ("args", "path"),
    [(["list"], "/embed-v2/tasks?page=1&page_limit=20"), (["status", "--api", "legacy", MISSING], "/embed/tasks/")],
    ids=["list", "legacy-status"],
)
def test_a_base_url_without_the_version_shows_the_url(fake: FakeServer, args: list[str], path: str) -> None:
    """A base URL without `/v1.3` makes the server answer 404 for the path itself: the error shows the method and
    full URL, and a hint says what the base URL should end with."""
    root = fake.base_url.removesuffix("/v1.3")
    result = run_cli(args, base_url=root)
    line, hints = result.error(1)
    assert line.startswith("error: HTTP 404 ") and f" for GET {root}{path}" in line, line
    assert hints == [
        "is TWELVELABS_BASE_URL right? The API's base URL ends with its version: https://api.twelvelabs.io/v1.3 "
        "(the fake's: http://127.0.0.1:PORT/v1.3)"
    ]


def test_allow_insecure_http(fake: FakeServer) -> None:
    """Plain http to a host that is not loopback is refused (exit 2) naming --allow-insecure-http, and accepted
    with it (0.0.0.0 is not a loopback address, yet reaches the local fake)."""
    base_url = fake.base_url.replace("127.0.0.1", "0.0.0.0")
    line, _ = run_cli(["list"], base_url=base_url).error(2)
    assert "--allow-insecure-http" in line and "allow_insecure_http" not in line
    assert run_cli(["list", "--allow-insecure-http"], base_url=base_url).returncode == 0


@pytest.mark.parametrize(
    "key", [f"tlk-abc\x0b{API_KEY}", f"{API_KEY}\x1b[2J", f"{API_KEY}-é"], ids=["vertical-tab", "escape", "non-ascii"]
)
def test_a_key_with_control_characters_is_refused_unseen(fake: FakeServer, key: str) -> None:
    """A TWELVELABS_API_KEY with a control or non-ASCII character is a usage error (exit 2) before any request;
    no part of the key is printed, raw or escaped."""
    result = run_cli(["list"], base_url=fake.base_url, api_key=key)
    line, _ = result.error(2)
    assert "TWELVELABS_API_KEY" in line and "control or non-ASCII" in line
    for piece in ("tlk-abc", API_KEY, API_KEY[:12], "\\x0b", "\\x1b", "\x1b", "é", "\\xe9"):
        assert piece not in result.stderr, piece
