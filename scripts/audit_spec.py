"""`make audit-spec`: diff the official TwelveLabs OpenAPI document against openapi.yaml, field by field.

Only the embed operations (`/embed...`) and the asset operations (`/assets...`) are compared. For each
operation present in both (matched by method and path, path parameter names ignored) it compares:

- parameters (by location and name): type, enum, format, required;
- the request body: content types, then every property (nested, `[]` for array items): type, enum,
  format, required;
- the responses: status codes, content types, then every body property the same way.

`$ref`s are resolved (schemas, parameters, request bodies, responses). `allOf` merges its branches (the
union of their properties and required lists). `oneOf` / `anyOf` are read as "any of these shapes": the
properties of every variant, each required only when every object variant requires it, the union of the
types and enum values; an enum next to a free variant of the same type (openapi.yaml's open enums,
`anyOf: [{enum: [...]}, {type: string}]`) counts as an open enum. The header parameters `Content-Type`
and `x-api-key` are not compared (the official document declares them on every operation; openapi.yaml
expresses them as the body's media type and the security scheme).

Output: operations upstream has that openapi.yaml lacks, then per operation what upstream has that we
lack, what we have beyond it, and what conflicts. Informational: the exit code is 0 unless `--strict`
(then 1 when anything differs). `--summary` prints only the counts; `--json` prints everything as JSON.

    python scripts/audit_spec.py [--upstream spec/upstream/twelvelabs-openapi-1.3.yaml] [--ours openapi.yaml]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT / "spec" / "upstream" / "twelvelabs-openapi-1.3.yaml"
OURS = ROOT / "openapi.yaml"
PREFIXES = ("/embed", "/assets")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
IGNORED_HEADERS = {"content-type", "x-api-key"}
MAX_DEPTH = 12
MAX_ALTERNATIVES = 64

Schema = Mapping[str, Any]


# ----------------------------------------------------------------------------------------------- schemas


@dataclass(frozen=True)
class Facts:
    """What is compared about one field: its types, enum values (open or closed), formats, requiredness."""

    types: frozenset[str]
    enum: frozenset[str] | None
    open_enum: bool
    formats: frozenset[str]
    required: bool

    def describe(self) -> str:
        parts = ["|".join(sorted(self.types)) or "any"]
        if self.enum is not None:
            parts.append("enum{" + ", ".join(sorted(self.enum)) + ("}+open" if self.open_enum else "}"))
        if self.formats:
            parts.append("format=" + "|".join(sorted(self.formats)))
        parts.append("required" if self.required else "optional")
        return " ".join(parts)


class Document:
    """One OpenAPI document with `$ref` resolution."""

    def __init__(self, path: Path) -> None:
        self.path = path
        loaded = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if not isinstance(loaded, dict) or not isinstance(loaded.get("paths"), dict):
            raise SystemExit(f"audit-spec: {path} is not an OpenAPI document")
        self.root: dict[str, Any] = loaded

    def resolve(self, node: Any, seen: tuple[str, ...] = ()) -> tuple[Any, tuple[str, ...]]:
        """Follow `$ref`s; returns the target and the refs followed (for cycle detection)."""
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}, (*seen, ref)
            target: Any = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, Mapping) else None
            seen = (*seen, ref)
            node = target if target is not None else {}
        return node, seen

    # A schema is expanded into "alternatives": plain schemas without $ref/allOf/oneOf/anyOf.
    def alternatives(self, schema: Any, seen: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        schema, seen = self.resolve(schema, seen)
        if not isinstance(schema, Mapping):
            return [{}]
        if "content" in schema and "type" not in schema:  # a response object where a schema belongs
            schema = _json_schema(schema.get("content")) or {}
            schema, seen = self.resolve(schema, seen)
        base = {k: v for k, v in schema.items() if k not in ("allOf", "oneOf", "anyOf", "$ref")}
        if base.get("nullable") is True:
            types = _types(base)
            base["type"] = sorted(types | {"null"}) if types else ["null"]
        result = [base]
        for branch in schema.get("allOf") or []:
            combined = [_merge(a, b) for a, b in itertools.product(result, self.alternatives(branch, seen))]
            result = combined if len(combined) <= MAX_ALTERNATIVES else [_merge_all(combined)]
        for keyword in ("oneOf", "anyOf"):
            if keyword in schema:
                variants = [alt for branch in schema[keyword] for alt in self.alternatives(branch, seen)]
                result = [_merge(a, b) for a, b in itertools.product(result, variants)][: MAX_ALTERNATIVES * 4]
        return result

    def flatten(self, schema: Any, prefix: str, required: bool, out: dict[str, Facts], depth: int = 0) -> None:
        """Record `prefix` and every nested property under it."""
        alts = self.alternatives(schema)
        out[prefix] = _facts(alts, required)
        if depth >= MAX_DEPTH:
            return
        objects = [a for a in alts if "properties" in a or "object" in _types(a)]
        names: dict[str, list[Any]] = {}
        for alt in objects:
            for name, sub in (alt.get("properties") or {}).items():
                names.setdefault(str(name), []).append(sub)
        for name, subs in names.items():
            required_everywhere = all(name in (a.get("required") or []) for a in objects)
            self.flatten(
                {"anyOf": subs} if len(subs) > 1 else subs[0], f"{prefix}.{name}", required_everywhere, out, depth + 1
            )
        items = [a["items"] for a in alts if isinstance(a.get("items"), Mapping)]
        if items:
            self.flatten({"anyOf": items} if len(items) > 1 else items[0], f"{prefix}[]", False, out, depth + 1)


def _json_schema(content: Any) -> Any:
    if not isinstance(content, Mapping):
        return None
    for media_type, media in content.items():
        if "json" in str(media_type) and isinstance(media, Mapping):
            return media.get("schema")
    return None


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(t) for t in declared}
    if "properties" in schema:
        return {"object"}
    if "items" in schema:
        return {"array"}
    values = schema.get("enum") or ([schema["const"]] if "const" in schema else [])
    return {_json_type(v) for v in values}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "string"


def _enum(schema: Mapping[str, Any]) -> set[str] | None:
    if "const" in schema:
        return {json.dumps(schema["const"]) if not isinstance(schema["const"], str) else schema["const"]}
    if isinstance(schema.get("enum"), list):
        return {v if isinstance(v, str) else json.dumps(v) for v in schema["enum"] if v is not None}
    return None


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Both constraints at once (allOf), or a shape refined by one of its variants (oneOf/anyOf)."""
    merged = dict(a)
    for key, value in b.items():
        if key == "properties":
            properties = dict(merged.get("properties") or {})
            for name, sub in (value or {}).items():
                properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
            merged["properties"] = properties
        elif key == "required":
            merged["required"] = sorted(set(merged.get("required") or []) | set(value or []))
        elif key == "type" and "type" in merged:
            both = _types(merged) & _types(b)
            merged["type"] = sorted(both) if both else sorted(_types(merged) | _types(b))
        elif key == "enum" and "enum" in merged:
            merged["enum"] = [v for v in merged["enum"] if v in value] or list(value)
        else:
            merged.setdefault(key, value)
    return merged


def _merge_all(alternatives: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for alt in alternatives:
        merged = _merge(merged, alt)
    return merged


def _facts(alternatives: Sequence[Mapping[str, Any]], required: bool) -> Facts:
    types: set[str] = set()
    formats: set[str] = set()
    enum: set[str] | None = None
    free_types: set[str] = set()
    for alt in alternatives:
        alt_types = _types(alt)
        types |= alt_types
        if isinstance(alt.get("format"), str):
            formats.add(alt["format"])
        values = _enum(alt)
        if values is not None:
            enum = (enum or set()) | values
        elif alt_types:
            free_types |= alt_types
        else:
            free_types.add("any")
    enum_types = {t for alt in alternatives if _enum(alt) is not None for t in _types(alt)} - {"null"}
    open_enum = enum is not None and bool(free_types & (enum_types | {"any"}))
    return Facts(frozenset(types), None if enum is None else frozenset(enum), open_enum, frozenset(formats), required)


# ----------------------------------------------------------------------------------------------- operations


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    facts: dict[str, Facts] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # non-schema facts: status codes, content types

    @property
    def key(self) -> str:
        return f"{self.method} {_template(self.path)}"


def _template(path: str) -> str:
    """The path with parameter names dropped, so `{task_id}` and `{taskId}` match."""
    parts = [("{}" if p.startswith("{") and p.endswith("}") else p) for p in path.split("/")]
    return "/".join(parts)


def operations(doc: Document) -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for path, item in doc.root["paths"].items():
        if not str(path).startswith(PREFIXES) or not isinstance(item, Mapping):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            raw = item.get(method)
            if not isinstance(raw, Mapping):
                continue
            op = Operation(method.upper(), str(path), str(raw.get("operationId", "?")))
            _parameters(doc, [*shared, *(raw.get("parameters") or [])], op)
            _request(doc, raw.get("requestBody"), op)
            _responses(doc, raw.get("responses") or {}, op)
            found[op.key] = op
    return found


def _parameters(doc: Document, raw: Iterable[Any], op: Operation) -> None:
    for entry in raw:
        parameter, _ = doc.resolve(entry)
        if not isinstance(parameter, Mapping) or "name" not in parameter:
            continue
        location, name = str(parameter.get("in", "?")), str(parameter["name"])
        if location == "header" and name.lower() in IGNORED_HEADERS:
            continue
        if location == "path":
            name = "{}"  # path parameters are matched by position (the path template)
        schema = parameter.get("schema") or _json_schema(parameter.get("content")) or {}
        alts = doc.alternatives(schema)
        op.facts[f"parameter {location} {name}"] = _facts(alts, bool(parameter.get("required")))


def _request(doc: Document, raw: Any, op: Operation) -> None:
    body, _ = doc.resolve(raw)
    if not isinstance(body, Mapping) or not isinstance(body.get("content"), Mapping):
        return
    content = body["content"]
    op.labels["request content-type"] = ", ".join(sorted(str(k) for k in content))
    schemas = [media.get("schema") for media in content.values() if isinstance(media, Mapping)]
    schemas = [s for s in schemas if s is not None]
    if schemas:
        doc.flatten(
            {"anyOf": schemas} if len(schemas) > 1 else schemas[0], "request body", bool(body.get("required")), op.facts
        )


def _responses(doc: Document, raw: Mapping[str, Any], op: Operation) -> None:
    for status, entry in raw.items():
        response, _ = doc.resolve(entry)
        label = f"response {status}"
        if not isinstance(response, Mapping):
            continue
        content = response.get("content")
        if not isinstance(content, Mapping) or not content:
            op.labels[label] = "no body"
            continue
        op.labels[label] = ", ".join(sorted(str(k) for k in content))
        schema = _json_schema(content)
        if schema is not None:
            doc.flatten(schema, f"{label} body", True, op.facts)


# ----------------------------------------------------------------------------------------------- diff


@dataclass
class OperationDiff:
    key: str
    upstream_id: str
    ours_id: str
    lack: list[str] = field(default_factory=list)  # upstream has, we lack
    beyond: list[str] = field(default_factory=list)  # we have, upstream lacks
    conflicts: list[str] = field(default_factory=list)


@dataclass
class Audit:
    upstream: str
    ours: str
    missing_operations: list[str]  # upstream has, we lack
    extra_operations: list[str]  # we have, upstream lacks
    operations: list[OperationDiff]

    def counts(self) -> dict[str, int]:
        return {
            "operations compared": len(self.operations),
            "operations upstream has, we lack": len(self.missing_operations),
            "operations we have beyond upstream": len(self.extra_operations),
            "fields upstream has, we lack": sum(len(d.lack) for d in self.operations),
            "fields we have beyond upstream": sum(len(d.beyond) for d in self.operations),
            "conflicts": sum(len(d.conflicts) for d in self.operations),
        }

    @property
    def differs(self) -> bool:
        counts = self.counts()
        return any(v for k, v in counts.items() if k != "operations compared")


def _compare(key: str, theirs: Facts, ours: Facts) -> list[str]:
    found = []
    if theirs.types != ours.types and "any" not in theirs.types | ours.types and theirs.types and ours.types:
        found.append(f"{key}: type upstream {'|'.join(sorted(theirs.types))}, ours {'|'.join(sorted(ours.types))}")
    if theirs.enum is not None and ours.enum is not None:
        only_up, only_ours = sorted(theirs.enum - ours.enum), sorted(ours.enum - theirs.enum)
        if only_up:
            found.append(f"{key}: enum values only upstream {only_up}" + (" (ours is open)" if ours.open_enum else ""))
        if only_ours:
            found.append(
                f"{key}: enum values only ours {only_ours}" + (" (upstream is open)" if theirs.open_enum else "")
            )
    elif (theirs.enum is None) != (ours.enum is None):
        which, facts = ("upstream", theirs) if theirs.enum is not None else ("ours", ours)
        kind = "an open enum" if facts.open_enum else "an enum"
        found.append(f"{key}: only {which} has {kind} {sorted(facts.enum or ())}")
    if theirs.formats != ours.formats:
        found.append(f"{key}: format upstream {sorted(theirs.formats) or '-'}, ours {sorted(ours.formats) or '-'}")
    if theirs.required != ours.required:
        found.append(
            f"{key}: {'required' if theirs.required else 'optional'} upstream, "
            f"{'required' if ours.required else 'optional'} ours"
        )
    return found


def diff_operation(theirs: Operation, ours: Operation) -> OperationDiff:
    result = OperationDiff(theirs.key, theirs.operation_id, ours.operation_id)
    for key in sorted(theirs.labels.keys() | ours.labels.keys()):
        if key not in ours.labels:
            result.lack.append(f"{key} ({theirs.labels[key]})")
        elif key not in theirs.labels:
            result.beyond.append(f"{key} ({ours.labels[key]})")
        elif theirs.labels[key] != ours.labels[key]:
            result.conflicts.append(f"{key}: upstream {theirs.labels[key]}, ours {ours.labels[key]}")
    for key in sorted(theirs.facts.keys() | ours.facts.keys()):
        if key not in ours.facts:
            if _reportable(key, ours):
                result.lack.append(f"{key}: {theirs.facts[key].describe()}")
        elif key not in theirs.facts:
            if _reportable(key, theirs):
                result.beyond.append(f"{key}: {ours.facts[key].describe()}")
        else:
            result.conflicts += _compare(key, theirs.facts[key], ours.facts[key])
    return result


def _parent(key: str) -> str | None:
    """`response 200 body.data[].id` -> `response 200 body.data[]` -> `response 200 body.data` -> ... -> None."""
    if key.endswith("[]"):
        return key[:-2]
    cut = key.rfind(".")
    return key[:cut] if cut > 0 else None


def _reportable(key: str, other: Operation) -> bool:
    """Report a field missing from `other` only when its parent is there (else the parent is reported)."""
    parent = _parent(key)
    if parent is not None:
        return parent in other.facts
    if key.startswith("response "):
        return f"response {key.split()[1]}" in other.labels
    if key == "request body":
        return "request content-type" in other.labels
    return True


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def audit(upstream: Path, ours: Path) -> Audit:
    theirs_ops, ours_ops = operations(Document(upstream)), operations(Document(ours))
    return Audit(
        upstream=_shown(upstream),
        ours=_shown(ours),
        missing_operations=[f"{k} ({theirs_ops[k].operation_id})" for k in sorted(theirs_ops.keys() - ours_ops.keys())],
        extra_operations=[f"{k} ({ours_ops[k].operation_id})" for k in sorted(ours_ops.keys() - theirs_ops.keys())],
        operations=[diff_operation(theirs_ops[k], ours_ops[k]) for k in sorted(theirs_ops.keys() & ours_ops.keys())],
    )


# ----------------------------------------------------------------------------------------------- output


def render(result: Audit, *, summary_only: bool) -> str:
    lines = [f"audit-spec: {result.upstream} (upstream) vs {result.ours} (ours), embed and asset operations"]
    if not summary_only:
        lines += ["", "== operations upstream has, we lack"]
        lines += [f"  {op}" for op in result.missing_operations] or ["  (none)"]
        lines += ["", "== operations we have beyond upstream"]
        lines += [f"  {op}" for op in result.extra_operations] or ["  (none)"]
        for op in result.operations:
            lines += ["", f"== {op.key} (upstream {op.upstream_id}, ours {op.ours_id})"]
            for title, entries in (
                ("upstream has, we lack", op.lack),
                ("we have beyond upstream", op.beyond),
                ("conflicts", op.conflicts),
            ):
                if entries:
                    lines.append(f"  {title}:")
                    lines += [f"    {entry}" for entry in entries]
            if not (op.lack or op.beyond or op.conflicts):
                lines.append("  identical")
        lines.append("")
    lines.append("summary: " + "; ".join(f"{k} {v}" for k, v in result.counts().items()))
    if summary_only and result.differs:
        lines.append("(informational; `make audit-spec` prints every difference)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="audit-spec", description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", type=Path, default=UPSTREAM, help="the official document")
    parser.add_argument("--ours", type=Path, default=OURS, help="our openapi.yaml")
    parser.add_argument("--summary", action="store_true", help="print only the counts")
    parser.add_argument("--json", action="store_true", help="print the whole audit as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when anything differs")
    args = parser.parse_args(argv)
    result = audit(args.upstream, args.ours)
    if args.json:
        print(json.dumps({**dataclasses.asdict(result), "counts": result.counts()}, indent=2))
    else:
        print(render(result, summary_only=args.summary))
    return 1 if args.strict and result.differs else 0


if __name__ == "__main__":
    sys.exit(main())
