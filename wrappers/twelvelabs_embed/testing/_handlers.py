"""The nine operations: request parsing, validation (spec schemas + prose rules), state changes, answers.

Principle: rules that depend only on the request are checked at once (400 with the operation's error
family); problems that depend on the media (cannot be fetched, too long, offsets past the end) make an async
task end `failed` and a sync call answer 400 (413 for marengo3.5 size/duration limits).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from ._embeddings import FULL_DIMENSIONS, Span, dynamic_spans, embedding_matrix, fixed_spans, legacy_clips
from ._json import JSONBody
from ._models import FakeTask, Media, RecordedUpload, media_from_url
from ._operations import API_PREFIX, ApiError, Operation

if TYPE_CHECKING:
    from ._fake import EmbedFake

__all__ = ["Handlers"]

LEGACY_MODELS = {"marengo3.0": ("visual", "audio", "transcription"), "Marengo-retrieval-2.7": ("visual-text", "audio")}
_LEGACY_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_REFERENCE = re.compile(r"<@([^>]*)>")
_SYNC_SIBLINGS = ("text", "image", "text_image", "audio", "video", "multi_input")
_ASYNC_SIBLINGS = ("audio", "video", "document", "image")
_SYNC_AV_LIMIT = 600.0  # marengo3.0 sync audio/video: 10 minutes
_MULTI_AV_LIMIT = 30.0  # marengo3.5 multi_input audio/video: 30 s
_ASYNC_MIN, _ASYNC_MAX = 4.0, 4 * 3600.0
_LEGACY_MIN, _LEGACY_MAX = 4.0, 2 * 3600.0
_BASE64_LIMIT = 36 * 1024 * 1024
_TEXT_LIMIT_35 = 2000
_LEGACY_27_TEXT_LIMIT = 77
_RETENTION = timedelta(days=7)
_EPS = 1e-9


def iso(moment: datetime) -> str:
    """RFC 3339 with milliseconds and `Z`, as the API writes timestamps."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bad(field: str, message: str, *, code: str = "parameter_invalid", value: object = None) -> NoReturn:
    details: dict[str, Any] = {"field": field}
    if isinstance(value, str | int | float | bool):
        details["value"] = value
    raise ApiError(400, code, message, details=details)


def _words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str | None


@dataclass(frozen=True)
class AVPlan:
    """A normalised audio/video request."""

    input_type: str
    media: Media
    start: float
    end: float | None
    strategy: str
    length: int
    options: tuple[str, ...]
    scopes: tuple[str, ...]
    types: tuple[str, ...]

    def window(self) -> tuple[float, float]:
        end = self.media.duration if self.end is None else min(self.end, self.media.duration)
        return self.start, end

    def spans(self) -> list[Span]:
        start, end = self.window()
        if self.strategy == "fixed":
            return fixed_spans(start, end, self.length)
        return dynamic_spans(start, end, self.length)

    def media_problem(self, *, limit: float | None, minimum: float | None) -> str | None:
        duration = self.media.duration
        if limit is not None and duration > limit + _EPS:
            return (
                f"Duration ({duration:.1f} seconds) exceeds maximum limit of {limit:.0f} seconds "
                f"({int(limit // 60)} minutes)"
            )
        if minimum is not None and duration < minimum - _EPS:
            return f"Duration ({duration:.1f} seconds) is below the minimum of {minimum:.0f} seconds"
        if self.start >= duration - _EPS:
            return f"start_sec ({self.start:g}) is not before the end of the media ({duration:g} seconds)"
        return None


def _metadata_base(media: Media) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if media.input_url is not None:
        meta["input_url"] = media.input_url
    if media.input_filename is not None:
        meta["input_filename"] = media.input_filename
    return meta


def _entry(
    vector: object,
    option: str | None,
    scope: str | None,
    start: float | None,
    end: float | None,
    **extra: object,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "embedding": vector,
        "embedding_option": option,
        "embedding_scope": scope,
        "start_sec": start,
        "end_sec": end,
    }
    entry.update(extra)
    return entry


class Handlers:
    """Request handlers bound to one fake."""

    def __init__(self, fake: EmbedFake) -> None:
        self.fake = fake

    # ------------------------------------------------------------------ plumbing

    def table(self) -> dict[str, Callable[[Request], Any]]:
        return {
            "createLegacyEmbedding": self.create_legacy_embedding,
            "createVideoEmbeddingTask": self.create_video_embedding_task,
            "listVideoEmbeddingTasks": self.list_video_embedding_tasks,
            "getVideoEmbeddingTaskStatus": self.get_video_embedding_task_status,
            "retrieveVideoEmbeddings": self.retrieve_video_embeddings,
            "createEmbeddingsV2": self.create_embeddings_v2,
            "createEmbeddingTaskV2": self.create_embedding_task_v2,
            "listEmbeddingTasksV2": self.list_embedding_tasks_v2,
            "getEmbeddingTaskV2": self.get_embedding_task_v2,
        }

    def authenticate(self, request: Request) -> None:
        key = request.headers.get("x-api-key")
        if not key or not self.fake.accepts_key(key):
            raise ApiError(
                401,
                "api_key_invalid",
                "The API key you provided is not valid. Please check your API key and try again.",
            )

    async def run(self, operation: Operation, request: Request) -> Response:
        """Auth, rate limit, then the operation; every ApiError becomes the operation's error body."""
        handler = self.table()[operation.id]
        try:
            self.authenticate(request)
            admitted, limit_headers = self.fake.admit(operation.id)
            if not admitted:
                retry = limit_headers["Retry-After"]
                raise ApiError(
                    429,
                    "too_many_requests",
                    f"You have exceeded the rate limit. Please try again after {retry} seconds.",
                    details={"retryAfter": retry},
                    headers=limit_headers,
                )
            response: Response = await handler(request)
            response.headers.update(limit_headers)
            return response
        except ApiError as error:
            return JSONBody(error.body(operation), error.status, headers=error.headers)
        finally:
            await request.close()  # closes the spooled files of a parsed multipart form

    # ------------------------------------------------------------------ parsing

    async def _form(self, request: Request) -> FormData:
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise ApiError(400, "parameter_invalid", "The request body must be multipart/form-data.")
        try:
            return await request.form(max_files=32, max_fields=256)
        except Exception as exc:  # any parse failure of the multipart body is the client's fault
            detail = getattr(exc, "detail", None) or getattr(exc, "message", None) or str(exc)
            raise ApiError(400, "parameter_invalid", f"The multipart body could not be parsed: {detail}") from exc

    async def _form_instance(self, form: FormData, schema_name: str) -> tuple[dict[str, Any], dict[str, Upload]]:
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
                    _bad(key, f"The {key} parameter was given more than once.")
                value = values[0]
                if isinstance(value, UploadFile):
                    files[key] = Upload(await value.read(), value.filename)
                else:
                    files[key] = Upload(value.encode(), None)
                self.fake._record_upload(RecordedUpload(schema_name, key, files[key].filename, files[key].data))
                instance[key] = "<binary>"
                continue
            texts = [await self._text(key, value) for value in values]
            if declared.get("type") == "array":
                item_type = declared.get("items", {}).get("type", "string")
                instance[key] = [self._coerce(text, item_type) for text in texts]
            else:
                if len(texts) > 1:
                    _bad(key, f"The {key} parameter was given more than once.")
                instance[key] = self._coerce(texts[0], declared.get("type", "string"))
        issue = self.fake.spec.check(instance, schema_name)
        if issue is not None:
            raise ApiError(400, issue.code, issue.message, details={"field": issue.field})
        return instance, files

    @staticmethod
    async def _text(key: str, value: str | UploadFile) -> str:
        if isinstance(value, str):
            return value
        try:
            return (await value.read()).decode("utf-8")
        except UnicodeDecodeError:
            _bad(key, f"The {key} parameter must be text.")

    @staticmethod
    def _coerce(text: str, kind: object) -> object:
        if kind == "integer" and _INTEGER.match(text):
            return int(text)
        if kind == "number" and _NUMBER.match(text):
            number = float(text)
            if math.isfinite(number):
                return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        return text

    def _query(self, request: Request, operation: Operation) -> dict[str, Any]:
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
                value: object = [self._coerce(item, item_type) for item in raw]
            else:
                if len(raw) > 1:
                    raise ApiError(400, "parameter_invalid", f"The {name} parameter was given more than once.")
                value = self._coerce(raw[0], schema.get("type", "string"))
            issue = self.fake.spec.check_parameter(operation.id, name, value)
            if issue is not None:
                raise ApiError(400, issue.code, issue.message, details={"field": name})
            values[name] = value
        return values

    async def _json(self, request: Request, schema_name: str) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(400, "parameter_invalid", "The request body must be application/json.")
        raw = await request.body()

        def reject_constant(name: str) -> object:
            raise ValueError(f"{name} is not valid JSON")

        try:
            body = json.loads(raw, parse_constant=reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "parameter_invalid", f"The request body is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "parameter_invalid", "The request body must be a JSON object.")
        issue = self.fake.spec.check(body, schema_name)
        if issue is not None:
            _bad(issue.field, issue.message, code=issue.code, value=issue.value)
        return body

    # ------------------------------------------------------------------ media

    def _url_media(self, url: str) -> Media:
        return media_from_url(url, default_duration=self.fake.url_duration, durations=self.fake.media_durations)

    def _upload_media(self, upload: Upload) -> Media:
        durations = self.fake.media_durations
        duration = (durations.get(upload.filename) if upload.filename else None) or self.fake.upload_duration
        return Media(duration=duration, input_filename=upload.filename)

    def _source_media(self, source: Mapping[str, Any], field: str) -> Media:
        """Media of a v2 `MediaSource` (exactly one of url / base64_string / asset_id)."""
        given = [key for key in ("url", "base64_string", "asset_id") if key in source]
        if len(given) != 1:
            _bad(field, f"The {field} parameter needs exactly one of url, base64_string or asset_id.")
        if "url" in source:
            return self._url_media(str(source["url"]))
        if "base64_string" in source:
            try:
                data = base64.b64decode(str(source["base64_string"]), validate=True)
            except (binascii.Error, ValueError):
                _bad(f"{field}.base64_string", f"The {field}.base64_string parameter is not valid base64.")
            if len(data) > _BASE64_LIMIT:
                _bad(f"{field}.base64_string", "The decoded media exceeds 36 MB; use url or asset_id.")
            kind = "pdf" if data.startswith(b"%PDF") else "text"
            sentences = str(max(1, len(re.findall(rb"[.!?](\s|$)", data))))
            return Media(duration=self.fake.upload_duration, hints={"kind": kind, "sentences": sentences})
        asset_id = str(source["asset_id"])
        return Media(duration=self.fake.media_durations.get(asset_id) or self.fake.upload_duration)

    # ------------------------------------------------------------------ legacy

    def _legacy_model(self, model: str) -> tuple[str, ...]:
        options = LEGACY_MODELS.get(model)
        if options is None:
            _bad("model_name", f"The model_name parameter is invalid: {model!r} is not one of {sorted(LEGACY_MODELS)}.")
        return options

    async def create_legacy_embedding(self, request: Request) -> Response:
        form = await self._form(request)
        instance, files = await self._form_instance(form, "CreateLegacyEmbeddingForm")
        model = str(instance["model_name"])
        self._legacy_model(model)
        text = instance.get("text")
        image_url, image_file = instance.get("image_url"), files.get("image_file")
        audio_url, audio_file = instance.get("audio_url"), files.get("audio_file")
        if text is None and image_url is None and image_file is None and audio_url is None and audio_file is None:
            raise ApiError(
                400,
                "parameter_not_provided",
                "At least one of text, image_url, image_file, audio_url or audio_file is required.",
            )
        full = FULL_DIMENSIONS[model]
        seed = "legacy-embed|" + hashlib.sha256(json.dumps(instance, sort_keys=True).encode()).hexdigest()
        body: dict[str, Any] = {"model_name": model}
        if text is not None:
            if not str(text).strip():
                _bad("text", "The text parameter must not be empty.")
            too_long = model == "Marengo-retrieval-2.7" and _words(str(text)) > _LEGACY_27_TEXT_LIMIT
            if too_long and instance.get("text_truncate") == "none":
                body["text_embedding"] = {"error_message": "The text is too long."}
            else:
                vector = embedding_matrix(f"{seed}|text", [0], full_dimension=full)[0]
                body["text_embedding"] = {"segments": [{"float": vector}]}
        if image_url is not None or image_file is not None:
            body["image_embedding"] = self._legacy_image(seed, full, image_url, image_file)
        if audio_url is not None or audio_file is not None:
            start = float(instance.get("audio_start_offset_sec", 0))
            body["audio_embedding"] = self._legacy_audio(seed, model, start, audio_url, audio_file)
        return JSONBody(body)

    def _legacy_image(self, seed: str, full: int, url: object, upload: Upload | None) -> dict[str, Any]:
        media = self._url_media(str(url)) if url is not None else self._upload_media(upload or Upload(b"", None))
        result: dict[str, Any] = {"metadata": _metadata_base(media)}
        if media.fetch_error is not None or (url is None and upload is not None and not upload.data):
            result["error_message"] = "Image file is not valid."
            return result
        result["segments"] = [{"float": embedding_matrix(f"{seed}|image", [0], full_dimension=full)[0]}]
        return result

    def _legacy_audio(self, seed: str, model: str, start: float, url: object, upload: Upload | None) -> dict[str, Any]:
        media = self._url_media(str(url)) if url is not None else self._upload_media(upload or Upload(b"", None))
        result: dict[str, Any] = {"metadata": _metadata_base(media)}
        if media.fetch_error is not None or (url is None and upload is not None and not upload.data):
            result["error_message"] = "Audio file is not valid."
            return result
        if start >= media.duration:
            result["error_message"] = "audio_start_offset_sec is beyond the end of the audio."
            return result
        end = min(start + 10.0, media.duration)  # one embedding of (at most) the first 10 s after the offset
        full = FULL_DIMENSIONS[model]
        options: tuple[str | None, ...] = ("audio", "transcription") if model == "marengo3.0" else (None,)
        segments = []
        for option in options:
            vector = embedding_matrix(f"{seed}|audio|{option}", [0], full_dimension=full)[0]
            segment: dict[str, Any] = {"start_offset_sec": start, "end_offset_sec": round(end, 6), "float": vector}
            if option is not None:
                segment["embedding_option"] = option
            segments.append(segment)
        result["segments"] = segments
        return result

    async def create_video_embedding_task(self, request: Request) -> Response:
        form = await self._form(request)
        instance, files = await self._form_instance(form, "CreateVideoEmbeddingTaskForm")
        model = str(instance["model_name"])
        self._legacy_model(model)
        url, upload = instance.get("video_url"), files.get("video_file")
        if url is None and upload is None:
            raise ApiError(400, "parameter_not_provided", "Either video_file or video_url must be provided.")
        start, end = instance.get("video_start_offset_sec"), instance.get("video_end_offset_sec")
        if (start is None) != (end is None):
            missing = "video_end_offset_sec" if end is None else "video_start_offset_sec"
            raise ApiError(
                400,
                "parameter_not_provided",
                f"The {missing} parameter is required: video_start_offset_sec and video_end_offset_sec "
                "must be sent together.",
            )
        clip_length = float(instance.get("video_clip_length", 6))
        scopes = [str(scope) for scope in instance.get("video_embedding_scope", ["clip"])]
        if "clip" not in scopes:
            _bad("video_embedding_scope", "The video_embedding_scope parameter must include clip.")
        if start is not None and end is not None:
            if end <= start:
                _bad("video_end_offset_sec", "video_end_offset_sec must be greater than video_start_offset_sec.")
            if end - start < clip_length - _EPS:
                _bad(
                    "video_clip_length",
                    "video_clip_length must not exceed video_end_offset_sec - video_start_offset_sec.",
                )
        media = self._url_media(str(url)) if url is not None else self._upload_media(upload or Upload(b"", None))
        begin = float(start or 0.0)
        finish = media.duration if end is None else float(end)
        failure = media.fetch_error or media.fail_message
        if failure is None and url is None and upload is not None and not upload.data:
            failure = "video_file_broken"
        if failure is None and not _LEGACY_MIN - _EPS <= media.duration <= _LEGACY_MAX + _EPS:
            failure = "video_duration_out_of_range"
        if failure is None and (finish > media.duration + _EPS or begin > media.duration - clip_length + _EPS):
            failure = "offsets_beyond_media"
        clips = legacy_clips(begin, min(finish, media.duration), clip_length)
        if failure is None and not clips:
            failure = "no_clips"
        task = self.fake._create_task(
            api="legacy",
            model_name=model,
            input_type="video",
            media=media,
            failure=failure,
            params={
                "clip_length": clip_length,
                "scopes": scopes,
                "options": list(LEGACY_MODELS[model]),
                "start": begin,
                "end": min(finish, media.duration),
                "clips": clips,
            },
        )
        return JSONBody({"_id": task.id})

    def _legacy_task(self, request: Request, operation_id: str) -> tuple[FakeTask, dict[str, Any]]:
        """The task of a legacy path (400 for a malformed id, then query validation, then 404)."""
        task_id = request.path_params["task_id"]
        if not _LEGACY_ID.match(task_id):
            _bad("task_id", f"The task_id parameter is invalid: {task_id!r} is not a valid task id.")
        query = self._query(request, self.fake.operation(operation_id))
        task = self.fake.find_task(task_id, api="legacy")
        if task is None:
            raise ApiError(404, "resource_not_exist", f"There is no embedding task with id {task_id}.")
        return task, query

    @staticmethod
    def _legacy_metadata(task: FakeTask) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if task.input_url is not None:
            meta["input_url"] = task.input_url
        if task.input_filename is not None:
            meta["input_filename"] = task.input_filename
        meta["video_clip_length"] = task.params["clip_length"]
        meta["video_embedding_scope"] = list(task.params["scopes"])
        meta["video_embedding_option"] = list(task.params["options"])
        meta["duration"] = task.duration
        return meta

    async def get_video_embedding_task_status(self, request: Request) -> Response:
        task, _ = self._legacy_task(request, "getVideoEmbeddingTaskStatus")
        now = self.fake.clock.now()
        return JSONBody(
            {
                "_id": task.id,
                "model_name": task.model_name,
                "status": task.status_at(now),
                "video_embedding": {"metadata": self._legacy_metadata(task)},
            }
        )

    async def retrieve_video_embeddings(self, request: Request) -> Response:
        task, query = self._legacy_task(request, "retrieveVideoEmbeddings")
        produced: list[str] = list(task.params["options"])
        wanted = [str(option) for option in query.get("embedding_option", produced)]
        for option in wanted:
            if option not in produced:
                _bad(
                    "embedding_option",
                    f"The embedding_option parameter is invalid: {task.model_name} produces {produced}.",
                    value=option,
                )
        now = self.fake.clock.now()
        status = task.status_at(now)
        video: dict[str, Any] = {"metadata": self._legacy_metadata(task)}
        if status == "ready":
            video["segments"] = self._legacy_segments(task, [o for o in produced if o in wanted])
        return JSONBody(
            {
                "_id": task.id,
                "model_name": task.model_name,
                "status": status,
                "created_at": iso(task.created_at),
                "updated_at": iso(task.updated_at(now)),
                "video_embedding": video,
            }
        )

    @staticmethod
    def _legacy_segments(task: FakeTask, options: list[str]) -> list[dict[str, Any]]:
        clips: list[Span] = task.params["clips"]
        full = FULL_DIMENSIONS[task.model_name]
        segments: list[dict[str, Any]] = []
        for option in options:
            matrix = embedding_matrix(f"{task.id}|{option}|clip", range(len(clips)), full_dimension=full)
            for (start, end), vector in zip(clips, matrix, strict=True):
                segments.append(
                    {
                        "start_offset_sec": start,
                        "end_offset_sec": end,
                        "embedding_scope": "clip",
                        "embedding_option": option,
                        "float": vector,
                    }
                )
        if "video" in task.params["scopes"]:
            for option in options:
                vector = embedding_matrix(f"{task.id}|{option}|video", [0], full_dimension=full)[0]
                segments.append(
                    {
                        "start_offset_sec": task.params["start"],
                        "end_offset_sec": round(task.params["end"], 6),
                        "embedding_scope": "video",
                        "embedding_option": option,
                        "float": vector,
                    }
                )
        return segments

    # ------------------------------------------------------------------ lists

    async def list_video_embedding_tasks(self, request: Request) -> Response:
        return self._list(request, "listVideoEmbeddingTasks", "legacy")

    async def list_embedding_tasks_v2(self, request: Request) -> Response:
        return self._list(request, "listEmbeddingTasksV2", "v2")

    @staticmethod
    def _moment(value: object, name: str) -> datetime | None:
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value).upper())
        except ValueError:
            _bad(name, f"The {name} parameter is not an RFC 3339 date-time.", value=str(value))
        if moment.tzinfo is None:
            _bad(name, f"The {name} parameter needs a time zone offset.", value=str(value))
        return moment

    def _list(self, request: Request, operation_id: str, api: str) -> Response:
        query = self._query(request, self.fake.operation(operation_id))
        started = self._moment(query.get("started_at"), "started_at")
        ended = self._moment(query.get("ended_at"), "ended_at")
        status = query.get("status")
        page = int(query.get("page", 1))
        limit = int(query.get("page_limit", 10))
        now = self.fake.clock.now()
        tasks = [task for task in self.fake.tasks if task.api == api]
        if started is None and ended is None:
            tasks = [task for task in tasks if task.created_at >= now - _RETENTION]
        if started is not None:
            tasks = [task for task in tasks if task.created_at >= started]
        if ended is not None:
            tasks = [task for task in tasks if task.created_at <= ended]
        if status is not None:
            tasks = [task for task in tasks if task.status_at(now) == status]
        tasks = sorted(reversed(tasks), key=lambda task: task.created_at, reverse=True)
        total = len(tasks)
        chosen = tasks[(page - 1) * limit : page * limit]
        item = self._legacy_item if api == "legacy" else self._v2_item
        return JSONBody(
            {
                "data": [item(task, now) for task in chosen],
                "page_info": {
                    "limit_per_page": limit,
                    "page": page,
                    "total_page": math.ceil(total / limit),
                    "total_results": total,
                },
            }
        )

    def _legacy_item(self, task: FakeTask, now: datetime) -> dict[str, Any]:
        return {
            "_id": task.id,
            "model_name": task.model_name,
            "status": task.status_at(now),
            "created_at": iso(task.created_at),
            "updated_at": iso(task.updated_at(now)),
            "video_embedding": {"metadata": self._legacy_metadata(task)},
        }

    def _v2_item(self, task: FakeTask, now: datetime) -> dict[str, Any]:
        meta = dict(task.params["metadata"])
        meta.pop("input_type", None)
        kind = task.input_type
        summary: dict[str, Any] = {k: v for k, v in meta.items() if k in ("input_url", "input_filename")}
        options, scopes = meta.get("embedding_options", []), meta.get("embedding_scopes", [])
        if kind == "video":
            summary.update(video_embedding_option=options, video_embedding_scope=scopes, duration=meta["duration"])
            if "clip_length" in meta:
                summary["video_clip_length"] = meta["clip_length"]
        elif kind == "audio":
            # The newest SDK's spelling (the older export used audio_embedding_options/_scopes).
            summary.update(audio_embedding_option=options, audio_embedding_scope=scopes, duration=meta["duration"])
            summary.update(start_offset_sec=meta["start_offset_sec"], end_offset_sec=meta["end_offset_sec"])
        else:
            summary.update({f"{kind}_embedding_option": options, f"{kind}_embedding_scope": scopes})
        return {
            "_id": task.id,
            "model_name": task.model_name,
            "status": task.status_at(now),
            "created_at": iso(task.created_at),
            "updated_at": iso(task.updated_at(now)),
            f"{kind}_embedding": {"metadata": summary},
        }

    # ------------------------------------------------------------------ v2 shared rules

    @staticmethod
    def _siblings(body: Mapping[str, Any], input_type: str, siblings: Iterable[str]) -> None:
        if input_type not in body:
            raise ApiError(
                400,
                "parameter_not_provided",
                f"The {input_type} parameter is required when input_type is {input_type}.",
                details={"field": input_type},
            )
        for other in siblings:
            if other != input_type and other in body:
                _bad(other, f"The {other} parameter cannot be sent with input_type {input_type}.")

    @staticmethod
    def _model_only_fields(body: Mapping[str, Any], is35: bool, names: Iterable[str]) -> None:
        if is35:
            return
        for name in names:
            if name in body:
                _bad(name, f"The {name} parameter is only accepted with marengo3.5.")

    def _av_plan(self, body: Mapping[str, Any], input_type: str, is35: bool) -> AVPlan:
        obj: Mapping[str, Any] = body[input_type]
        field = input_type
        media = self._source_media(obj["media_source"], f"{field}.media_source")
        start = float(obj.get("start_sec", 0))
        end = obj.get("end_sec")
        if end is not None and end <= start:
            _bad(f"{field}.end_sec", f"{field}.end_sec must be greater than {field}.start_sec.", value=end)
        segmentation = obj.get("segmentation")
        if segmentation is None:
            strategy, length = ("dynamic", 2) if is35 else (("fixed", 6) if input_type == "audio" else ("dynamic", 4))
        else:
            if "temporal" in segmentation:
                if not is35:
                    _bad(f"{field}.segmentation", "Temporal segmentation ({temporal: ...}) needs marengo3.5.")
                segmentation = segmentation["temporal"]
            elif is35:
                _bad(f"{field}.segmentation", "With marengo3.5, segmentation is given as {temporal: {...}}.")
            strategy = str(segmentation["strategy"])
            params = segmentation[strategy]
            length = int(params["duration_sec"] if strategy == "fixed" else params["min_duration_sec"])
        default_options: tuple[str, ...]
        if input_type == "audio":
            default_options = ("audio",) if is35 else ("audio", "transcription")
        else:
            default_options = ("visual", "audio") if is35 else ("visual", "audio", "transcription")
        options = tuple(obj.get("embedding_option", default_options))
        if is35 and "transcription" in options:
            _bad(f"{field}.embedding_option", "transcription is marengo3.0 only; with marengo3.5 audio covers speech.")
        scopes = tuple(obj.get("embedding_scope", ("clip", "asset")))
        if "local" in scopes and not is35:
            _bad(
                f"{field}.embedding_scope", "The local scope is the marengo3.5 name of clip; use clip with marengo3.0."
            )
        types = tuple(obj.get("embedding_type", ("separate_embedding",)))
        time_based = obj.get("time_based_metadata")
        if "fused_embedding" in types:
            if len(options) < 2:
                _bad(f"{field}.embedding_type", "fused_embedding needs at least two embedding options.")
            if is35 and not time_based:
                raise ApiError(
                    400,
                    "parameter_not_provided",
                    f"With marengo3.5, fused_embedding needs {field}.time_based_metadata.",
                    details={"field": f"{field}.time_based_metadata"},
                )
        if time_based is not None:
            if not is35:
                _bad(f"{field}.time_based_metadata", "time_based_metadata is only accepted with marengo3.5.")
            if "fused_embedding" not in types:
                _bad(f"{field}.time_based_metadata", "time_based_metadata needs embedding_type fused_embedding.")
            for index, item in enumerate(time_based):
                if item["end"] < item["start"]:
                    _bad(f"{field}.time_based_metadata[{index}].end", "end must not be less than start.")
        return AVPlan(input_type, media, start, end, strategy, length, options, scopes, types)

    @staticmethod
    def _av_metadata(plan: AVPlan, dimension: int | None) -> dict[str, Any]:
        start, end = plan.window()
        meta: dict[str, Any] = {"input_type": plan.input_type, **_metadata_base(plan.media)}
        if plan.input_type == "video" and plan.strategy == "fixed":
            meta["clip_length"] = plan.length
        options = list(plan.options) if "separate_embedding" in plan.types else []
        if "fused_embedding" in plan.types:
            options.append("fused")
        meta["embedding_options"] = options
        meta["embedding_scopes"] = list(plan.scopes)
        meta["duration"] = plan.media.duration
        meta["start_offset_sec"] = start
        meta["end_offset_sec"] = round(end, 6)
        if dimension is not None:
            meta["embedding_dimension"] = dimension
        return meta

    @staticmethod
    def _av_entries(seed: str, plan: AVPlan, *, model: str, dimension: int, uncertainty: bool) -> list[dict[str, Any]]:
        full = FULL_DIMENSIONS[model]
        spans = plan.spans()
        options = list(plan.options) if "separate_embedding" in plan.types else []
        if "fused_embedding" in plan.types:
            options.append("fused")
        entries: list[dict[str, Any]] = []

        def extra(key: str, rows: range) -> list[dict[str, Any]]:
            if not uncertainty:
                return [{} for _ in rows]
            values = abs(embedding_matrix(key + "|u", rows, full_dimension=full, dimension=dimension))
            return [{"embedding_uncertainty": row} for row in values]

        if "clip" in plan.scopes or "local" in plan.scopes:
            indices = range(len(spans))
            matrices = {
                o: embedding_matrix(f"{seed}|{o}|clip", indices, full_dimension=full, dimension=dimension)
                for o in options
            }
            extras = {o: extra(f"{seed}|{o}|clip", indices) for o in options}
            for index, (start, end) in enumerate(spans):
                for option in options:
                    entries.append(_entry(matrices[option][index], option, "clip", start, end, **extras[option][index]))
        if "asset" in plan.scopes:
            start, end = plan.window()
            for option in options:
                vector = embedding_matrix(f"{seed}|{option}|asset", [0], full_dimension=full, dimension=dimension)[0]
                entries.append(
                    _entry(
                        vector, option, "asset", start, round(end, 6), **extra(f"{seed}|{option}|asset", range(1))[0]
                    )
                )
        return entries

    # ------------------------------------------------------------------ v2 sync

    async def create_embeddings_v2(self, request: Request) -> Response:
        body = await self._json(request, "CreateEmbeddingsRequest")
        input_type = str(body["input_type"])
        model = str(body["model_name"])
        is35 = model == "marengo3.5"
        self._siblings(body, input_type, _SYNC_SIBLINGS)
        if is35 and input_type != "multi_input":
            _bad(
                "model_name",
                "marengo3.5 accepts only input_type multi_input; text, image, text_image, audio and video "
                "need marengo3.0.",
                value=model,
            )
        self._model_only_fields(body, is35, ("auto_truncate", "embedding_uncertainty", "embedding_dimension"))
        dimension = int(body.get("embedding_dimension", 512)) if is35 else FULL_DIMENSIONS[model]
        full = FULL_DIMENSIONS[model]
        # The same input gives the same vectors; `embedding_dimension` only shortens them (Matryoshka prefix).
        content = {key: value for key, value in body.items() if key != "embedding_dimension"}
        seed = "embed-v2|" + hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        uncertainty = bool(body.get("embedding_uncertainty"))
        result: dict[str, Any]

        def single(**extra: object) -> list[dict[str, Any]]:
            vector = embedding_matrix(seed, [0], full_dimension=full, dimension=dimension)[0]
            if uncertainty:
                extra["embedding_uncertainty"] = abs(
                    embedding_matrix(seed + "|u", [0], full_dimension=full, dimension=dimension)[0]
                )
            return [_entry(vector, None, None, None, None, **extra)]

        if input_type == "text":
            result = {"data": single()}
        elif input_type in ("image", "text_image"):
            media = self._source_media(body[input_type]["media_source"], f"{input_type}.media_source")
            if media.fetch_error:
                _bad(f"{input_type}.media_source.url", f"The media could not be fetched: {media.fetch_error}.")
            result = {"data": single(), "metadata": {"input_type": input_type, **_metadata_base(media)}}
        elif input_type in ("audio", "video"):
            plan = self._av_plan(body, input_type, is35=False)
            problem = plan.media.fetch_error or plan.media_problem(limit=_SYNC_AV_LIMIT, minimum=None)
            if problem:
                _bad(f"{input_type}.media_source", f"The media cannot be embedded synchronously: {problem}.")
            entries = self._av_entries(seed, plan, model=model, dimension=dimension, uncertainty=False)
            result = {"data": entries, "metadata": self._av_metadata(plan, None)}
        else:
            result = self._multi_input(body, seed, is35, single)
        return JSONBody(result)

    def _multi_input(
        self,
        body: Mapping[str, Any],
        seed: str,
        is35: bool,
        single: Callable[..., list[dict[str, Any]]],
    ) -> dict[str, Any]:
        multi: Mapping[str, Any] = body["multi_input"]
        text = multi.get("input_text")
        sources: list[Mapping[str, Any]] = list(multi.get("media_sources", []))
        if not text and not sources:
            raise ApiError(
                400,
                "parameter_not_provided",
                "multi_input needs input_text, media_sources, or both.",
                details={"field": "multi_input"},
            )
        names = {str(source["name"]) for source in sources if "name" in source}
        for reference in _REFERENCE.findall(str(text or "")):
            if reference not in names:
                _bad("multi_input.input_text", f"<@{reference}> does not name any media source.", value=reference)
        types = []
        media_list = []
        for index, source in enumerate(sources):
            field = f"multi_input.media_sources[{index}]"
            media_type = str(source["media_type"])
            if not is35 and media_type != "image":
                _bad(f"{field}.media_type", "With marengo3.0, multi_input accepts images only.", value=media_type)
            media = self._source_media(
                {key: value for key, value in source.items() if key in ("url", "base64_string", "asset_id")}, field
            )
            if media.fetch_error:
                _bad(field, f"The media could not be fetched: {media.fetch_error}.")
            if media_type in ("audio", "video") and media.duration > _MULTI_AV_LIMIT + _EPS:
                raise ApiError(
                    413,
                    "payload_too_large",
                    f"Duration ({media.duration:.1f} seconds) exceeds maximum limit of 30 seconds (0 minutes)",
                    details={"field": field},
                )
            types.append(media_type)
            media_list.append(media)
        if is35:
            if "document" in types and (len(sources) > 1 or text):
                _bad("multi_input.media_sources", "A document must be the only source, without input_text.")
            if len(set(types)) > 1 and not text:
                _bad("multi_input.media_sources", "Mixing media types needs input_text.")
            if body.get("embedding_uncertainty") and ("document" in types or (text and sources)):
                _bad("embedding_uncertainty", "embedding_uncertainty needs a text-only or media-only request.")
        words = _words(str(text or ""))
        truncated = False
        if is35 and words > _TEXT_LIMIT_35:
            if not body.get("auto_truncate", False):
                _bad("multi_input.input_text", f"The text has {words} tokens; the limit is {_TEXT_LIMIT_35}.")
            truncated = True
        result: dict[str, Any] = {"data": single(), "metadata": {"input_type": "multi_input"}}
        if is35:
            result["metadata"]["embedding_dimension"] = int(body.get("embedding_dimension", 512))
            tokens: dict[str, int] = {}
            if text:
                tokens["text"] = min(words, _TEXT_LIMIT_35)
            for media_type, media in zip(types, media_list, strict=True):
                cost = 258 if media_type == "image" else math.ceil(media.duration * 10)
                tokens[media_type] = tokens.get(media_type, 0) + cost
            usage: dict[str, Any] = {"input_tokens": tokens, "truncated": truncated}
            if truncated:
                usage["truncation_reason"] = "model_context_window"
            result["usage"] = usage
        return result

    # ------------------------------------------------------------------ v2 async

    async def create_embedding_task_v2(self, request: Request) -> Response:
        body = await self._json(request, "CreateEmbeddingTaskRequest")
        input_type = str(body["input_type"])
        model = str(body["model_name"])
        is35 = model == "marengo3.5"
        self._siblings(body, input_type, _ASYNC_SIBLINGS)
        if input_type in ("document", "image") and not is35:
            _bad("model_name", f"input_type {input_type} needs marengo3.5.", value=model)
        self._model_only_fields(body, is35, ("embedding_uncertainty", "embedding_dimension"))
        dimension = int(body.get("embedding_dimension", 512)) if is35 else FULL_DIMENSIONS[model]
        uncertainty = bool(body.get("embedding_uncertainty"))
        params: dict[str, Any] = {"dimension": dimension, "uncertainty": uncertainty, "is35": is35}
        failure: str | None
        if input_type in ("audio", "video"):
            plan = self._av_plan(body, input_type, is35)
            if uncertainty and "asset" in plan.scopes:
                _bad(
                    f"{input_type}.embedding_scope",
                    "embedding_uncertainty needs embedding_scope without asset (the default includes asset).",
                )
            media = plan.media
            failure = (
                media.fetch_error or media.fail_message or plan.media_problem(limit=_ASYNC_MAX, minimum=_ASYNC_MIN)
            )
            params.update(plan=plan, metadata=self._av_metadata(plan, dimension if is35 else None))
        elif input_type == "image":
            obj = body["image"]
            media = self._source_media(obj["media_source"], "image.media_source")
            failure = media.fetch_error or media.fail_message
            meta = {"input_type": "image", **_metadata_base(media), "embedding_options": ["visual"]}
            meta.update(embedding_scopes=["asset"], embedding_dimension=dimension)
            params.update(metadata=meta)
        else:
            media, document = self._document_plan(body, uncertainty)
            failure = media.fetch_error or media.fail_message
            meta = {"input_type": "document", **_metadata_base(media)}
            meta.update(embedding_options=list(document["options"]), embedding_scopes=list(document["scopes"]))
            meta.update(embedding_dimension=dimension)
            params.update(document=document, metadata=meta)
        task = self.fake._create_task(
            api="v2", model_name=model, input_type=input_type, media=media, failure=failure, params=params
        )
        answer: dict[str, Any] = {"_id": task.id, "status": "processing", "data": None}
        if is35:
            answer["metadata"] = {"embedding_dimension": dimension}
        location = str(request.base_url).rstrip("/") + f"{API_PREFIX}/embed-v2/tasks/{task.id}"
        return JSONBody(answer, 202, headers={"Location": location})

    def _document_plan(self, body: Mapping[str, Any], uncertainty: bool) -> tuple[Media, dict[str, Any]]:
        obj: Mapping[str, Any] = body["document"]
        media = self._source_media(obj["media_source"], "document.media_source")
        path = media.hints.get("path", "").lower()
        kind = media.hints.get("kind") or ("text" if path.endswith((".txt", ".md")) else "pdf")
        is_pdf = kind == "pdf"
        options = tuple(obj.get("embedding_option", ("visual",) if is_pdf else ("text",)))
        scopes = tuple(obj.get("embedding_scope", ("local",) if is_pdf else ("asset",)))
        types = tuple(obj.get("embedding_type", ("separate_embedding",)))
        segmentation: Mapping[str, Any] = obj.get("segmentation", {})
        spatial, sequential = segmentation.get("spatial"), segmentation.get("sequential")
        if "fused_embedding" in types:
            _bad("document.embedding_type", "fused_embedding is not accepted for documents.")
        if spatial is not None:
            if not is_pdf:
                _bad("document.segmentation.spatial", "spatial segmentation is for PDF documents only.")
            if "visual" not in options or "local" not in scopes:
                _bad(
                    "document.segmentation.spatial",
                    "spatial segmentation needs embedding_option visual and scope local.",
                )
        if sequential is not None:
            if is_pdf:
                _bad("document.segmentation.sequential", "sequential segmentation is for txt/md documents only.")
            if "text" not in options or "local" not in scopes:
                _bad(
                    "document.segmentation.sequential",
                    "sequential segmentation needs embedding_option text and scope local.",
                )
            if int(sequential.get("overlap_sentences", 0)) >= int(sequential["max_sentences"]):
                _bad(
                    "document.segmentation.sequential.overlap_sentences",
                    "overlap_sentences must be less than max_sentences.",
                )
        allowed = (
            {("visual", "local"), ("visual", "asset"), ("text", "asset")}
            if is_pdf
            else {("text", "asset"), ("text", "local")}
        )
        for option in options:
            for scope in scopes:
                if (option, scope) not in allowed:
                    _bad(
                        "document.embedding_scope",
                        f"({option}, {scope}) is not allowed for a {'PDF' if is_pdf else 'txt/md'} document.",
                    )
        if not is_pdf and "local" in scopes and sequential is None:
            raise ApiError(
                400,
                "parameter_not_provided",
                "A txt/md document with scope local needs document.segmentation.sequential.",
                details={"field": "document.segmentation.sequential"},
            )
        if uncertainty and is_pdf:
            _bad("embedding_uncertainty", "embedding_uncertainty is not accepted for PDF documents.")
        if uncertainty and list(scopes) != ["local"]:
            _bad(
                "document.embedding_scope",
                "With embedding_uncertainty, a txt/md document needs embedding_scope [local].",
            )
        pages = int(media.hints.get("pages") or 4)
        sentences = int(media.hints.get("sentences") or 12)
        return media, {
            "kind": kind,
            "options": options,
            "scopes": scopes,
            "quadrants": bool(spatial and spatial.get("strategy") == "quadrants"),
            "pages": max(1, pages),
            "sentences": max(1, sentences),
            "max_sentences": int(sequential["max_sentences"]) if sequential else 0,
            "overlap": int(sequential.get("overlap_sentences", 0)) if sequential else 0,
        }

    async def get_embedding_task_v2(self, request: Request) -> Response:
        task_id = request.path_params["task_id"]
        task = self.fake.find_task(task_id, api="v2")
        if task is None:
            raise ApiError(404, "resource_not_exist", "Embedding task not found.", details={"task_id": task_id})
        now = self.fake.clock.now()
        status = task.status_at(now)
        answer: dict[str, Any] = {
            "_id": task.id,
            "status": status,
            "data": None,
            "created_at": iso(task.created_at),
            "updated_at": iso(task.updated_at(now)),
            "metadata": task.params["metadata"],
        }
        if status == "ready":
            answer["data"] = self._v2_entries(task)
            if task.params["is35"]:
                answer["usage"] = {"input_tokens": {task.input_type: self._tokens(task)}, "truncated": False}
        elif status == "failed":
            answer["error"] = {"message": task.error_message or "The embedding task failed. Please try again later."}
        return JSONBody(answer)

    @staticmethod
    def _tokens(task: FakeTask) -> int:
        if task.input_type == "image":
            return 258
        if task.input_type == "document":
            return 258 * int(task.params["document"]["pages"])
        return math.ceil(task.duration * 10)

    def _v2_entries(self, task: FakeTask) -> list[dict[str, Any]]:
        dimension = int(task.params["dimension"])
        uncertainty = bool(task.params["uncertainty"])
        full = FULL_DIMENSIONS[task.model_name]
        if task.input_type in ("audio", "video"):
            plan: AVPlan = task.params["plan"]
            return self._av_entries(task.id, plan, model=task.model_name, dimension=dimension, uncertainty=uncertainty)
        if task.input_type == "image":
            vector = embedding_matrix(f"{task.id}|visual|asset", [0], full_dimension=full, dimension=dimension)[0]
            return [_entry(vector, "visual", "asset", None, None)]
        return self._document_entries(task, full, dimension, uncertainty)

    @staticmethod
    def _document_entries(task: FakeTask, full: int, dimension: int, uncertainty: bool) -> list[dict[str, Any]]:
        document: Mapping[str, Any] = task.params["document"]
        entries: list[dict[str, Any]] = []

        def vectors(key: str, count: int) -> Any:
            return embedding_matrix(f"{task.id}|{key}", range(count), full_dimension=full, dimension=dimension)

        def extra(key: str, index: int) -> dict[str, Any]:
            if not uncertainty:
                return {}
            return {"embedding_uncertainty": abs(vectors(key + "|u", index + 1)[index])}

        pages = int(document["pages"])
        for option in document["options"]:
            if "local" in document["scopes"] and document["kind"] == "pdf":
                per_page = 5 if document["quadrants"] else 1
                matrix = vectors(f"{option}|page", pages * per_page)
                quadrants: tuple[str | None, ...] = (None, "top_left", "top_right", "bottom_left", "bottom_right")
                for page in range(pages):
                    for slot in range(per_page):
                        pages_of = {"start_page_number": page + 1, "end_page_number": page + 1}
                        quadrant = quadrants[slot] if document["quadrants"] else None
                        vector = matrix[page * per_page + slot]
                        entries.append(_entry(vector, option, "page", None, None, quadrant=quadrant, **pages_of))
            if "local" in document["scopes"] and document["kind"] != "pdf":
                size, overlap = int(document["max_sentences"]), int(document["overlap"])
                stride, total = size - overlap, int(document["sentences"])
                count = 1 if total <= size else 1 + math.ceil((total - size) / stride)
                matrix = vectors(f"{option}|chunk", count)
                for index in range(count):
                    key = f"{option}|chunk"
                    entries.append(
                        _entry(matrix[index], option, "chunk", None, None, chunk_index=index, **extra(key, index))
                    )
            if "asset" in document["scopes"]:
                entries.append(_entry(vectors(f"{option}|asset", 1)[0], option, "asset", None, None))
        return entries
