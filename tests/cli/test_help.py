"""`--version`, `--help` of every command, and the `fake-server` command the fixtures run."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.support.processes import start_on_free_port
from twelvelabs_embed import __version__

from ._support import API_KEY, CLI, run_cli
from .conftest import FakeServer

ROOT = Path(__file__).resolve().parents[2]

HELP_CASES = [
    pytest.param(
        [],
        (
            "create",
            "status",
            "wait",
            "get",
            "list",
            "assets",
            "completion",
            "fake-server",
            "TWELVELABS_API_KEY",
            "TWELVELABS_BASE_URL",
            "TWELVELABS_API ",
            "exit codes",
            "130 interrupted",
        ),
        id="top",
    ),
    pytest.param(
        ["create"],
        (
            "--api",
            "--model",
            "--file",
            "--url",
            "--base64-file",
            "--asset-id",
            "--type",
            "--start",
            "--end",
            "--clip-length",
            "--scope",
            "--option",
            "--embedding-type",
            "--segmentation",
            "--dimension",
            "--uncertainty",
            "--time-metadata",
            "--progress",
            "--wait",
            "--timeout",
            "-o FILE, --output FILE",
            "--format",
            "-q, --quiet",
            "--json",
        ),
        id="create",
    ),
    pytest.param(["status"], ("TASK_ID", "--json", "--with-embeddings", "--api"), id="status"),
    pytest.param(["wait"], ("TASK_ID", "--timeout", "--json", "--api"), id="wait"),
    pytest.param(["get"], ("TASK_ID", "-o FILE, --output FILE", "--format", "--option", "--json", "--api"), id="get"),
    pytest.param(["list"], ("--status", "--limit", "--json", "--api"), id="list"),
    pytest.param(["completion"], ("SHELL", "bash", "zsh", "fish"), id="completion"),
    pytest.param(["assets"], ("upload", "list", "get", "wait", "delete"), id="assets"),
    pytest.param(
        ["assets", "upload"],
        ("FILE", "--wait, --no-wait", "--concurrency", "--timeout", "--progress", "-q, --quiet", "--json", "resumes"),
        id="assets-upload",
    ),
    pytest.param(["assets", "list"], ("--limit", "--json"), id="assets-list"),
    pytest.param(["assets", "get"], ("ASSET_ID", "--json"), id="assets-get"),
    pytest.param(["assets", "wait"], ("ASSET_ID", "--timeout", "--json"), id="assets-wait"),
    pytest.param(["assets", "delete"], ("ASSET_ID", "--force", "--json"), id="assets-delete"),
    pytest.param(
        ["fake-server"],
        ("--host", "--port", "--api-key", "--processing-seconds", "--upload-duration", "--chunk-size"),
        id="fake-server",
    ),
]


def test_version_prints_the_package_version() -> None:
    """`--version` prints `twelvelabs-embed <version>` and exits 0."""
    result = run_cli(["--version"], base_url=None).silent()
    assert result.stdout == f"twelvelabs-embed {__version__}\n"


@pytest.mark.parametrize(("command", "flags"), HELP_CASES)
def test_help_lists_every_option(command: list[str], flags: tuple[str, ...]) -> None:
    """`--help` of each command exits 0 and documents its options, with no API key and an unusable base URL."""
    result = run_cli([*command, "--help"], base_url="http://example.com/v1.3", api_key=None).silent()
    prog = " ".join(["twelvelabs-embed", *command])
    assert result.stdout.startswith(f"usage: {prog} ")
    for flag in flags:
        assert flag in result.stdout, f"{flag} missing from `{prog} --help`"


def test_fake_server_announces_its_base_url(fake: FakeServer) -> None:
    """The `fake-server` the fixture started prints its ready line with the base URL it serves."""
    log = fake.process.log_path.read_text()  # whole: the request log (one line per request) follows the ready line
    ready = [line for line in log.splitlines() if line.startswith("twelvelabs-embed fake")]
    assert len(ready) == 1, fake.process.log_tail()
    match = re.match(
        r"twelvelabs-embed fake server ready: base_url=(\S+) api_key=(\S+) .*processing_seconds=1 upload_origin=http://\S+$",
        ready[0],
    )
    assert match, ready[0]
    assert match.group(1) == fake.base_url
    assert match.group(2) == API_KEY  # the fake's own (test) key; it echoes the key it accepts by design


def test_docs_list_every_exit_code() -> None:
    """docs/CLI.md's exit-code table and `--help`'s epilog give exactly the codes the CLI uses (`Exit`)."""
    from twelvelabs_embed_cli._exits import Exit
    from twelvelabs_embed_cli._parser import EPILOG

    table = (ROOT / "docs" / "CLI.md").read_text().split("### Exit codes", 1)[1].split("###", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == {int(code) for code in Exit}
    for code in Exit:
        assert re.search(rf"\b{int(code)} ", EPILOG), f"exit code {int(code)} missing from --help"


def test_fake_server_defaults_are_the_fakes_one_set(tmp_path: Path) -> None:
    """With no options, `fake-server` uses `testing/_defaults.py` (the set `serve()` and `EmbedFake` use):
    its help shows them, it accepts the default key and no other, and it logs each request unless --quiet."""
    from twelvelabs_embed.testing import _defaults

    help_text = " ".join(run_cli(["fake-server", "--help"], base_url=None, api_key=None).silent().stdout.split())
    assert f"(default {_defaults.DEFAULT_PORT})" in help_text
    assert f"(default {_defaults.DEFAULT_API_KEY};" in help_text
    assert f"(default {_defaults.DEFAULT_PROCESSING_SECONDS:g})" in help_text
    assert f"(default {_defaults.DEFAULT_MEDIA_DURATION:g})" in help_text
    assert f"(default {_defaults.DEFAULT_CHUNK_SIZE})" in help_text
    for quiet in (False, True):
        log = tmp_path / f"fake-{quiet}.log"
        extra = ["--quiet"] if quiet else []
        server = start_on_free_port(
            lambda port, extra=extra: [str(CLI), "fake-server", "--port", str(port), *extra],
            log_path=log,
            health_path="/openapi.yaml",
        )
        try:
            url = f"{server.base_url}/v1.3/embed-v2/tasks"
            assert httpx.get(url, headers={"x-api-key": _defaults.DEFAULT_API_KEY}).status_code == 200
            assert httpx.get(url, headers={"x-api-key": "another-key"}).status_code == 401
        finally:
            server.stop()
        logged = [line for line in log.read_text().splitlines() if "GET /v1.3/embed-v2/tasks " in line]
        assert len(logged) == (0 if quiet else 2), log.read_text()
        if not quiet:
            assert re.search(r"GET /v1\.3/embed-v2/tasks 200 \d+(\.\d+)? ?ms$", logged[0]), logged[0]
            assert re.search(r"GET /v1\.3/embed-v2/tasks 401 ", logged[1]), logged[1]
