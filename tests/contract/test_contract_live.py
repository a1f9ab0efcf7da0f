"""`make contract-live` (scripts/contract_live.py): Prism's validation proxy in front of the fake as the upstream.

The script runs as a subprocess, exactly as the make target runs it. The upstream is the project's fake,
served for real on a free loopback port: either started by the script itself (`--against-fake`) or served
from this process (so a test can make it break the contract with the `rename_field` / `wrong_type` /
`status` faults).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from twelvelabs_embed import EmbedClient
from twelvelabs_embed.testing import DEFAULT_BASE_URL, EmbedFake, RunningServer, WallClock

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "contract_live.py"
KEY = "contract-check-secret-7Qx2"  # distinctive, so a leak into any output would be found
FLOWS = 7


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("contract_live", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


contract_live = _load_script()


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TWELVELABS_")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={**clean, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )


def junit_cases(report_dir: Path) -> dict[str, ET.Element]:
    root = ET.parse(report_dir / "junit.xml").getroot()
    return {case.get("name", ""): case for case in root.iter("testcase")}


def outcome(case: ET.Element) -> str:
    for tag in ("failure", "error", "skipped"):
        if case.find(tag) is not None:
            return tag
    return "passed"


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[EmbedFake, RunningServer]]:
    """A fake served over HTTP from this process, with one ready legacy and one ready v2 task."""
    fake = EmbedFake(api_keys=KEY, clock=WallClock(), processing_seconds=0, url_duration=12)
    with fake, fake.run_server() as server:
        with EmbedClient(api_key=KEY, base_url=DEFAULT_BASE_URL, transport=fake.transport()) as seed:
            seed.legacy.tasks.create(video_url="https://example.com/clip.mp4")
            seed.v2.tasks.create(input_type="audio", url="https://example.com/talk.mp3")
        yield fake, server


def test_without_a_key_it_says_what_it_needs_exits_2_and_touches_nothing(
    upstream: tuple[EmbedFake, RunningServer], tmp_path: Path
) -> None:
    """No TWELVELABS_API_KEY: exit 2, a message naming both variables, no report, no request upstream."""
    fake, server = upstream
    before = len(fake.requests)
    report = tmp_path / "report"
    result = run_script("--report-dir", str(report), env={"TWELVELABS_BASE_URL": server.base_url})
    assert result.returncode == 2, result.stderr
    assert "TWELVELABS_API_KEY" in result.stderr and "TWELVELABS_BASE_URL" in result.stderr
    assert "Nothing was run" in result.stderr
    assert not report.exists()
    assert len(fake.requests) == before


def test_make_contract_live_without_a_key_fails_before_installing_anything() -> None:
    """`make contract-live` without a key stops at the preflight (script exit 2) with the same message."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TWELVELABS_") and k != "MAKEFLAGS"}
    result = subprocess.run(
        ["make", "--no-print-directory", "contract-live"], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "TWELVELABS_API_KEY" in result.stderr and "Nothing was run" in result.stderr
    assert "contract_live.py --preflight" not in result.stdout  # the recipe line is silent
    assert "pip install" not in result.stdout and "npm ci" not in result.stdout


def test_a_bad_upstream_url_exits_2(tmp_path: Path) -> None:
    """An upstream that is not an http(s) base URL is refused before anything starts."""
    result = run_script(
        "--report-dir", str(tmp_path / "r"), env={"TWELVELABS_API_KEY": KEY, "TWELVELABS_BASE_URL": "ftp://x"}
    )
    assert result.returncode == 2 and "http(s) base URL" in result.stderr
    assert KEY not in result.stdout + result.stderr


def test_against_the_fake_every_flow_passes_and_the_report_is_written(tmp_path: Path) -> None:
    """`--against-fake` (make contract-fake): exit 0, all seven flows pass, JUnit + summary + Prism log written."""
    report = tmp_path / "report"
    result = run_script("--against-fake", "--report-dir", str(report))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cases = junit_cases(report)
    assert len(cases) == FLOWS
    assert {name: outcome(case) for name, case in cases.items()} == dict.fromkeys(cases, "passed")
    summary = (report / "summary.md").read_text()
    assert summary.startswith("# Contract check PASSED")
    assert "| retrieve v2 task | getEmbeddingTaskV2 | passed | 200 |" in summary
    assert "| unknown v2 task | getEmbeddingTaskV2 | passed | 404 |" in summary
    assert "Forwarding" in (report / "prism.log").read_text()  # the traffic really went through the proxy


def test_spec_violations_fail_the_run_and_are_named(upstream: tuple[EmbedFake, RunningServer], tmp_path: Path) -> None:
    """A renamed required field, a wrong type and an undeclared status each fail their flow, by name; exit 1."""
    fake, server = upstream
    fake.faults.add("rename_field", operation="getEmbeddingTaskV2", pointer="/_id", rename_to="id")
    fake.faults.add("wrong_type", operation="retrieveVideoEmbeddings", pointer="/created_at")
    fake.faults.add("status", operation="getVideoEmbeddingTaskStatus", status=418)
    before = len(fake.requests)
    report = tmp_path / "report"
    result = run_script(
        "--report-dir", str(report), env={"TWELVELABS_API_KEY": KEY, "TWELVELABS_BASE_URL": server.base_url}
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert not fake.faults.pending  # every fault was served, through Prism
    assert len(fake.requests) - before == FLOWS  # one upstream request per flow, none retried

    cases = junit_cases(report)
    assert {name: outcome(case) for name, case in cases.items()} == {
        "list legacy tasks": "passed",
        "legacy task status": "failure",
        "legacy task embeddings": "failure",
        "list v2 tasks": "passed",
        "retrieve v2 task": "failure",
        "unknown v2 task": "passed",
        "sync text embedding": "passed",
    }

    def failure(name: str) -> str:
        element = cases[name].find("failure")
        assert element is not None
        return f"{element.get('message')}\n{element.text}"

    renamed = failure("retrieve v2 task")
    assert "response.body [Error]" in renamed and "required property '_id'" in renamed
    wrong_type = failure("legacy task embeddings")
    assert "response.body.created_at" in wrong_type and "must be string" in wrong_type
    undeclared = failure("legacy task status")
    assert "-> 418" in undeclared and "Unable to match the returned status code" in undeclared
    assert cases["retrieve v2 task"].get("classname") == "contract-live.getEmbeddingTaskV2"

    summary = (report / "summary.md").read_text()
    assert summary.startswith("# Contract check FAILED")
    assert "3 failed (spec violations)" in summary
    assert "required property '_id'" in result.stdout and "must be string" in result.stdout
    for text in (result.stdout, result.stderr, *(p.read_text() for p in report.iterdir())):
        assert KEY not in text


def test_prism_problem_bodies_and_headers_become_violations() -> None:
    """Prism's own answers are read as violations: a refused request (422) and a replaced response (500)."""
    refused = contract_live.inspect_response(
        "GET",
        "/embed-v2/tasks?page_limit=500",
        422,
        httpx.Headers({"content-type": "application/problem+json"}),
        b'{"type":"https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY","title":"Invalid request","status":422,'
        b'"validation":[{"location":["query","page_limit"],"severity":"Error","code":"maximum",'
        b'"message":"Request query parameter page_limit must be <= 50"}]}',
    )
    assert refused.prism_error == "Invalid request"
    assert [str(v) for v in refused.violations] == [
        "query.page_limit [Error]: Request query parameter page_limit must be <= 50"
    ]
    clean = contract_live.inspect_response(
        "GET", "/embed-v2/tasks/x", 404, httpx.Headers({"content-type": "application/json"}), None
    )
    assert clean.violations == [] and clean.prism_error is None
    garbled = contract_live.inspect_response("GET", "/x", 200, httpx.Headers({"sl-violations": "not json"}), None)
    assert garbled.violations and "unreadable sl-violations header" in garbled.violations[0].message
