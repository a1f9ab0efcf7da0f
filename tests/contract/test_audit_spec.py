"""`make audit-spec` (scripts/audit_spec.py): the official spec diffed against openapi.yaml, field by field.

Each test doctors a temporary copy of one of the two documents and checks that exactly the planted
differences appear on top of today's (the real documents differ in many places, on purpose).
"""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "audit_spec.py"
OURS = ROOT / "openapi.yaml"
UPSTREAM = ROOT / "spec" / "upstream" / "twelvelabs-openapi-1.3.yaml"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_spec", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


audit_spec = _load_script()


def entries(result: Any) -> set[str]:
    """Every reported difference as one comparable line."""
    found = {f"missing operation {op}" for op in result.missing_operations}
    found |= {f"extra operation {op}" for op in result.extra_operations}
    for op in result.operations:
        found |= {f"{op.key} | lack | {e}" for e in op.lack}
        found |= {f"{op.key} | beyond | {e}" for e in op.beyond}
        found |= {f"{op.key} | conflict | {e}" for e in op.conflicts}
    return found


LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture(scope="module")
def documents() -> tuple[dict[str, Any], dict[str, Any]]:
    return yaml.load(UPSTREAM.read_text(), Loader=LOADER), yaml.load(OURS.read_text(), Loader=LOADER)


@pytest.fixture(scope="module")
def today() -> Any:
    """The audit of the real documents."""
    return audit_spec.audit(UPSTREAM, OURS)


@pytest.fixture(scope="module")
def baseline(today: Any) -> set[str]:
    return entries(today)


def _write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.dump(document, Dumper=DUMPER, sort_keys=False))
    return path


def test_doctored_openapi_yaml_differences_are_reported_exactly(
    documents: tuple[dict[str, Any], dict[str, Any]], baseline: set[str], tmp_path: Path
) -> None:
    """A dropped status, an added property, a changed type and a removed operation in ours are each reported."""
    ours = copy.deepcopy(documents[1])
    del ours["paths"]["/embed-v2/tasks/{task_id}"]["get"]["responses"]["404"]
    ours["components"]["schemas"]["EmbeddingTask"]["properties"]["contract_probe"] = {"type": "string"}
    ours["components"]["schemas"]["EmbeddingTask"]["properties"]["_id"] = {"type": "integer"}
    del ours["paths"]["/embed"]
    result = audit_spec.audit(UPSTREAM, _write(tmp_path, "ours.yaml", ours))
    found = entries(result)
    get_task = "GET /embed-v2/tasks/{}"
    assert found - baseline == {
        "missing operation POST /embed (create-text-image-audio-embedding)",
        f"{get_task} | lack | response 404 (application/json)",
        f"{get_task} | beyond | response 200 body.contract_probe: string optional",
        f"{get_task} | conflict | response 200 body._id: type upstream string, ours integer",
    }
    assert {e for e in baseline - found if not e.startswith("POST /embed |")} == set()


def test_doctored_upstream_differences_are_reported_exactly(
    documents: tuple[dict[str, Any], dict[str, Any]], baseline: set[str], tmp_path: Path
) -> None:
    """A new enum value, a new required body field and a new query parameter upstream are each reported."""
    upstream = copy.deepcopy(documents[0])
    ref = upstream["paths"]["/embed-v2"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    create = upstream["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    create["properties"]["model_name"]["enum"].append("marengo9")
    create["properties"]["priority"] = {"type": "string", "enum": ["low", "high"]}
    create["required"] = [*create.get("required", []), "priority"]
    upstream["paths"]["/embed/tasks"]["get"].setdefault("parameters", []).append(
        {"name": "sort", "in": "query", "schema": {"type": "string"}}
    )
    result = audit_spec.audit(_write(tmp_path, "upstream.yaml", upstream), OURS)
    assert entries(result) - baseline == {
        "POST /embed-v2 | conflict | request body.model_name: enum values only upstream ['marengo9']",
        "POST /embed-v2 | lack | request body.priority: string enum{high, low} required",
        "GET /embed/tasks | lack | parameter query sort: string optional",
    }


def test_every_upstream_asset_operation_is_compared_or_reported_missing(today: Any) -> None:
    """All nine /assets operations of the official spec appear, compared or as missing from openapi.yaml."""
    result = today
    seen = {op.split(" (")[0] for op in result.missing_operations} | {op.key for op in result.operations}
    assert {key for key in seen if " /assets" in key} == {
        "POST /assets",
        "GET /assets",
        "GET /assets/{}",
        "DELETE /assets/{}",
        "POST /assets/multipart-uploads",
        "GET /assets/multipart-uploads",
        "GET /assets/multipart-uploads/{}",
        "POST /assets/multipart-uploads/{}",
        "POST /assets/multipart-uploads/{}/presigned-urls",
    }
    assert not result.extra_operations  # every embed operation we declare exists upstream


def test_ref_allof_and_oneof_are_read_through() -> None:
    """$ref, allOf (merged) and oneOf (any shape; required only when every variant requires it) are resolved."""
    doc = audit_spec.Document(OURS)
    facts: dict[str, Any] = {}
    doc.flatten(
        {
            "allOf": [
                {"$ref": "#/components/schemas/FlatError"},
                {
                    "oneOf": [
                        {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}, "b": {}}},
                        {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
                    ]
                },
            ]
        },
        "x",
        True,
        facts,
    )
    assert facts["x.code"].types == {"string"}  # from the $ref'd FlatError
    assert facts["x.a"].types == {"string", "integer"} and facts["x.a"].required
    assert not facts["x.b"].required


def test_the_command_is_informational_unless_strict() -> None:
    """`--summary` prints the counts and exits 0 although the documents differ; `--strict` then exits 1."""
    run = [sys.executable, str(SCRIPT), "--summary"]
    result = subprocess.run(run, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "summary: operations compared" in result.stdout and "conflicts" in result.stdout
    strict = subprocess.run([*run, "--strict"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert strict.returncode == 1
