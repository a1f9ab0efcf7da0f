"""The two list operations, `GET /embed/tasks` and `GET /embed-v2/tasks`: filters, the 7-day window, pages,
and one metadata summary per task (no vectors)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from ._group import Handler, OperationGroup
from ._json import JSONBody
from ._legacy import legacy_metadata
from ._models import FakeTask
from ._parsing import bad, iso

__all__ = ["ListHandlers"]

_RETENTION = timedelta(days=7)


class ListHandlers(OperationGroup):
    """The legacy and the v2 task lists."""

    def table(self) -> dict[str, Handler]:
        return {
            "listVideoEmbeddingTasks": self.list_video_embedding_tasks,
            "listEmbeddingTasksV2": self.list_embedding_tasks_v2,
        }

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
            bad(name, f"The {name} parameter is not an RFC 3339 date-time.", value=str(value))
        if moment.tzinfo is None:
            bad(name, f"The {name} parameter needs a time zone offset.", value=str(value))
        return moment

    def _list(self, request: Request, operation_id: str, api: Literal["legacy", "v2"]) -> Response:
        query = self.parse.query(request, self.fake.operation(operation_id))
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
            "video_embedding": {"metadata": legacy_metadata(task)},
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
            # Sources disagree on these two names (see AudioEmbeddingMetadata in openapi.yaml); the fake
            # writes the spelling it was configured with.
            if self.fake.audio_metadata_spelling == "sdk":
                summary.update(audio_embedding_option=options, audio_embedding_scope=scopes)
            else:
                summary.update(audio_embedding_options=options, audio_embedding_scopes=scopes)
            summary.update(duration=meta["duration"])
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
