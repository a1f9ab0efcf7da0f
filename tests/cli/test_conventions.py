"""CLI conventions: stdout carries only results (`-q`, `--json`, `-o -`), stderr the rest; a closed pipe ends
quietly with 141; `--help`, completion and usage errors need no library import; shell completion scripts."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import numpy as np
import pytest

from twelvelabs_embed import fixed_segments

from ._support import API_KEY, CLI, CREATED, TASK_ID, cli_env, run_cli, wrote_line
from .conftest import FakeServer, Tasks

URL = "https://media.example.com/conventions.mp4?duration=12"


def test_create_quiet_prints_only_the_id(fake: FakeServer) -> None:
    """`create -q` prints the task id alone on stdout and nothing on stderr, with and without --wait."""
    plain = fake.cli("create", "-q", "--url", URL).silent()
    waited = fake.cli("create", "-q", "--url", URL, "--wait").silent()
    for result in (plain, waited):
        assert TASK_ID.match(result.stdout.rstrip("\n")) and result.stdout.count("\n") == 1, result.stdout
    with fake.client() as client:
        assert client.v2.tasks.retrieve(waited.stdout.strip()).status == "ready"


def test_create_json(fake: FakeServer, tmp_path: Path) -> None:
    """`create --json` prints the created task as one JSON document; with --wait and -o it prints the ready task
    (without vectors) once the file is written, and the status lines stay on stderr."""
    created = json.loads(fake.cli("create", "--json", "--url", URL).ok().stdout)
    assert TASK_ID.match(created["_id"]) and created["status"] == "processing"
    out = tmp_path / "v.npy"
    result = fake.cli("create", "--json", "--url", URL, "--wait", "-o", str(out)).ok()
    document = json.loads(result.stdout)
    assert document["status"] == "ready" and "data" not in document
    assert CREATED.match(result.err_lines[0]).group("id") == document["_id"]  # type: ignore[union-attr]
    with fake.client() as client:
        expected = client.v2.tasks.retrieve_arrays(document["_id"])
    assert result.err_lines[-1] == wrote_line(len(expected), 512, out, out.with_name("v.segments.csv"))
    np.testing.assert_array_equal(np.load(out), expected.vectors)


def test_get_json_prints_what_was_written(fake: FakeServer, tasks: Tasks, tmp_path: Path) -> None:
    """`get --json` prints one JSON summary of the file it wrote (task, API, format, counts, files)."""
    out = tmp_path / "e.parquet"
    summary = json.loads(fake.cli("get", tasks.v2_ready, "-o", str(out), "--json").ok().stdout)
    assert summary == {
        "task_id": tasks.v2_ready,
        "api": "v2",
        "format": "parquet",
        "segments": 8,
        "dimension": 512,
        "files": [str(out)],
    }


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_get_to_stdout(fake: FakeServer, tasks: Tasks, tmp_path: Path, fmt: str) -> None:
    """`get -o -` writes the embeddings to stdout (JSON by default, or --format jsonl), byte for byte what the same
    format writes to a file, with nothing else on stdout or stderr and no file named `-`."""
    args = ["--format", fmt] if fmt == "jsonl" else []
    result = run_cli(["get", tasks.legacy_ready, "--api", "legacy", "-o", "-", *args], base_url=fake.base_url)
    result.silent()
    out = tmp_path / f"same.{fmt}"
    fake.cli("get", tasks.legacy_ready, "--api", "legacy", "-o", str(out)).ok()
    assert result.stdout == out.read_text()
    assert not Path("-").exists()
    if fmt == "jsonl":
        assert [json.loads(line)["task_id"] for line in result.lines] == [tasks.legacy_ready] * 12


def test_create_wait_to_stdout(fake: FakeServer) -> None:
    """`create --wait -o -` puts only the embeddings (JSON) on stdout; the id is in the stderr `created` line."""
    result = fake.cli("create", "--url", URL, "--segmentation", "fixed:6", "--wait", "-o", "-").ok()
    document = json.loads(result.stdout)
    assert CREATED.match(result.err_lines[0]).group("id") == document["task_id"]  # type: ignore[union-attr]
    assert len(document["segments"]) == 9 and document["dimension"] == 512


def test_closed_pipe_ends_quietly(fake: FakeServer) -> None:
    """When the reader of stdout goes away (`| head -1`), the CLI stops with exit 141 (128 + SIGPIPE, what a
    shell shows for a program killed by the closed pipe) and prints nothing: no 'Broken pipe', no traceback."""
    with fake.client() as client:  # 15 min in 2 s clips x 3 options: ~5 MB of JSON lines, far beyond a pipe buffer
        task_id = client.v2.tasks.create(
            input_type="video",
            url="https://media.example.com/long.mp4?duration=900",
            segmentation=fixed_segments(2),
        ).id
        client.v2.tasks.wait(task_id)
    process = subprocess.Popen(
        [str(CLI), "get", task_id, "-o", "-", "--format", "jsonl"],
        env=cli_env(fake.base_url, API_KEY),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `head -1` does after its line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141, stderr
    assert json.loads(first)["task_id"] == task_id
    assert stderr == ""


def test_list_into_head_in_a_shell(fake: FakeServer) -> None:
    """The issue's own pipeline, `twelvelabs-embed list | head -1` in bash, prints the header and no error."""
    completed = subprocess.run(
        ["bash", "-c", f"'{CLI}' list --limit 50 | head -1"],
        env=cli_env(fake.base_url, API_KEY),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert completed.returncode == 0
    assert completed.stdout.split() == ["ID", "STATUS", "AGE", "INPUT"]
    assert completed.stderr == "" or "more: use --limit" in completed.stderr
    assert "pipe" not in completed.stderr.lower()


@pytest.mark.parametrize(
    "args",
    [["--help"], ["completion", "zsh"], ["create", "--segmentation", "bad"]],
    ids=["help", "completion", "usage"],
)
def test_light_commands_do_not_import_the_library(args: list[str]) -> None:
    """`--help`, completion scripts and argparse usage errors run without importing twelvelabs_embed (httpx,
    numpy, the models), so they answer at once (checked with Python's import log)."""
    env = cli_env(None, None, {"PYTHONPROFILEIMPORTTIME": "1"})
    completed = subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=60, check=False)
    imported = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines() if "|" in line}
    assert "twelvelabs_embed_cli._parser" in imported  # the log works
    assert not {"twelvelabs_embed", "numpy", "httpx", "rich"} & imported


# ----------------------------------------------------------------------------- completion
ALL_COMMANDS = ("create", "status", "wait", "get", "list", "assets", "completion", "fake-server")
ASSET_COMMANDS = ("upload", "list", "get", "wait", "delete")


def _complete_bash(script: Path, words: list[str]) -> list[str]:
    """What bash offers for the last of `words`, with the generated script sourced."""
    program = (
        f"source {shlex.quote(str(script))}\n"
        f"COMP_WORDS=({' '.join(map(shlex.quote, words))}); COMP_CWORD={len(words) - 1}\n"
        f"COMP_LINE={shlex.quote(' '.join(words))}; COMP_POINT=${{#COMP_LINE}}\n"
        "_shtab_twelvelabs_embed; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    completed = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30, check=True)
    return completed.stdout.split()


def test_bash_completion_completes_commands_flags_and_choices(tmp_path: Path) -> None:
    """`completion bash` is a script bash accepts; sourced, it completes commands, flags and flag values."""
    script = tmp_path / "twelvelabs-embed.bash"
    script.write_text(run_cli(["completion", "bash"], base_url=None, api_key=None).silent().stdout)
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    assert set(ALL_COMMANDS) <= set(_complete_bash(script, ["twelvelabs-embed", ""]))
    assert _complete_bash(script, ["twelvelabs-embed", "cr"]) == ["create"]
    assert _complete_bash(script, ["twelvelabs-embed", "create", "--cl"]) == ["--clip-length"]
    assert _complete_bash(script, ["twelvelabs-embed", "get", "t1", "--format", ""]) == [
        "json",
        "jsonl",
        "npy",
        "parquet",
    ]
    assert _complete_bash(script, ["twelvelabs-embed", "completion", ""]) == ["bash", "zsh", "fish"]
    assert set(_complete_bash(script, ["twelvelabs-embed", "assets", ""])) == set(ASSET_COMMANDS)
    assert _complete_bash(script, ["twelvelabs-embed", "assets", "upload", "--conc"]) == ["--concurrency"]
    assert "--no-wait" in _complete_bash(script, ["twelvelabs-embed", "assets", "upload", "--"])
    assert _complete_bash(script, ["twelvelabs-embed", "assets", "delete", "--f"]) == ["--force"]


@pytest.mark.parametrize(("shell", "first_line"), [("zsh", "#compdef twelvelabs-embed"), ("fish", "# AUTOMATICALLY")])
def test_zsh_and_fish_completion_name_every_command_and_flag(shell: str, first_line: str) -> None:
    """`completion zsh|fish` prints a script for that shell naming every command and the flags of `create`."""
    script = run_cli(["completion", shell], base_url=None, api_key=None).silent().stdout
    assert script.startswith(first_line)
    for word in (
        *ALL_COMMANDS,
        *ASSET_COMMANDS,
        "clip-length",
        "time-metadata",
        "with-embeddings",
        "quiet",
        "concurrency",
    ):
        assert word in script, f"{word} missing from the {shell} script"
    if shell == "fish":
        assert "complete -c twelvelabs-embed" in script
