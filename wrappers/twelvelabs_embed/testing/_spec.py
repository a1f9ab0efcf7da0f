"""The OpenAPI document the fake serves and validates against.

Lookup: an explicit `spec_path`, else the copy the generated client ships
(`twelvelabs_embed_generated/openapi.yaml`, read through `importlib.resources`). `make generate` writes that
copy from the repository's `openapi.yaml` and `make check-generated` fails when it drifts, so the fake, the
generated client and the spec always describe the same wire format.

Request bodies and query parameters are validated with the spec's own schemas (jsonschema, Draft 2020-12, with
a `referencing` registry holding the whole document), so the fake and the spec cannot silently disagree.
`jsonschema` and `yaml` ship no type information; they are imported here, behind small typed functions.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, cast

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["SchemaIssue", "Spec", "load_spec", "packaged_spec_bytes"]

_SPEC_URI = "urn:twelvelabs-embed:openapi"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_MAX_MESSAGE = 300


class _Validator(Protocol):
    def iter_errors(self, instance: object) -> Iterable[Any]: ...


def _yaml_load(data: bytes) -> Any:
    yaml = importlib.import_module("yaml")
    loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    return yaml.load(data, Loader=loader)  # a safe loader, chosen above


def _make_validator(schema: Mapping[str, Any], registry: Registry[Any]) -> _Validator:
    jsonschema = importlib.import_module("jsonschema")
    cls = jsonschema.Draft202012Validator
    return cast(_Validator, cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER))


def _best_match(errors: Iterable[Any]) -> Any:
    exceptions = importlib.import_module("jsonschema.exceptions")
    return exceptions.best_match(errors)


#: The package whose `openapi.yaml` is the default spec.
SPEC_PACKAGE = "twelvelabs_embed_generated"


def packaged_spec_bytes() -> bytes:
    """The bytes of the spec shipped with the generated client (the fake's default spec)."""
    return resources.files(SPEC_PACKAGE).joinpath("openapi.yaml").read_bytes()


@dataclass(frozen=True)
class SchemaIssue:
    """The first problem jsonschema found, mapped to the API's error vocabulary."""

    code: str
    field: str
    message: str
    value: object = None


@dataclass(frozen=True)
class SpecOperation:
    operation_id: str
    method: str
    path: str
    parameters: Mapping[str, Mapping[str, Any]]
    #: JSON pointers (within the document) of each query parameter's schema.
    pointers: Mapping[str, str]
    body_schema: str | None


def _format_path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class Spec:
    """A loaded spec: raw bytes (served at `/openapi.yaml`), the parsed document and validators."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        document = _yaml_load(raw)
        if not isinstance(document, dict) or "paths" not in document:
            raise ValueError("not an OpenAPI document")
        self.document: dict[str, Any] = document
        resource: Resource[Any] = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self._validators: dict[str, _Validator] = {}
        self.operations: dict[str, SpecOperation] = self._collect_operations()

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node
        target: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return cast(Mapping[str, Any], target)

    def _collect_operations(self) -> dict[str, SpecOperation]:
        found: dict[str, SpecOperation] = {}
        for path, item in self.document["paths"].items():
            for method in _METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                parameters: dict[str, Mapping[str, Any]] = {}
                pointers: dict[str, str] = {}
                escaped = path.replace("~", "~0").replace("/", "~1")
                for index, raw_parameter in enumerate(operation.get("parameters", [])):
                    parameter = self._resolve(raw_parameter)
                    if parameter.get("in") != "query":
                        continue
                    name = str(parameter["name"])
                    parameters[name] = parameter
                    ref = raw_parameter.get("$ref")
                    base = ref if isinstance(ref, str) else f"#/paths/{escaped}/{method}/parameters/{index}"
                    pointers[name] = f"{base}/schema"
                body_schema = None
                content = operation.get("requestBody", {}).get("content", {})
                for media in content.values():
                    ref = media.get("schema", {}).get("$ref", "")
                    body_schema = ref.rsplit("/", 1)[-1] or None
                found[operation["operationId"]] = SpecOperation(
                    operation["operationId"], method.upper(), path, parameters, pointers, body_schema
                )
        return found

    def schema(self, name: str) -> Mapping[str, Any]:
        """A component schema by name."""
        return cast(Mapping[str, Any], self.document["components"]["schemas"][name])

    def _validator(self, key: str, schema: Mapping[str, Any]) -> _Validator:
        validator = self._validators.get(key)
        if validator is None:
            validator = _make_validator(schema, self._registry)
            self._validators[key] = validator
        return validator

    def _schema_validator(self, schema_name: str) -> _Validator:
        return self._validator(schema_name, {"$ref": f"{_SPEC_URI}#/components/schemas/{schema_name}"})

    def _parameter_validator(self, pointer: str) -> _Validator:
        return self._validator(pointer, {"$ref": _SPEC_URI + pointer})

    def check(self, instance: object, schema_name: str, *, prefix: str = "") -> SchemaIssue | None:
        """Validate `instance` against the component schema `schema_name`; the first issue or None."""
        return self._issue(self._schema_validator(schema_name), instance, prefix)

    def check_parameter(self, operation_id: str, name: str, value: object) -> SchemaIssue | None:
        """Validate one (already type-coerced) query parameter value against its declared schema."""
        validator = self._parameter_validator(self.operations[operation_id].pointers[name])
        return self._issue(validator, value, name)

    def prepare(self) -> None:
        """Build every request validator now rather than on first use: importing jsonschema (with its format
        checkers) can take seconds, which a served fake should spend before it accepts connections, not
        inside a client's first request."""
        for operation in self.operations.values():
            if operation.body_schema is not None:
                self._schema_validator(operation.body_schema)
            for pointer in operation.pointers.values():
                self._parameter_validator(pointer)

    def _issue(self, validator: _Validator, instance: object, prefix: str) -> SchemaIssue | None:
        error = _best_match(validator.iter_errors(instance))
        if error is None:
            return None
        path = _format_path(error.absolute_path)
        field = _join(prefix, path) if path else prefix
        keyword = error.validator
        if keyword == "required" and isinstance(error.instance, dict):
            missing = [name for name in error.validator_value if name not in error.instance]
            name = _join(field, str(missing[0] if missing else error.validator_value[0]))
            return SchemaIssue("parameter_not_provided", name, f"The {name} parameter is required.")
        if keyword == "additionalProperties" and isinstance(error.instance, dict):
            declared = error.schema.get("properties", {})
            extras = sorted(str(key) for key in error.instance if key not in declared)
            name = _join(field, extras[0]) if extras else field
            return SchemaIssue("parameter_unknown", name, f"The {name} parameter is not recognised.")
        label = field or "request body"
        value = error.instance if isinstance(error.instance, str | int | float | bool) else None
        return SchemaIssue(
            "parameter_invalid", field, _short(f"The {label} parameter is invalid: {error.message}"), value
        )


@functools.cache
def _load(path: str | None) -> Spec:
    raw = packaged_spec_bytes() if path is None else Path(path).read_bytes()
    return Spec(raw)


def load_spec(path: str | os.PathLike[str] | None = None) -> Spec:
    """Load (once per path, cached) the spec at `path`, or the packaged copy."""
    return _load(None if path is None else str(Path(path).resolve()))
