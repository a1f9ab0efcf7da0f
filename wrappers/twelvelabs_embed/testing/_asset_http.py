"""Request parsing shared by the asset and multipart-upload handlers: JSON bodies, query parameters and
multipart forms validated with the spec's own schemas, and the answers' page_info and timestamps.

Every problem is an `ApiError` with the documented codes (`parameter_invalid`, `parameter_not_provided`,
`parameter_unknown`); these endpoints answer with the flat error body.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ._operations import ApiError

if TYPE_CHECKING:
    from ._fake import EmbedFake

__all__ = ["FormFile", "iso", "page_info", "paginate", "parse_form", "parse_json", "parse_query"]

_INTEGER = re.compile(r"^[+-]?\d+$")
_BOOLEANS = {"true": True, "false": False}


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 with `Z`, as the asset endpoints write timestamps (no fraction)."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def page_info(page: int, limit: int, total: int) -> dict[str, int]:
    return {"limit_per_page": limit, "page": page, "total_page": math.ceil(total / limit), "total_results": total}


def paginate(items: list[Any], query: Mapping[str, Any]) -> tuple[list[Any], dict[str, int]]:
    page, limit = int(query.get("page", 1)), int(query.get("page_limit", 10))
    return items[(page - 1) * limit : page * limit], page_info(page, limit, len(items))


def _issue_error(issue: Any) -> ApiError:
    return ApiError(400, issue.code, issue.message, details={"field": issue.field})


async def parse_json(fake: EmbedFake[Any], request: Request, schema_name: str) -> dict[str, Any]:
    """The JSON object body, validated against component `schema_name`."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(400, "parameter_invalid", "The request body must be application/json.")

    def reject_constant(name: str) -> object:
        raise ValueError(f"{name} is not valid JSON")

    try:
        body = json.loads(await request.body(), parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "parameter_invalid", f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "parameter_invalid", "The request body must be a JSON object.")
    issue = fake.spec.check(body, schema_name)
    if issue is not None:
        raise _issue_error(issue)
    return body


def _coerce(text: str, kind: object) -> object:
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "boolean" and text.lower() in _BOOLEANS:
        return _BOOLEANS[text.lower()]
    return text


def parse_query(fake: EmbedFake[Any], request: Request, operation_id: str) -> dict[str, Any]:
    """The declared query parameters, typed and validated (unknown ones are ignored, as by the real API)."""
    declared = fake.spec.operations[operation_id].parameters
    values: dict[str, Any] = {}
    for name in dict.fromkeys(request.query_params.keys()):
        parameter = declared.get(name)
        if parameter is None:
            continue
        raw = request.query_params.getlist(name)
        schema = parameter["schema"]
        if schema.get("type") == "array":
            value: object = [_coerce(item, "string") for item in raw]
        else:
            if len(raw) > 1:
                raise ApiError(400, "parameter_invalid", f"The {name} parameter was given more than once.")
            value = _coerce(raw[0], schema.get("type", "string"))
        issue = fake.spec.check_parameter(operation_id, name, value)
        if issue is not None:
            raise _issue_error(issue)
        values[name] = value
    return values


@dataclass(frozen=True)
class FormFile:
    data: bytes
    filename: str | None
    content_type: str | None


async def parse_form(
    fake: EmbedFake[Any], request: Request, schema_name: str
) -> tuple[dict[str, Any], dict[str, FormFile]]:
    """A multipart form typed by component `schema_name` (booleans from `true`/`false`, integers parsed, files
    aside) and validated against it."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(400, "parameter_invalid", "The request body must be multipart/form-data.")
    try:
        form = await request.form(max_files=8, max_fields=64)
    except Exception as exc:  # any parse failure of the multipart body is the client's fault
        detail = getattr(exc, "detail", None) or str(exc)
        raise ApiError(400, "parameter_invalid", f"The multipart body could not be parsed: {detail}") from exc
    properties: Mapping[str, Any] = fake.spec.schema(schema_name).get("properties", {})
    instance: dict[str, Any] = {}
    files: dict[str, FormFile] = {}
    for key in dict.fromkeys(form.keys()):
        values = form.getlist(key)
        if len(values) > 1:
            raise ApiError(400, "parameter_invalid", f"The {key} parameter was given more than once.")
        value = values[0]
        declared = properties.get(key)
        if declared is None:
            instance[key] = "?"  # reported as parameter_unknown by the schema check
            continue
        if declared.get("format") == "binary":
            if isinstance(value, UploadFile):
                files[key] = FormFile(await value.read(), value.filename, value.content_type)
            else:
                files[key] = FormFile(value.encode(), None, None)
            instance[key] = "<binary>"
            continue
        if isinstance(value, UploadFile):
            try:
                text = (await value.read()).decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError(400, "parameter_invalid", f"The {key} parameter must be text.") from None
        else:
            text = value
        instance[key] = _coerce(text, declared.get("type", "string"))
    issue = fake.spec.check(instance, schema_name)
    if issue is not None:
        raise _issue_error(issue)
    return instance, files
