"""`make contract-live`: check that a running Embed API still speaks what openapi.yaml says.

A short, cheap, mostly read-only set of flows runs through Prism in validation-proxy mode
(`prism proxy openapi.yaml UPSTREAM --errors`), so every real request and response is checked against
openapi.yaml. The flows use the project's own client (`EmbedClient`), so a response that validates but
that the client cannot parse fails too. The report goes to `reports/contract-live/`: `junit.xml`,
`summary.md` (also printed) and `prism.log`.

    TWELVELABS_API_KEY=... make contract-live                          # production
    TWELVELABS_API_KEY=... TWELVELABS_BASE_URL=http://127.0.0.1:4020/v1.3 make contract-live
    make contract-live CONTRACT_ARGS=--create-v2-task                  # + one v2 task from a public sample URL
    make contract-fake                                                 # a local fake as the upstream, no key

The flows: list legacy tasks, status and embeddings of the newest legacy task, list v2 tasks, retrieve the
newest v2 task, an unknown v2 task id (a declared error body), one tiny synchronous text embedding. With
`--create-v2-task` (off by default: it costs processing time): create a v2 video task from a public sample
URL and wait for it (bounded by `--task-timeout`).

Exit codes: 0 every flow passed (a flow with nothing to read is skipped), 1 a flow failed (a violation, or
an unexpected error), 2 the run could not start (no key, a bad upstream URL, Prism missing or not starting).

What Prism 5.14.2 does in proxy mode, found by running it with the project's fake as the upstream and the
fake's faults breaking the contract (tests/contract/test_contract_live.py keeps the first two findings
honest with a renamed required field, a wrong type and an undeclared status):

- A response body or media type that breaks the spec (a required member renamed away, a wrong type, a
  non-JSON content type) has severity "Error". Under `--errors` Prism does not pass the upstream answer
  on: it answers **500 `application/problem+json`** with `type` `https://stoplight.io/prism/errors#VIOLATIONS`
  and the findings in `validation[]`, and also sends them in an **`sl-violations` header** (a JSON list of
  `{location, severity, code?, message}`). The upstream status only appears in Prism's log
  ("The upstream call to /path has returned 200").
- A status code the operation does not declare (e.g. 418 or 503) is only a "Warning": the upstream answer
  is passed through unchanged, even under `--errors`, with the `sl-violations` header and a
  "[VALIDATOR] warning Violation: ..." log line. So the header, not the status, is what must be checked.
- An extra or renamed member of an open object (no `additionalProperties: false`, not required) is not a
  violation at all: openapi.yaml keeps response objects open on purpose (forward compatibility), so such a
  rename is only caught when the old member was required.
- A request that breaks the spec is refused by Prism itself (422 problem+json `#UNPROCESSABLE_ENTITY`, or
  401 `#UNAUTHORIZED` without a key) and never reaches the upstream; that is reported too (the client and
  the spec disagree).

So a flow fails when any of its exchanges carries an `sl-violations` header or a Prism problem+json body,
or when the client raises an error the flow did not expect.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

    from twelvelabs_embed import EmbedClient

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
PRISM_PACKAGE = ROOT / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
PRODUCTION = "https://api.twelvelabs.io/v1.3"
DEFAULT_REPORT_DIR = ROOT / "reports" / "contract-live"
#: A short public clip (15 s) used by `--create-v2-task` unless `--sample-url` names another.
SAMPLE_URL = "https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4"
#: A well-formed task id that no task has (the unknown-task flow expects a declared 404/400 body).
UNKNOWN_TASK_ID = "0" * 24
PRISM_ERRORS = "https://stoplight.io/prism/errors#"

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

NEEDS = f"""\
contract-live checks a running TwelveLabs Embed API against openapi.yaml through Prism's validation proxy.
It needs:
  TWELVELABS_API_KEY   an API key for the API under test (required; never printed or written anywhere)
  TWELVELABS_BASE_URL  the API to check (optional; default {PRODUCTION})
Options: --create-v2-task also creates one v2 task from a public sample URL (costs a little processing);
--report-dir DIR (default reports/contract-live); --against-fake runs against a local fake, no key needed.
Nothing was run."""


# ----------------------------------------------------------------------------------------------- results


@dataclass
class Violation:
    """One finding of Prism's validator about a request or a response."""

    location: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.location} [{self.severity}]: {self.message}"


@dataclass
class Exchange:
    """One request through Prism and what came back."""

    method: str
    target: str
    status: int
    violations: list[Violation]
    prism_error: str | None = None  # the title of Prism's own problem+json answer, if it answered itself

    def describe(self) -> str:
        replaced = f" ({self.prism_error}, answered by Prism)" if self.prism_error else ""
        return f"{self.method} {self.target} -> {self.status}{replaced}"


@dataclass
class StepResult:
    name: str
    operation: str
    outcome: str  # passed | failed | error | skipped
    detail: str
    seconds: float
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def violations(self) -> list[Violation]:
        return [v for exchange in self.exchanges for v in exchange.violations]


class Skip(Exception):
    """A flow had nothing to work on (e.g. no task exists yet)."""


def _violations(raw: Any, default_location: str) -> list[Violation]:
    found: list[Violation] = []
    if not isinstance(raw, list):
        return found
    for item in raw:
        if not isinstance(item, dict):
            continue
        location = item.get("location")
        where = ".".join(str(part) for part in location) if isinstance(location, list) and location else None
        found.append(
            Violation(
                location=where or default_location,
                severity=str(item.get("severity", "Error")),
                message=str(item.get("message", item)),
            )
        )
    return found


def inspect_response(method: str, target: str, status: int, headers: Any, body: bytes | None) -> Exchange:
    """Turn one answer of Prism into an `Exchange` (what Prism reported, see the module docstring)."""
    violations: list[Violation] = []
    header = headers.get("sl-violations")
    if header:
        try:
            violations = _violations(json.loads(header), "response")
        except ValueError:
            violations = [Violation("response", "Error", f"unreadable sl-violations header: {header[:200]}")]
    prism_error = None
    content_type = str(headers.get("content-type", ""))
    if body is not None and content_type.startswith("application/problem+json"):
        try:
            problem = json.loads(body)
        except ValueError:
            problem = None
        if isinstance(problem, dict) and str(problem.get("type", "")).startswith(PRISM_ERRORS):
            prism_error = str(problem.get("title") or problem["type"])
            if not violations:
                kind = str(problem["type"]).removeprefix(PRISM_ERRORS)
                location = "request" if kind != "VIOLATIONS" else "response"
                violations = _violations(problem.get("validation"), location) or [
                    Violation(location, "Error", f"{prism_error}: {problem.get('detail', '')}".strip())
                ]
    return Exchange(method, target, status, violations, prism_error)


# ----------------------------------------------------------------------------------------------- Prism


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prism_version() -> str:
    try:
        return str(json.loads(PRISM_PACKAGE.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


@contextmanager
def prism_proxy(spec: Path, upstream: str, log_path: Path, startup_timeout: float = 60.0) -> Iterator[str]:
    """Run `prism proxy SPEC UPSTREAM --errors` on a free loopback port; yields its base URL.

    Prism runs in its own process group (node under the `prism` shim), which is ended as a whole.
    """
    import httpx

    port = _free_port()
    command = [str(PRISM), "proxy", str(spec), upstream, "--errors", "--host", "127.0.0.1", "--port", str(port)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        log.write(f"$ {shlex.join(command)}\n".encode())
        log.flush()
        process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if process.poll() is not None:
                    raise StartError(f"Prism exited with code {process.returncode}; see {log_path}")
                try:
                    httpx.get(base_url + "/", timeout=2.0, trust_env=False)  # any answer: it listens
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise StartError(f"Prism did not answer within {startup_timeout:g} s; see {log_path}") from None
                    time.sleep(0.2)
            yield base_url
        finally:
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(process.pid, sig)
                except (ProcessLookupError, PermissionError):
                    break
                try:
                    process.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue


class StartError(Exception):
    """The run could not start (exit code 2)."""


# ----------------------------------------------------------------------------------------------- flows


@dataclass
class Recorder:
    """What Prism said about each exchange; `transport()` is the httpx transport that records it."""

    exchanges: list[Exchange] = field(default_factory=list)

    def transport(self) -> httpx.BaseTransport:
        """An HTTP transport under the client (so it sees every attempt) that records each exchange."""
        import httpx

        exchanges = self.exchanges

        class Recording(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                response = super().handle_request(request)
                body = None
                if response.headers.get("content-type", "").startswith("application/problem+json"):
                    body = response.read()
                target = request.url.raw_path.decode("ascii", "replace")
                exchanges.append(inspect_response(request.method, target, response.status_code, response.headers, body))
                return response

        return Recording()


@dataclass
class Flow:
    name: str
    operation: str
    run: Callable[[EmbedClient, dict[str, Any]], str]


def _newest(state: dict[str, Any], key: str, what: str, *, ready: bool = False) -> str:
    tasks: list[tuple[str, str]] = state.get(key) or []
    for task_id, status in tasks:
        if not ready or status == "ready":
            return task_id
    raise Skip(f"no {'ready ' if ready else ''}{what} among the newest tasks (listed {len(tasks)})")


def _ids(page: Any) -> list[tuple[str, str]]:
    found = []
    for item in page.data or []:
        task_id = getattr(item, "id", None)
        if isinstance(task_id, str) and task_id:
            found.append((task_id, str(getattr(item.status, "value", item.status))))
    return found


def _list_legacy(client: EmbedClient, state: dict[str, Any]) -> str:
    page = client.legacy.tasks.list(page_limit=5)
    state["legacy"] = _ids(page)
    return f"{len(state['legacy'])} task(s) on the first page"


def _legacy_status(client: EmbedClient, state: dict[str, Any]) -> str:
    task_id = _newest(state, "legacy", "legacy task")
    status = client.legacy.tasks.status(task_id)
    return f"task {task_id}: {getattr(status.status, 'value', status.status)}"


def _legacy_retrieve(client: EmbedClient, state: dict[str, Any]) -> str:
    task_id = _newest(state, "legacy", "legacy task", ready=True)
    task = client.legacy.tasks.retrieve(task_id)
    segments = getattr(getattr(task, "video_embedding", None), "segments", None) or []
    return f"task {task_id}: {len(segments)} segment(s)"


def _list_v2(client: EmbedClient, state: dict[str, Any]) -> str:
    page = client.v2.tasks.list(page_limit=5)
    state["v2"] = _ids(page)
    return f"{len(state['v2'])} task(s) on the first page"


def _v2_retrieve(client: EmbedClient, state: dict[str, Any]) -> str:
    task_id = _newest(state, "v2", "v2 task")
    task = client.v2.tasks.retrieve(task_id)
    return f"task {task_id}: {getattr(task.status, 'value', task.status)}, {len(task.data or [])} embedding(s)"


def _v2_unknown(client: EmbedClient, state: dict[str, Any]) -> str:
    from twelvelabs_embed import BadRequestError, NotFoundError

    try:
        client.v2.tasks.retrieve(UNKNOWN_TASK_ID)
    except (NotFoundError, BadRequestError) as exc:
        return f"declared error {exc.status_code} {exc.code}"
    raise AssertionError(f"task {UNKNOWN_TASK_ID} exists: expected a 404 (or 400) answer")


def _sync_text(client: EmbedClient, state: dict[str, Any]) -> str:
    result = client.v2.embeddings.create(input_type="text", text="contract check")
    data = result.data or []
    dimension = len(data[0].embedding or []) if data else 0
    return f"{len(data)} embedding(s) of dimension {dimension}"


def _create_v2(sample_url: str) -> Callable[[EmbedClient, dict[str, Any]], str]:
    def run(client: EmbedClient, state: dict[str, Any]) -> str:
        created = client.v2.tasks.create(input_type="video", url=sample_url)
        state["created"] = created.id
        return f"task {created.id} from {sample_url}"

    return run


def _wait_v2(timeout: float) -> Callable[[EmbedClient, dict[str, Any]], str]:
    def run(client: EmbedClient, state: dict[str, Any]) -> str:
        task_id = state.get("created")
        if not task_id:
            raise Skip("no task was created")
        task = client.v2.tasks.wait(task_id, timeout=timeout, raise_on_failure=False)
        status = getattr(task.status, "value", task.status)
        return f"task {task_id}: {status}, {len(task.data or [])} embedding(s)"

    return run


def flows(*, create_v2_task: bool, sample_url: str, task_timeout: float) -> list[Flow]:
    chosen = [
        Flow("list legacy tasks", "listVideoEmbeddingTasks", _list_legacy),
        Flow("legacy task status", "getVideoEmbeddingTaskStatus", _legacy_status),
        Flow("legacy task embeddings", "retrieveVideoEmbeddings", _legacy_retrieve),
        Flow("list v2 tasks", "listEmbeddingTasksV2", _list_v2),
        Flow("retrieve v2 task", "getEmbeddingTaskV2", _v2_retrieve),
        Flow("unknown v2 task", "getEmbeddingTaskV2", _v2_unknown),
        Flow("sync text embedding", "createEmbeddingsV2", _sync_text),
    ]
    if create_v2_task:
        chosen += [
            Flow("create v2 task from a sample URL", "createEmbeddingTaskV2", _create_v2(sample_url)),
            Flow("wait for the created v2 task", "getEmbeddingTaskV2", _wait_v2(task_timeout)),
        ]
    return chosen


def run_flows(client: EmbedClient, recorder: Recorder, chosen: Sequence[Flow]) -> list[StepResult]:
    from twelvelabs_embed import EmbedError

    state: dict[str, Any] = {}
    results = []
    for flow in chosen:
        start = len(recorder.exchanges)
        began = time.monotonic()
        outcome, detail = "passed", ""
        try:
            detail = flow.run(client, state)
        except Skip as exc:
            outcome, detail = "skipped", str(exc)
        except (EmbedError, AssertionError) as exc:
            outcome, detail = "error", f"{type(exc).__name__}: {exc}"
        exchanges = recorder.exchanges[start:]
        result = StepResult(flow.name, flow.operation, outcome, detail, time.monotonic() - began, exchanges)
        if result.violations:
            result.outcome = "failed"
            result.detail = "; ".join(str(v) for v in result.violations)
        results.append(result)
        print(f"  {result.outcome.upper():7} {flow.name} ({flow.operation}): {result.detail}", flush=True)
    return results


# ----------------------------------------------------------------------------------------------- report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary(results: Sequence[StepResult], *, upstream: str, started: datetime) -> str:
    counts = {key: sum(r.outcome == key for r in results) for key in ("passed", "failed", "error", "skipped")}
    verdict = "PASSED" if counts["failed"] + counts["error"] == 0 else "FAILED"
    lines = [
        f"# Contract check {verdict}: {upstream} against openapi.yaml",
        "",
        f"Prism {prism_version()} validation proxy (`--errors`), started {started:%Y-%m-%d %H:%M:%S} UTC. "
        f"{len(results)} flows: {counts['passed']} passed, {counts['failed']} failed (spec violations), "
        f"{counts['error']} errors, {counts['skipped']} skipped.",
        "",
        "| flow | operation | result | status | violation / detail |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        statuses = ", ".join(f"{e.status}{' (Prism)' if e.prism_error else ''}" for e in r.exchanges)
        lines.append(
            f"| {_cell(r.name)} | {r.operation} | {r.outcome} | {statuses or '-'} | {_cell(r.detail) or '-'} |"
        )
    failing = [r for r in results if r.outcome in ("failed", "error")]
    if failing:
        lines += ["", "## Details", ""]
        for r in failing:
            lines.append(f"- **{r.name}** (`{r.operation}`), {r.outcome}:")
            lines += [f"  - `{e.describe()}`" for e in r.exchanges]
            lines += [f"  - {v}" for v in r.violations] or [f"  - {r.detail}"]
    return "\n".join(lines) + "\n"


def junit(results: Sequence[StepResult], *, upstream: str, started: datetime) -> bytes:
    suite = ET.Element(
        "testsuite",
        name="contract-live",
        tests=str(len(results)),
        failures=str(sum(r.outcome == "failed" for r in results)),
        errors=str(sum(r.outcome == "error" for r in results)),
        skipped=str(sum(r.outcome == "skipped" for r in results)),
        time=f"{sum(r.seconds for r in results):.3f}",
        timestamp=started.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("upstream", upstream), ("spec", "openapi.yaml"), ("prism", prism_version())):
        ET.SubElement(properties, "property", name=name, value=value)
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"contract-live.{r.operation}", name=r.name)
        case.set("time", f"{r.seconds:.3f}")
        if r.outcome == "failed":
            failure = ET.SubElement(case, "failure", message=r.detail[:500], type="SpecViolation")
            failure.text = "\n".join([e.describe() for e in r.exchanges] + [str(v) for v in r.violations])
        elif r.outcome == "error":
            error = ET.SubElement(case, "error", message=r.detail[:500], type="UnexpectedError")
            error.text = "\n".join(e.describe() for e in r.exchanges)
        elif r.outcome == "skipped":
            ET.SubElement(case, "skipped", message=r.detail)
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join([e.describe() for e in r.exchanges] + ([r.detail] if r.outcome == "passed" else []))
    root = ET.Element("testsuites", name="contract-live")
    root.append(suite)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


# ----------------------------------------------------------------------------------------------- main


def _check_upstream(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise StartError(f"TWELVELABS_BASE_URL / --upstream must be an http(s) base URL such as {PRODUCTION}")
    return url.rstrip("/")


@contextmanager
def _local_fake() -> Iterator[tuple[str, str, Callable[[], None]]]:
    """A fake on a free loopback port; yields its URL, its key and `seeded()`.

    `seeded()` returns once one legacy and one v2 task are ready, so every flow has data. The seeding runs
    on a thread while Prism starts (the fake's first request validation is slow to warm up).
    """
    from concurrent.futures import ThreadPoolExecutor

    from twelvelabs_embed import EmbedClient
    from twelvelabs_embed.testing import DEFAULT_BASE_URL, EmbedFake, WallClock

    fake = EmbedFake(clock=WallClock(), processing_seconds=0, url_duration=12)

    def seed() -> None:
        with EmbedClient(api_key=fake.api_key, base_url=DEFAULT_BASE_URL, transport=fake.transport()) as client:
            client.legacy.tasks.create(video_url="https://example.com/clip.mp4")
            client.v2.tasks.create(input_type="audio", url="https://example.com/talk.mp3")

    with fake, fake.run_server() as server, ThreadPoolExecutor(max_workers=1) as pool:
        seeding = pool.submit(seed)
        yield server.base_url, fake.api_key, lambda: seeding.result(timeout=120)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="contract-live", description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", help=f"the API to check (default: $TWELVELABS_BASE_URL or {PRODUCTION})")
    parser.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR)
    parser.add_argument("--create-v2-task", action="store_true", help="also create one v2 task (costs a little)")
    parser.add_argument("--sample-url", default=SAMPLE_URL, help="the public media URL for --create-v2-task")
    parser.add_argument("--task-timeout", type=float, default=900.0, help="seconds to wait for the created task")
    parser.add_argument("--against-fake", action="store_true", help="start a local fake as the upstream (no key)")
    parser.add_argument("--preflight", action="store_true", help="only check the settings (exit 0 or 2)")
    args = parser.parse_args(argv)

    key = os.environ.get("TWELVELABS_API_KEY", "").strip()
    if not key and not args.against_fake:
        print(NEEDS, file=sys.stderr)
        return EXIT_USAGE
    try:
        upstream = _check_upstream(args.upstream or os.environ.get("TWELVELABS_BASE_URL") or PRODUCTION)
    except StartError as exc:
        print(f"contract-live: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.preflight:
        return EXIT_OK
    if not PRISM.exists():
        print(f"contract-live: {PRISM} is missing; run `make install` first", file=sys.stderr)
        return EXIT_USAGE
    chosen = flows(create_v2_task=args.create_v2_task, sample_url=args.sample_url, task_timeout=args.task_timeout)
    try:
        if args.against_fake:
            with _local_fake() as (fake_url, fake_key, seeded):
                return _run(fake_url, fake_key, chosen, args.report_dir, before_flows=seeded)
        return _run(upstream, key, chosen, args.report_dir)
    except StartError as exc:
        print(f"contract-live: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(
    upstream: str, key: str, chosen: Sequence[Flow], report_dir: Path, before_flows: Callable[[], None] | None = None
) -> int:
    from twelvelabs_embed import EmbedClient, PollPolicy, RetryPolicy, Timeouts

    report_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    print(f"contract-live: {upstream} through Prism {prism_version()} (proxy, --errors), {len(chosen)} flows")
    with prism_proxy(SPEC, upstream, report_dir / "prism.log") as proxy_url:
        if before_flows is not None:
            before_flows()
        recorder = Recorder()
        client = EmbedClient(
            api_key=key,
            base_url=proxy_url,
            transport=recorder.transport(),
            # Only a rate limit is retried; a violation answered by Prism (500) must not be repeated.
            retry=RetryPolicy(max_retries=2, statuses=frozenset({429})),
            timeouts=Timeouts(connect=10, read=120, write=60, pool=10),
            poll=PollPolicy(initial_interval=2, max_interval=30, timeout=3600),
        )
        with client:
            results = run_flows(client, recorder, chosen)
    text = summary(results, upstream=upstream, started=started)
    (report_dir / "summary.md").write_text(text)
    (report_dir / "junit.xml").write_bytes(junit(results, upstream=upstream, started=started))
    print()
    print(text)
    print(f"report: {report_dir / 'junit.xml'}, {report_dir / 'summary.md'}, {report_dir / 'prism.log'}")
    return EXIT_FAILED if any(r.outcome in ("failed", "error") for r in results) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
