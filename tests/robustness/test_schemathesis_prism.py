"""Schemathesis against Prism serving openapi.yaml: positive mode, every phase (examples, coverage, fuzzing,
stateful through the spec's links), every check but the ones Prism cannot pass (each with its reason below).

It runs schemathesis' own engine in-process, exactly what `st run` does, with the configuration passed
explicitly (`schemathesis.Config.from_dict`, so no `schemathesis.toml` from a parent folder leaks in), and
feeds the events to schemathesis' own JUnit writer: reports/schemathesis-prism.junit.xml is the
`st run --report junit` of this run; reports/schemathesis-prism.json holds the case counts.

Bounded for `make test` (`PRISM_EXAMPLES` cases per operation and phase); `FUZZ_EXAMPLES=<n>` runs longer.
Prism is the session fixture `prism_static` of tests/conftest.py (shared with the contract tests).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.junitxml import JunitXMLHandler
from schemathesis.engine import StopReason, events, from_schema

from tests.support.processes import ServerProcess

from ._support import API_KEY, REPORTS, SPEC_PATH, fuzz_examples, write_report

PRISM_EXAMPLES = fuzz_examples(25)
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20260701"))
JUNIT = REPORTS / "schemathesis-prism.junit.xml"
OPERATIONS = {
    "POST /embed",
    "POST /embed/tasks",
    "GET /embed/tasks",
    "GET /embed/tasks/{task_id}/status",
    "GET /embed/tasks/{task_id}",
    "POST /embed-v2",
    "POST /embed-v2/tasks",
    "GET /embed-v2/tasks",
    "GET /embed-v2/tasks/{task_id}",
    "POST /assets",
    "GET /assets",
    "GET /assets/{asset_id}",
    "DELETE /assets/{asset_id}",
    "POST /assets/multipart-uploads",
    "GET /assets/multipart-uploads",
    "GET /assets/multipart-uploads/{upload_id}",
    "POST /assets/multipart-uploads/{upload_id}",
    "POST /assets/multipart-uploads/{upload_id}/presigned-urls",
}

# Prism limit (toolchain.md §4, upstream stoplightio/prism#2672): its multipart parser, parse-multipart-data
# 1.5.0, reads a file part's Content-Type line unconditionally (`contentTypeHeader.split(':')[1].trim()`), so
# a file part without one kills the whole Prism process (`TypeError ... reading 'trim'`), exactly like a `;`
# in a part name. RFC 7578 makes that header optional and schemathesis omits it, so every multipart case gets
# an explicit per-part Content-Type. The values are still schemathesis' own; only the part header is added.
FILE_PART_TYPES = {
    "video_file": "video/mp4",
    "image_file": "image/png",
    "audio_file": "audio/mpeg",
    "file": "video/mp4",
}


def _config(base_url: str) -> dict[str, Any]:
    return {
        "base-url": base_url,
        "seed": FUZZ_SEED,
        "auth": {"openapi": {"ApiKeyAuth": {"api_key": API_KEY}}},
        "generation": {"mode": "positive", "max-examples": PRISM_EXAMPLES, "database": "none"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True},
        },
        "checks": {
            "enabled": True,
            # Prism limit (toolchain.md §4/§6): security only checks that `x-api-key` is present and accepts any
            # value, so the request with a made-up key that `ignored_auth` sends is answered 200.
            "ignored_auth": {"enabled": False},
            # Prism limit: it keeps no state, so an asset deleted through the spec's DeleteAsset link is still
            # served afterwards. The stateful fake passes this check (tests/fake/test_schemathesis.py).
            "use_after_free": {"enabled": False},
        },
        "reports": {"junit": {"enabled": True, "path": str(JUNIT)}},
    }


def _with_file_part_types(case: schemathesis.Case) -> schemathesis.Case:
    if case.media_type and case.media_type.startswith("multipart/"):
        case.multipart_content_types = {**FILE_PART_TYPES, **(case.multipart_content_types or {})}
    return case


def _run(prism: ServerProcess) -> dict[str, Any]:
    """Run every phase against `prism`; return the figures (cases, checks, failures, errors)."""
    schema = schemathesis.openapi.from_path(SPEC_PATH, config=schemathesis.Config.from_dict(_config(prism.base_url)))

    @schema.hook
    def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
        return _with_file_part_types(case)

    @schema.hook
    def before_add_examples(context: schemathesis.HookContext, examples: list[schemathesis.Case]) -> None:
        examples[:] = [_with_file_part_types(case) for case in examples]

    REPORTS.mkdir(exist_ok=True)
    context = ExecutionContext(config=schema.config)
    junit = JunitXMLHandler(Path(JUNIT))
    cases: Counter[str] = Counter()
    checks: Counter[str] = Counter()
    failures: list[str] = []
    errors: list[str] = []
    stateful: dict[str, int] = {}
    stop_reason = None
    for event in from_schema(schema).execute():
        context.on_event(event)
        junit.handle_event(context, event)
        if isinstance(event, events.PhaseStarted) and isinstance(event.payload, events.StatefulPhasePayload):
            stateful = {
                "links_total": event.payload.transitions_total,
                "links_selected": event.payload.transitions_selected,
                "links_inferred": event.payload.inferred_transitions,
            }
        elif isinstance(event, events.ScenarioFinished):
            for node in event.recorder.cases.values():
                cases[f"{event.phase.value}|{node.value.operation.label}"] += 1
            for results in event.recorder.checks.values():
                for check in results:
                    checks[check.name] += 1
                    if check.status.value != "success":
                        failures.append(f"{event.phase.value} {event.recorder.label}: {check.name}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(f"{type(event).__name__}: {getattr(event, 'label', '')} {event}"[:2000])
        elif isinstance(event, events.EngineFinished):
            stop_reason = event.stop_reason
    junit.shutdown(context)
    by_phase: Counter[str] = Counter()
    for key, count in cases.items():
        by_phase[key.split("|")[0]] += count
    return {
        "examples_per_operation": PRISM_EXAMPLES,
        "seed": FUZZ_SEED,
        "mode": "positive",
        "cases_total": sum(cases.values()),
        "cases_by_phase": dict(by_phase),
        "cases_by_phase_and_operation": dict(cases),
        "checks_run": dict(checks),
        "checks_excluded": {
            "ignored_auth": "Prism accepts any x-api-key value",
            "use_after_free": "Prism keeps no state: a deleted asset is still served",
        },
        "stateful": stateful,
        "failures": failures,
        "errors": errors,
        "stop_reason": str(stop_reason),
    }


def test_prism_passes_every_schemathesis_check(prism_static: ServerProcess) -> None:
    """Every positive case of every phase gets a Prism answer that passes every enabled check, and Prism survives."""
    figures = _run(prism_static)
    write_report("schemathesis-prism.json", figures)
    assert prism_static.is_running(), f"Prism died during the run:\n{prism_static.log_tail()}"
    assert figures["errors"] == [], "\n".join(figures["errors"])
    assert figures["failures"] == [], "\n".join(figures["failures"][:20])
    assert figures["stop_reason"] == str(StopReason.COMPLETED)
    tested = {key.split("|")[1] for key in figures["cases_by_phase_and_operation"]}
    assert tested >= OPERATIONS, f"operations never called: {OPERATIONS - tested}"
    phases = figures["cases_by_phase"]
    assert phases.get("fuzzing", 0) >= len(OPERATIONS) * min(PRISM_EXAMPLES, 10)
    assert phases.get("coverage", 0) > 0 and phases.get("examples", 0) > 0
    # The stateful phase follows the spec's links (create -> status / retrieve / get) with real ids from Prism.
    assert phases.get("stateful", 0) > 0
    assert figures["stateful"].get("links_selected", 0) >= 3
    assert "response_schema_conformance" in figures["checks_run"]
    junit = JUNIT.read_text()
    assert junit.count("<testcase") >= len(OPERATIONS)
    assert API_KEY not in junit  # schemathesis writes curl lines into failures; its sanitizer must hide the key
