"""The four legacy operations: `POST /embed`, `POST /embed/tasks`, `GET /embed/tasks/{id}/status` and
`GET /embed/tasks/{id}` (multipart requests, flat error bodies, 24-hex task ids)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from ._embeddings import FULL_DIMENSIONS, Span, embedding_matrix, legacy_clips
from ._group import Handler, OperationGroup
from ._json import JSONBody
from ._media import media_metadata
from ._models import FakeTask
from ._operations import ApiError
from ._parsing import EPS, Upload, bad, iso, words

__all__ = ["LEGACY_MODELS", "LegacyHandlers", "legacy_metadata"]

#: The legacy models and the embedding options each produces.
LEGACY_MODELS: Final = {
    "marengo3.0": ("visual", "audio", "transcription"),
    "Marengo-retrieval-2.7": ("visual-text", "audio"),
}
_LEGACY_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_LEGACY_MIN, _LEGACY_MAX = 4.0, 2 * 3600.0
_LEGACY_27_TEXT_LIMIT = 77


def legacy_metadata(task: FakeTask) -> dict[str, Any]:
    """The `video_embedding.metadata` of a legacy task (status, retrieve and list answers)."""
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


def _legacy_model(model: str) -> tuple[str, ...]:
    options = LEGACY_MODELS.get(model)
    if options is None:
        bad("model_name", f"The model_name parameter is invalid: {model!r} is not one of {sorted(LEGACY_MODELS)}.")
    return options


class LegacyHandlers(OperationGroup):
    """The legacy sync embedding and the legacy video tasks."""

    def table(self) -> dict[str, Handler]:
        return {
            "createLegacyEmbedding": self.create_legacy_embedding,
            "createVideoEmbeddingTask": self.create_video_embedding_task,
            "getVideoEmbeddingTaskStatus": self.get_video_embedding_task_status,
            "retrieveVideoEmbeddings": self.retrieve_video_embeddings,
        }

    async def create_legacy_embedding(self, request: Request) -> Response:
        form = await self.parse.form(request)
        instance, files = await self.parse.form_instance(form, "CreateLegacyEmbeddingForm")
        model = str(instance["model_name"])
        _legacy_model(model)
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
                bad("text", "The text parameter must not be empty.")
            too_long = model == "Marengo-retrieval-2.7" and words(str(text)) > _LEGACY_27_TEXT_LIMIT
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
        media = self.media.url_or_upload(url, upload)
        result: dict[str, Any] = {"metadata": media_metadata(media)}
        if media.fetch_error is not None or (url is None and upload is not None and not upload.data):
            result["error_message"] = "Image file is not valid."
            return result
        result["segments"] = [{"float": embedding_matrix(f"{seed}|image", [0], full_dimension=full)[0]}]
        return result

    def _legacy_audio(self, seed: str, model: str, start: float, url: object, upload: Upload | None) -> dict[str, Any]:
        media = self.media.url_or_upload(url, upload)
        result: dict[str, Any] = {"metadata": media_metadata(media)}
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
        form = await self.parse.form(request)
        instance, files = await self.parse.form_instance(form, "CreateVideoEmbeddingTaskForm")
        model = str(instance["model_name"])
        _legacy_model(model)
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
            bad("video_embedding_scope", "The video_embedding_scope parameter must include clip.")
        if start is not None and end is not None:
            if end <= start:
                bad("video_end_offset_sec", "video_end_offset_sec must be greater than video_start_offset_sec.")
            if end - start < clip_length - EPS:
                bad(
                    "video_clip_length",
                    "video_clip_length must not exceed video_end_offset_sec - video_start_offset_sec.",
                )
        media = self.media.url_or_upload(url, upload)
        begin = float(start or 0.0)
        finish = media.duration if end is None else float(end)
        failure = media.fetch_error or media.fail_message
        if failure is None and url is None and upload is not None and not upload.data:
            failure = "video_file_broken"
        if failure is None and not _LEGACY_MIN - EPS <= media.duration <= _LEGACY_MAX + EPS:
            failure = "video_duration_out_of_range"
        if failure is None and (finish > media.duration + EPS or begin > media.duration - clip_length + EPS):
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
            bad("task_id", f"The task_id parameter is invalid: {task_id!r} is not a valid task id.")
        query = self.parse.query(request, self.fake.operation(operation_id))
        task = self.fake.find_task(task_id, api="legacy")
        if task is None:
            raise ApiError(404, "resource_not_exist", f"There is no embedding task with id {task_id}.")
        return task, query

    async def get_video_embedding_task_status(self, request: Request) -> Response:
        task, _ = self._legacy_task(request, "getVideoEmbeddingTaskStatus")
        now = self.fake.clock.now()
        return JSONBody(
            {
                "_id": task.id,
                "model_name": task.model_name,
                "status": task.status_at(now),
                "video_embedding": {"metadata": legacy_metadata(task)},
            }
        )

    async def retrieve_video_embeddings(self, request: Request) -> Response:
        task, query = self._legacy_task(request, "retrieveVideoEmbeddings")
        produced: list[str] = list(task.params["options"])
        wanted = [str(option) for option in query.get("embedding_option", produced)]
        for option in wanted:
            if option not in produced:
                bad(
                    "embedding_option",
                    f"The embedding_option parameter is invalid: {task.model_name} produces {produced}.",
                    value=option,
                )
        now = self.fake.clock.now()
        status = task.status_at(now)
        video: dict[str, Any] = {"metadata": legacy_metadata(task)}
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
