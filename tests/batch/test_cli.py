"""`twelvelabs-embed batch` (run here as `python -m twelvelabs_embed.batch`): exit codes, the summary on stdout,
`--json`, `batch status`, usage errors, a refused key, and Ctrl-C followed by a run that resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.conftest import API_KEY, LiveFake
from twelvelabs_embed.batch._cli import main
from twelvelabs_embed.batch._ledger import read_ledger


@pytest.fixture
def env(live: LiveFake, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("TWELVELABS_API_KEY", API_KEY)
    monkeypatch.setenv("TWELVELABS_BASE_URL", live.base_url)
    return {**os.environ, "TWELVELABS_API_KEY": API_KEY, "TWELVELABS_BASE_URL": live.base_url}


def _urls(tmp_path: Path, *urls: str) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return path


def test_a_run_prints_its_summary_and_exits_3_when_items_failed(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 3 with a failure listed by source and reason; `--json` prints one document; `status` agrees."""
    urls = _urls(tmp_path, "https://e.com/a.mp4", "https://e.com/b.mp4?fail=no+audio+track")
    out = tmp_path / "out"
    code = main([str(urls), "-o", str(out), "--poll-interval", "0.1", "--no-progress"])
    printed = capsys.readouterr()
    assert code == 3
    assert "no audio track" in printed.out and "task_failed" in printed.out
    assert "embeddings" in printed.out
    assert main(["status", str(out), "--json"]) == 3
    status = json.loads(capsys.readouterr().out)
    assert (status["total"], status["done"], status["failed"]) == (2, 1, 1)
    assert status["failures"][0]["source"] == "https://e.com/b.mp4?fail=no+audio+track"
    ok = _urls(tmp_path, "https://e.com/a.mp4")
    assert main([str(ok), "-o", str(out), "--json", "--no-progress"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True and document["already_done"] == 1


def test_usage_errors_exit_2_and_a_refused_key_exits_1(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No output folder, a missing input or a bad flag is a usage error (2); an invalid key stops the batch (1)."""
    urls = _urls(tmp_path, "https://e.com/a.mp4")
    assert main([str(urls)]) == 2
    assert "-o OUT" in capsys.readouterr().err
    assert main([str(tmp_path / "nothing.txt"), "-o", str(tmp_path / "o")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([str(urls), "-o", str(tmp_path / "o"), "--concurrency", "0"])
    assert exit_info.value.code == 2
    assert main(["status", str(tmp_path / "never-ran")]) == 2
    monkeypatch.setenv("TWELVELABS_API_KEY", "wrong-key")
    assert main([str(urls), "-o", str(tmp_path / "o2"), "--no-progress"]) == 1
    assert "wrong-key" not in capsys.readouterr().out


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes_without_new_tasks(
    tmp_path: Path, live: LiveFake, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGINT while tasks are processing: exit 130, the ledger keeps the tasks; the re-run only waits for them."""
    live.fake.processing_seconds = 4.0
    urls = _urls(tmp_path, *(f"https://e.com/c{i}.mp4" for i in range(4)))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "twelvelabs_embed.batch", str(urls), "-o", str(out), "--poll-interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(live.creates()) < 4 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert "unfinished" in stdout
    with read_ledger(out) as db:
        # A create whose answer had not arrived stays `creating`: the next run finds its task by listing.
        assert {r.status for r in db.records()} <= {"waiting", "creating"}
    assert main([str(urls), "-o", str(out), "--poll-interval", "0.2", "--no-progress"]) == 0
    assert len(live.creates()) == 4
