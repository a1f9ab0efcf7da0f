"""Reading requests: the API key, multipart forms and query strings typed by the spec, JSON bodies (depth-bounded),
and the small helpers every operation group shares (`bad`, `iso`, `Upload`).

Every problem is an `ApiError`, rendered in the error family of the operation that was called.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, NoReturn

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from ._models import RecordedUpload
from ._operations import ApiError, Operation

if TYPE_CHECKING:
    from ._clock import Clock
    from ._fake import EmbedFake

__all__ = ["EPS", "MAX_JSON_DEPTH", "RequestParser", "Upload", "bad", "iso", "json_depth_exceeds", "words"]

#: Deepest nesting of arrays/objects a JSON request body may have. The deepest legitimate body (a v2
#: document segmentation or `time_based_metadata` item) nests 5 levels; a bound far above that keeps the
#: parser and the schema validator far from Python's recursion limit whatever a client sends.
MAX_JSON_DEPTH: Final = 64
#: Tolerance of the duration and offset comparisons.
EPS: Final = 1e-9

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
# A JSON string (skipped as a whole, so brackets inside strings do not count) or one bracket.
_JSON_NESTING_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.S)


def iso(moment: datetime) -> str:
    """RFC 3339 with milliseconds and `Z`, as the API writes timestamps."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def bad(field: str, message: str, *, code: str = "parameter_invalid", value: object = None) -> NoReturn:
    """Raise a 400 naming `field` (and echoing a scalar `value`)."""
    details: dict[str, Any] = {"field": field}
    if isinstance(value, str | int | float | bool):
        details["value"] = value
    raise ApiError(400, code, message, details=details)


def words(text: str) -> int:
    return len(text.split())


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the arrays/objects of the JSON text `raw` nest deeper than `limit` (brackets inside strings
    do not count). Linear in the body; a body with at most `limit` opening brackets is not even scanned."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for match in _JSON_NESTING_TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


@dataclass(frozen=True)
class Upload:
    """One uploaded file of a multipart form."""

    data: bytes
    filename: str | None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


class RequestParser:
    """Reads the requests of one fake, validating them against the fake's spec."""

    def __init__(self, fake: EmbedFake[Clock]) -> None:
        self.fake = fake

    def authenticate(self, request: Request) -> None:
        key = request.headers.get("x-api-key")
        if not key or not self.fake.accepts_key(key):
            raise ApiError(
                401,
                "api_key_invalid",
                "The API key you provided is not valid. Please check your API key and try again.",
            )

    async def form(self, request: Request) -> FormData:
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise ApiError(400, "parameter_invalid", "The request body must be multipart/form-data.")
        try:
            return await request.form(max_files=32, max_fields=256)
        except Exception as exc:  # any parse failure of the multipart body is the client's fault
            detail = getattr(exc, "detail", None) or getattr(exc, "message", None) or str(exc)
            raise ApiError(400, "parameter_invalid", f"The multipart body could not be parsed: {detail}") from exc

    async def form_instance(self, form: FormData, schema_name: str) -> tuple[dict[str, Any], dict[str, Upload]]:
        """The form as a JSON-like object typed by the spec schema (numbers parsed, repeated fields as
        arrays, files replaced by a placeholder), validated against that schema."""
        properties: Mapping[str, Any] = self.fake.spec.schema(schema_name).get("properties", {})
        instance: dict[str, Any] = {}
        files: dict[str, Upload] = {}
        for key in dict.fromkeys(form.keys()):
            values = form.getlist(key)
            declared = properties.get(key)
            if declared is None:
                instance[key] = "?"
                continue
            if declared.get("format") == "binary":
                if len(values) > 1:
                    bad(key, f"The {key} parameter was given more than once.")
                value = values[0]
                if isinstance(value, UploadFile):
                    files[key] = Upload(await value.read(), value.filename)
                else:
                    files[key] = Upload(value.encode(), None)
                self.fake._record_upload(RecordedUpload(schema_name, key, files[key].filename, files[key].data))
                instance[key] = "<binary>"
                continue
            texts = [await self.text(key, value) for value in values]
            if declared.get("type") == "array":
                item_type = declared.get("items", {}).get("type", "string")
                instance[key] = [self.coerce(text, item_type) for text in texts]
            else:
                if len(texts) > 1:
                    bad(key, f"The {key} parameter was given more than once.")
                instance[key] = self.coerce(texts[0], declared.get("type", "string"))
        issue = self.fake.spec.check(instance, schema_name)
        if issue is not None:
            raise ApiError(400, issue.code, issue.message, details={"field": issue.field})
        return instance, files

    @staticmethod
    async def text(key: str, value: str | UploadFile) -> str:
        if isinstance(value, str):
            return value
        try:
            return (await value.read()).decode("utf-8")
        except UnicodeDecodeError:
            bad(key, f"The {key} parameter must be text.")

    @staticmethod
    def coerce(text: str, kind: object) -> object:
        if kind == "integer" and _INTEGER.match(text):
            return int(text)
        if kind == "number" and _NUMBER.match(text):
            number = float(text)
            if math.isfinite(number):
                return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        return text

    def query(self, request: Request, operation: Operation) -> dict[str, Any]:
        declared = self.fake.spec.operations[operation.id].parameters
        values: dict[str, Any] = {}
        for name in dict.fromkeys(request.query_params.keys()):
            parameter = declared.get(name)
            if parameter is None:
                continue  # unknown query parameters are ignored, as by the real API
            raw = request.query_params.getlist(name)
            schema = parameter["schema"]
            if schema.get("type") == "array":
                item_type = schema.get("items", {}).get("type", "string")
                value: object = [self.coerce(item, item_type) for item in raw]
            else:
                if len(raw) > 1:
                    raise ApiError(400, "parameter_invalid", f"The {name} parameter was given more than once.")
                value = self.coerce(raw[0], schema.get("type", "string"))
            issue = self.fake.spec.check_parameter(operation.id, name, value)
            if issue is not None:
                raise ApiError(400, issue.code, issue.message, details={"field": name})
            values[name] = value
        return values

    async def json(self, request: Request, schema_name: str) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(400, "parameter_invalid", "The request body must be application/json.")
        raw = await request.body()
        if json_depth_exceeds(raw):
            raise ApiError(
                400,
                "parameter_invalid",
                f"The request body nests arrays or objects deeper than {MAX_JSON_DEPTH} levels.",
            )
        try:
            body = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ApiError(400, "parameter_invalid", f"The request body is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "parameter_invalid", "The request body must be a JSON object.")
        issue = self.fake.spec.check(body, schema_name)
        if issue is not None:
            bad(issue.field, issue.message, code=issue.code, value=issue.value)
        return body
