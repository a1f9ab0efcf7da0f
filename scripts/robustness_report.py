"""Render docs/ROBUSTNESS.md from the figures the robustness tests leave in reports/.

    .venv/bin/pytest tests/fake/test_schemathesis.py tests/robustness   # or `make test` / `make fuzz`
    .venv/bin/python scripts/robustness_report.py                         # rewrites docs/ROBUSTNESS.md

Inputs (all written by tests, all gitignored): reports/schemathesis-prism.json, schemathesis-fake.json,
response-fuzz.json, fault-matrix.md/.json, bad-input.json, secret-guard.json, hostile.json, and
mutation.json (written by `make mutate`, which is not part of `make test`). A missing file leaves its
section saying so; nothing is invented. The fault-matrix test compares its table with the one embedded here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
DOC = ROOT / "docs" / "ROBUSTNESS.md"
BEGIN, END = "<!-- fault-matrix:begin -->", "<!-- fault-matrix:end -->"


def _load(name: str) -> Any:
    path = REPORTS / name
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8")) if name.endswith(".json") else path.read_text("utf-8")


def _missing(name: str) -> str:
    return f"_No figures: reports/{name} is missing (run the tests first)._\n"


def _prism(data: dict[str, Any] | None) -> str:
    if data is None:
        return _missing("schemathesis-prism.json")
    phases = data["cases_by_phase"]
    by_phase = ", ".join(f"{phase} {phases[phase]}" for phase in ("examples", "coverage", "fuzzing", "stateful"))
    stateful = data.get("stateful", {})
    checks = ", ".join(f"`{name}`" for name in sorted(data["checks_run"]))
    excluded = "; ".join(f"`{name}` ({why})" for name, why in data["checks_excluded"].items())
    return (
        f"**{data['cases_total']} cases, {len(data['failures'])} failures, {len(data['errors'])} errors** "
        f"({by_phase}); mode {data['mode']}, {data['examples_per_operation']} examples per operation, "
        f"seed {data['seed']}. The stateful phase walked {stateful.get('links_selected', 0)} of "
        f"{stateful.get('links_total', 0)} links ({stateful.get('links_inferred', 0)} inferred by schemathesis).\n\n"
        f"Checks run on every case: {checks}. Excluded: {excluded}. JUnit report: "
        "`reports/schemathesis-prism.junit.xml`.\n"
    )


def _fake(data: dict[str, Any] | None) -> str:
    if data is None:
        return _missing("schemathesis-fake.json")
    counts = data["cases_by_phase_and_mode"]
    parts = ", ".join(f"{label} {count}" for label, count in counts.items())
    return f"**{data['cases_total']} cases, all checks, no failures** (phase/mode: {parts}).\n"


def _fuzz(data: dict[str, Any] | None) -> str:
    if data is None:
        return _missing("response-fuzz.json")
    rows = [
        "| schema | bodies (distinct) | declared responses | wrapper parses | end-to-end client calls "
        "| arrays read / refused (typed) |",
        "|---|---|---|---|---|---|",
    ]
    for name, figures in sorted(data["schemas"].items()):
        arrays = (
            f"{figures['arrays_parsed']} / {figures['arrays_refused_typed']}"
            if figures["arrays_parsed"] or figures["arrays_refused_typed"]
            else "-"
        )
        rows.append(
            f"| {name} | {figures['bodies']} ({figures['distinct']}) | {len(figures['responses'])} | "
            f"{figures['wrapper_parses']} | {figures.get('end_to_end_client_calls', '-')} | {arrays} |"
        )
    return (
        f"**{data['bodies_total']} random valid bodies** ({data['examples_per_schema']} per schema, "
        f"{data.get('examples_per_asset_schema', data['examples_per_schema'])} per asset/upload schema, seed "
        f"{data.get('seed', '?')}) covering all {data['declared_responses']} declared responses with a body of "
        f"every operation, **{data['wrapper_parses_total']} wrapper parses**, all typed, no error; plus "
        f"{data['forward_compat_bodies']} hand-written forward-compatibility bodies.\n\n" + "\n".join(rows) + "\n"
    )


def _faults(table: str | None, data: dict[str, Any] | None) -> str:
    if table is None or data is None:
        return _missing("fault-matrix.md") + f"\n{BEGIN}\n{END}\n"
    body = table.split("\n\n", 1)[1].strip() if "\n\n" in table else table.strip()
    return (
        f"**{data['cells']} cells** ({len(data['faults'])} faults x {len(data['calls'])} calls), each run with "
        f"the sync and the async client ({data['runs']} runs, identical outcomes): **{data['recovered']} recovered "
        f"or tolerated, {data['typed_errors']} typed errors, 0 hangs, 0 bare exceptions**; the create cells left "
        f"exactly {data['tasks_created_by_create_cells']} tasks for their "
        f"{2 * len([c for c in data['calls'] if c.startswith('create')]) * len(data['faults'])} runs "
        f"(one each, none for the server that stays down).\n\n{BEGIN}\n{body}\n{END}\n"
    )


def _inputs(data: dict[str, Any] | None) -> str:
    if data is None:
        return _missing("bad-input.json")
    rows = ["| category | rows | of which tests/robustness | of which tests/wrapper |", "|---|---|---|---|"]
    for category, count in data["by_category"].items():
        rows.append(
            f"| {category} | {count} | {data['robustness_table'].get(category, 0)} | "
            f"{data['wrapper_table'].get(category, 0)} |"
        )
    rows.append(
        f"| **total** | **{data['total']}** | {sum(data['robustness_table'].values())} | "
        f"{sum(data['wrapper_table'].values())} |"
    )
    return (
        f"**{data['total']} invalid inputs rejected before any request**, each with the sync and the async client "
        f"(non-finite values cover {data['numeric_arguments']} numeric arguments and {data['settings']} client "
        f"settings; {data['not_counted']} are not counted here).\n\n" + "\n".join(rows) + "\n"
    )


def _guard(data: dict[str, Any] | None) -> str:
    if data is None:
        return _missing("secret-guard.json")
    return (
        f"{data['tests']} tests ran under the secret guard: {data['log_lines']} log records (all loggers at DEBUG) "
        f"and {data['objects']} errors/responses/results/clients checked, **0 leaks**.\n"
    )


def _cell(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return "-"
    if "exit" in figures:
        return f"exit {figures['exit']}, {figures['seconds']:.1f} s, {figures['peak_rss_mb']:.0f} MB RSS"
    peak = figures.get("peak_mb")
    memory = "not traced" if peak is None else f"{peak:.1f} MB"
    return f"{figures['outcome']}, {figures['seconds']:.2f} s, {memory}"


def _hostile(data: dict[str, Any] | None) -> str:
    if data is None:
        return _missing("hostile.json")
    cases = dict(data["cases"])
    baseline = cases.pop("baseline", {}).get("cli")
    titles = data["titles"]
    rows = [
        "| case | bound (library / CLI) | sync client | async client | CLI |",
        "|---|---|---|---|---|",
    ]
    for key in data["order"]:
        runs = cases.get(key)
        if not runs:
            continue
        library = runs.get("sync") or runs.get("async") or {}
        cli = runs.get("cli")
        bound = f"{library.get('bound', 0):g} s" + (f" / {cli['bound']:g} s" if cli else "")
        rows.append(
            f"| {titles.get(key, key)} | {bound} | {_cell(runs.get('sync'))} | {_cell(runs.get('async'))} | "
            f"{_cell(cli) if cli else 'n/a'} |"
        )
    base = (
        f"A healthy `status` call took the CLI {baseline['seconds']:.1f} s and {baseline['peak_rss_mb']:.0f} MB RSS "
        "in the same run (start-up included, with the other CLI cases running beside it).\n\n"
        if baseline
        else ""
    )
    return base + "\n".join(rows) + "\n"


def _previous_mutation_figures() -> str | None:
    """The mutation figures of the document as it stands (a `make mutate` run's), when they are there."""
    if not DOC.exists():
        return None
    text = DOC.read_text(encoding="utf-8")
    start = text.find("## 8. Mutation testing")
    end = text.find("\n## 9.", start)
    if start < 0 or end < 0:
        return None
    section = text[start:end]
    figures = section.find("**")
    if figures < 0 or "mutants killed" not in section:
        return None
    body = section[figures:].rstrip() + "\n"
    note = "(kept from the last `make mutate` run: reports/mutation.json is not part of this run)\n\n"
    return body if body.startswith("(kept") else note + body


def _mutation(data: dict[str, Any] | None) -> str:
    if data is None:
        kept = _previous_mutation_figures()
        if kept is not None:
            return kept
        return _missing("mutation.json") + "Run `make mutate` (several minutes) to produce it.\n"
    rows = ["| module | mutants | killed | survived | score |", "|---|---|---|---|---|"]
    for name, figures in sorted(data["modules"].items()):
        total = figures["killed"] + figures["survived"]
        score = 100.0 * figures["killed"] / total if total else 100.0
        rows.append(f"| `{name}` | {total} | {figures['killed']} | {figures['survived']} | {score:.1f}% |")
    total = data["killed"] + data["survived"]
    rows.append(
        f"| **all** | **{total}** | **{data['killed']}** | **{data['survived']}** | "
        f"**{100.0 * data['killed'] / total if total else 100.0:.1f}%** |"
    )
    survivors = "\n".join(
        f"- `{s['module']}:{s['line']}` {s['change']} in `{s['text']}`"
        + (f" (equivalent: {s['why']})" if s.get("why") else "")
        for s in data["survivors"]
    )
    sampled = data.get("sampled")
    scope = (
        f"a sample of {sampled} mutants per module, evenly spread over each module's mutants"
        if sampled
        else "every mutant of every core module"
    )
    rounds = data.get("rounds", 1)
    again = f"; the survivors were re-tested after tests were added ({rounds} rounds)" if rounds > 1 else ""
    return (
        f"**{data['killed']} of {total} mutants killed ({100.0 * data['killed'] / total if total else 100.0:.1f}%)**, "
        f"{data['timeouts']} of them by the time limit; {scope}{again}; {data['seconds']:.0f} s in all.\n\n"
        + "\n".join(rows)
        + "\n\nSurviving mutants:\n\n"
        + (survivors or "- none")
        + "\n"
    )


#: Section 9 of the report: the upload-fault tests (tests/robustness/test_upload_faults.py) and what each asserts.
UPLOAD_FAULT_ROWS: tuple[tuple[str, str, str], ...] = (
    (
        ("chunk failure (the third PUT answers 500 once)"),
        ("retries that chunk with the client's `RetryPolicy` backoff, on a fresh presigned URL"),
        ("12 PUTs for 11 chunks, exactly one 500, the failed chunk sent twice and reported `completed`"),
    ),
    (
        ("chunk that keeps failing (503 on every PUT of chunk 5)"),
        ("gives up after `max_retries + 1` attempts"),
        (
            "`UploadError` naming the upload, the asset, chunk 5 and status 503; once the origin recovers the "
            "same call finishes, PUTting exactly the chunks missing from the first run, in the same session"
        ),
    ),
    (
        ("dropped connection (closed half-way through the second PUT's body)"),
        ("counts it as a failed attempt and sends the chunk again, whole"),
        ("one PUT without a status, 12 PUTs in all, byte-equal file"),
    ),
    (
        ("expired URLs (every URL issued so far expires at the second PUT)"),
        (
            "asks for fresh URLs (`presigned-urls`, runs of up to 50) and drops every URL of the same or an older"
            " batch; an expiry is not counted as a failure (works with `max_retries=0`)"
        ),
        ("exactly one 403, 12 PUTs in all, every `presigned-urls` call answered 200"),
    ),
    (
        ("kill and resume (an exception from the progress callback after four chunks)"),
        (
            "the state file (upload id, asset id, size, mtime, fingerprint, ETags sent but not reported) stays; "
            "the same call again reads the session's status from the server, reports the kept ETags and sends the"
            " rest"
        ),
        (
            "the second run PUTs exactly the chunks the first did not, none twice; one `createMultipartUpload` in"
            " all; progress resumes at the bytes already sent"
        ),
    ),
    (
        ("kill and resume, async (the upload task is cancelled mid-way, as Ctrl-C does under `asyncio.run`)"),
        ("the workers are cancelled, the state file stays"),
        ("as above"),
    ),
    (
        ("kill -9 (the uploading process gets SIGKILL after three chunks; the fake served over real HTTP)"),
        ("nothing runs at exit: the state file written after each chunk is all that is left"),
        (
            "the process ends by signal 9 leaving one state file; the same call in another process PUTs exactly "
            "the missing chunks, in the same session"
        ),
    ),
    (
        ("changed file (same size, other bytes, new mtime)"),
        ("starts a new session; the old one is left to expire"),
        ("two sessions; the new one holds the new bytes"),
    ),
    (
        ("file changed during the upload (touched after two chunks)"),
        ("checks size and mtime before the report that would complete the session"),
        (
            "`ValidationError` on `path`; the session stays incomplete, the state file is removed, the next call "
            "uploads anew"
        ),
    ),
    (
        ("session closed on the server mid-upload"),
        ("stops at the origin's 404 instead of retrying"),
        ("`UploadError`; the next call starts a new session and completes"),
    ),
    (
        ("503 on `POST /assets/multipart-uploads`"),
        ("never retried: the session may exist"),
        ("`ServerError` after exactly one create, no PUT"),
    ),
    (
        ("API key"),
        (
            "chunk PUTs go through their own HTTP client: no API key, no default headers, only the session's "
            "`upload_headers`"
        ),
        (
            "no request to the upload origin carries `x-api-key` or `Authorization`, even when the caller's "
            "`http_client` has both as default headers; every API request carries the key"
        ),
    ),
)
UPLOAD_FAULTS_INTRO = """## 9. Upload faults

`tests/robustness/test_upload_faults.py`: `client.assets.upload(path)` of an eleven-chunk file (1 KiB chunks,
the multipart threshold lowered) against the in-process fake, whose upload origin is a separate host that
refuses `x-api-key`, checks the signed headers, answers real ETags (md5) and shapes chunk PUTs with
`fake.chunk_faults`. Every row asserts the fake's request log and that the file arrived byte-equal (the
session's chunks joined, checked against the bytes on disk):
"""
UPLOAD_FAULTS_OUTRO = """\
`tests/wrapper/test_assets_client.py` adds the main path with both clients: chunks byte-equal, progress
monotone from 0 to the file size, at most `concurrency` PUTs in flight (and more than one), the state file
removed once the upload completes.
"""


def _upload_faults() -> str:
    table = ["| fault | what the client does | asserted outcome |", "|---|---|---|"]
    table += [f"| {fault} | {does} | {asserted} |" for fault, does, asserted in UPLOAD_FAULT_ROWS]
    return UPLOAD_FAULTS_INTRO + "\n" + "\n".join(table) + "\n\n" + UPLOAD_FAULTS_OUTRO


def render() -> str:
    prism, fake, fuzz = _load("schemathesis-prism.json"), _load("schemathesis-fake.json"), _load("response-fuzz.json")
    matrix, matrix_data = _load("fault-matrix.md"), _load("fault-matrix.json")
    inputs, guard = _load("bad-input.json"), _load("secret-guard.json")
    hostile, mutation = _load("hostile.json"), _load("mutation.json")
    return f"""# Robustness: bad input, faults, fuzzing, hostile servers and mutants

What the client has been shown to survive, with the figures of the last recorded run. Every number below is
produced by a test (tests/robustness, tests/fake/test_schemathesis.py) or by `make mutate`, and rendered by
`scripts/robustness_report.py` from `reports/*.json`; nothing here is typed by hand.

**Refresh:** run the tests, then the renderer:

```bash
.venv/bin/pytest tests/fake/test_schemathesis.py tests/robustness    # part of `make test` (bounded sizes)
FUZZ_EXAMPLES=500 .venv/bin/pytest tests/fake/test_schemathesis.py tests/robustness   # long run (`make fuzz`)
make mutate                                                          # mutation score (long; not in `make test`)
.venv/bin/python scripts/robustness_report.py                        # rewrites this file from reports/
```

The fault-matrix test fails when the table below differs from the one it produced, so this file cannot
silently drift from the retry rules.

## 1. Schemathesis against Prism

`tests/robustness/test_schemathesis_prism.py`: schemathesis' own engine (what `st run` runs) against the
session Prism of `tests/conftest.py` serving `openapi.yaml`, positive mode, all four phases, stateful
sequences through the spec's links (create -> status / retrieve / get), configuration passed explicitly.

{_prism(prism)}
Prism limits worked around, each named in the test: Prism accepts any `x-api-key` value, so `ignored_auth`
is excluded; Prism's multipart parser (parse-multipart-data 1.5.0, upstream issue #2672) crashes the whole
process on a file part without a Content-Type line (the same code path as the known `;` crash), so the test
adds a per-part Content-Type to schemathesis' file parts. Negative mode is not run against Prism (its own
400/422 bodies and the crash above make it a test of Prism, not of the spec); it runs against the fake.

## 2. Schemathesis against the fake

`tests/fake/test_schemathesis.py`: the in-process fake, all phases, positive **and** negative modes, all checks.

{_fake(fake)}
## 3. Response bodies parsed

`tests/robustness/test_response_fuzz.py`: every response schema of `openapi.yaml` (success and error bodies
of every operation) is wrapped as the request body of a dummy operation in a throw-away OpenAPI document,
and schemathesis' positive strategy draws bodies from it (toolchain.md §7). Each body is validated with
jsonschema, parsed by the generated model (and checked to be fully typed: no raw dicts, no date-time left as
a string), and parsed by the wrapper for every (operation, status) that declares the schema; success bodies
also go end to end through `EmbedClient` and, for task bodies, through `retrieve_arrays` (the
multipart-upload operations, which the client calls only inside `assets.upload`, stop at the wrapper's parse).

{_fuzz(fuzz)}
Forward compatibility: unknown statuses, options, scopes, quadrants, truncation reasons and metadata input
types, extra keys at every level, and `null` wherever the spec allows it, all parse; unknown enum values come
back as the server's string and extra keys stay in `additional_properties`.

## 4. Faults survived

`tests/robustness/test_fault_matrix.py`: the fake over real HTTP (uvicorn on a thread); connection refused is
a closed port that starts listening at the client's next retry; reset mid-response is a TCP RST after the
head and half the body (`tests/robustness/_shim.py`); a read timeout is a `slow` fault longer than the
client's read timeout; the rest use the fake's fault API. Each fault hits the first request of a call (the
first `max_retries + 1` of a wait, so the wait itself must absorb one failed poll); the last row never
recovers. Task-creating calls get faults the server *processed* (the task exists although the answer was
lost), so a retry would duplicate it. Every cell runs under a 60 s watchdog, must end in success or an
`EmbedError` subclass, and is asserted against the outcome the retry rules promise:

{_faults(matrix, matrix_data)}
Rules behind the cells: GETs retry on connection errors, timeouts, 408, 429 and 5xx; a task-creating POST
retries only on 429 or a connection that provably never carried the request; a 2xx whose body cannot be
parsed is not retried by a single call, but a wait absorbs it; a body with a wrong Content-Type that is valid
JSON is read as JSON; `Retry-After` replaces the backoff (asserted: the first retry of the 429 row waits
exactly 1 s, the row without the header waits the backoff's 0.5 s).

A wait's deadline bounds everything inside it: each poll's request, its retries and any `Retry-After` pause are
clipped to the time the wait has left, plus a final poll's grace of 0.5 s (`FINAL_POLL_GRACE`; asserted in the
"server down" cell and in section 7).

## 5. Inputs rejected

`tests/robustness/test_bad_input.py` adds what `tests/wrapper/test_validation.py` did not cover: NaN and
±inf in every numeric argument and client setting, wrong types, empty strings, oversize base64 for every
input kind, directories and other non-regular files as uploads.

{_inputs(inputs)}
`PollPolicy(max_delay_fraction=inf)` is accepted on purpose (it means "no cap relative to the time waited");
a test checks the poll schedule stays finite and within its bounds with it.

## 6. Security

`tests/robustness/test_security.py` and the autouse `secret_guard` fixture of `tests/robustness/conftest.py`.

{_guard(guard)}
- The API key never appears in log records (every logger at DEBUG, uvicorn and httpx included), reprs, error
  messages or args, `__cause__`/`__context__` chains, or the request headers reachable from an error or a
  response (`error.response.request`, `error.request`): the transport puts the key only on its own copy of
  each request. Checked across the fault matrix, the response fuzzing and dedicated error-path tests; a
  self-test proves the guard finds a planted leak. The schemathesis JUnit report holds no key either.
- A redirect (301, 302, 303, 307, 308) from the API origin to another origin (a second loopback server on
  another port) is followed without the key; a redirect within the origin keeps it.
- TLS verification is on by default (`CERT_REQUIRED`, `check_hostname`), for the sync and async clients;
  only `verify=False` turns it off.
- A plain-http base URL is refused unless the host is loopback (127.0.0.0/8, ::1, localhost, *.localhost)
  or `allow_insecure_http=True`; look-alikes (`127.0.0.1.nip.io`, `localhost.evil.example`,
  `127.0.0.1@evil.example`, `0.0.0.0`) are refused, from the argument and from `TWELVELABS_BASE_URL`.
- Uploads whose bytes contain multipart framing (the old fixed boundary `\\r\\n--+++`, the previous request's
  boundary, `--` and CRLF runs, `Content-Disposition` lines, all 256 byte values) reach the fake over real HTTP
  with the same SHA-256 and inject no form field; every request uses a fresh random boundary.

## 7. Hostile servers

`tests/robustness/test_hostile.py`: raw asyncio servers on loopback ports (`tests/robustness/_hostile.py`),
each behaving as no honest server would, against the sync client, the async client and the CLI (a
subprocess with `TWELVELABS_BASE_URL` pointing at the server). Every library run must end within its bound,
raise exactly the `EmbedError` named (never `MemoryError`, `RecursionError`, `OverflowError`, `RuntimeError` or
an h11 error), and never show the API key (the secret guard checks its logs, the error and its chain); the
memory figure is the peak of traced Python allocations during the call (tracemalloc), asserted under 100 MB
where memory is the point (the 10 MiB-capped endless and bomb bodies, the uploads). The CLI must exit
non-zero (zero for a listing, and for a valid answer behind absurd headers) without a traceback or the key,
within its bound; its memory figure is its peak RSS (`VmHWM`, read every 20 ms). It runs with the library's defaults
(`max_response_bytes` 1 GiB), so its endless and bomb rows are bounded by the wait's deadline rather than by
the cap. How each bound is kept:

- Every socket operation of the client's own transport is clipped to the call's deadline
  (`_async/_transport.py`): a dripped head or body ends at `Timeouts.total`, or at a wait's deadline plus
  0.5 s. With a caller's `transport=`/`http_client=` or an environment proxy, the deadline is kept by the
  per-phase timeouts (clipped at each attempt) and between body chunks instead.
- The body is read in chunks against `max_response_bytes`, counted as received and after decompression.
- A `Retry-After` longer than the time left is not waited for; an absurd HTTP date is ignored; every answer
  is read and closed on every path (105 answers with an overflowing date, then a healthy call, share one
  pooled connection).
- Error bodies are parsed with orjson (1024 levels at most); the key is redacted from the code, message,
  details and request id of an error.
- A listing stops when a page repeats any earlier page.
- An upload reads exactly the size checked before the request (a file that changes is a `ValidationError`),
  or up to the limit when no size can be known, and each read ends by the call's deadline.

{_hostile(hostile)}
## 8. Mutation testing

`make mutate` (`scripts/mutate.py`, not part of `make test`): one small change at a time to the core modules
(`_retry.py`, `_polling.py`, `_pagination.py`, `_exchange.py`, `_responses.py`, `_config.py`,
`_validation.py`): a comparison flipped, a constant shifted by one, a `raise` deleted, `and`/`or` swapped,
a `return` value replaced; each mutant runs the fast tests of its module with `-x` and a timeout, and counts as
killed when they fail.

{_mutation(mutation)}
{_upload_faults()}
## Not covered

- Prism in negative mode (see section 1); the fake covers negative mode.
- A base64 document at the real 512 MiB limit (the test lowers the limit to 1 MiB to keep memory small; the
  audio, video and image limits are tested at their real values).
- HTTPS end to end (no TLS server in the tests): TLS is checked on the transport's SSL context.
- Proxies from the environment (`HTTPS_PROXY`, ...): with one set, the client lets httpx build its own
  transports (which honour it), and a dripping server behind the proxy is bounded by the per-phase timeouts
  and the checks between body chunks rather than by the clipped sockets of section 7.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DOC, help="where to write (default: docs/ROBUSTNESS.md)")
    args = parser.parse_args(argv)
    text = render()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
