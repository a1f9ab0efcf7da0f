"""`POST /embed-v2/tasks` and `GET /embed-v2/tasks/{id}`: async v2 tasks (audio, video, and with marengo3.5
image and document), their plans, and the entries of a ready task."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from ._embeddings import FULL_DIMENSIONS, embedding_matrix
from ._group import Handler, OperationGroup
from ._json import JSONBody
from ._media import media_metadata
from ._models import FakeTask, Media
from ._operations import API_PREFIX, ApiError
from ._parsing import bad, iso
from ._v2_rules import ASYNC_SIBLINGS, AVPlan, av_entries, av_metadata, av_plan, entry, model_only_fields, siblings

__all__ = ["V2TaskHandlers"]

_ASYNC_MIN: Final = 4.0
_ASYNC_MAX: Final = 4 * 3600.0


class V2TaskHandlers(OperationGroup):
    """Async v2 embedding tasks: create and get."""

    def table(self) -> dict[str, Handler]:
        return {
            "createEmbeddingTaskV2": self.create_embedding_task_v2,
            "getEmbeddingTaskV2": self.get_embedding_task_v2,
        }

    async def create_embedding_task_v2(self, request: Request) -> Response:
        body = await self.parse.json(request, "CreateEmbeddingTaskRequest")
        input_type = str(body["input_type"])
        model = str(body["model_name"])
        is35 = model == "marengo3.5"
        siblings(body, input_type, ASYNC_SIBLINGS)
        if input_type in ("document", "image") and not is35:
            bad("model_name", f"input_type {input_type} needs marengo3.5.", value=model)
        model_only_fields(body, is35, ("embedding_uncertainty", "embedding_dimension"))
        dimension = int(body.get("embedding_dimension", 512)) if is35 else FULL_DIMENSIONS[model]
        uncertainty = bool(body.get("embedding_uncertainty"))
        params: dict[str, Any] = {"dimension": dimension, "uncertainty": uncertainty, "is35": is35}
        failure: str | None
        if input_type in ("audio", "video"):
            source = self.media.source(body[input_type]["media_source"], f"{input_type}.media_source")
            plan = av_plan(body, input_type, is35, source)
            if uncertainty and "asset" in plan.scopes:
                bad(
                    f"{input_type}.embedding_scope",
                    "embedding_uncertainty needs embedding_scope without asset (the default includes asset).",
                )
            media = plan.media
            failure = (
                media.fetch_error or media.fail_message or plan.media_problem(limit=_ASYNC_MAX, minimum=_ASYNC_MIN)
            )
            params.update(plan=plan, metadata=av_metadata(plan, dimension if is35 else None))
        elif input_type == "image":
            obj = body["image"]
            media = self.media.source(obj["media_source"], "image.media_source")
            failure = media.fetch_error or media.fail_message
            meta = {"input_type": "image", **media_metadata(media), "embedding_options": ["visual"]}
            meta.update(embedding_scopes=["asset"], embedding_dimension=dimension)
            params.update(metadata=meta)
        else:
            media, document = self._document_plan(body, uncertainty)
            failure = media.fetch_error or media.fail_message
            meta = {"input_type": "document", **media_metadata(media)}
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
        media = self.media.source(obj["media_source"], "document.media_source")
        path = media.hints.get("path", "").lower()
        kind = media.hints.get("kind") or ("text" if path.endswith((".txt", ".md")) else "pdf")
        is_pdf = kind == "pdf"
        options = tuple(obj.get("embedding_option", ("visual",) if is_pdf else ("text",)))
        scopes = tuple(obj.get("embedding_scope", ("local",) if is_pdf else ("asset",)))
        types = tuple(obj.get("embedding_type", ("separate_embedding",)))
        segmentation: Mapping[str, Any] = obj.get("segmentation", {})
        spatial, sequential = segmentation.get("spatial"), segmentation.get("sequential")
        if "fused_embedding" in types:
            bad("document.embedding_type", "fused_embedding is not accepted for documents.")
        if spatial is not None:
            if not is_pdf:
                bad("document.segmentation.spatial", "spatial segmentation is for PDF documents only.")
            if "visual" not in options or "local" not in scopes:
                bad(
                    "document.segmentation.spatial",
                    "spatial segmentation needs embedding_option visual and scope local.",
                )
        if sequential is not None:
            if is_pdf:
                bad("document.segmentation.sequential", "sequential segmentation is for txt/md documents only.")
            if "text" not in options or "local" not in scopes:
                bad(
                    "document.segmentation.sequential",
                    "sequential segmentation needs embedding_option text and scope local.",
                )
            if int(sequential.get("overlap_sentences", 0)) >= int(sequential["max_sentences"]):
                bad(
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
                    bad(
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
            bad("embedding_uncertainty", "embedding_uncertainty is not accepted for PDF documents.")
        if uncertainty and list(scopes) != ["local"]:
            bad(
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
            return av_entries(task.id, plan, model=task.model_name, dimension=dimension, uncertainty=uncertainty)
        if task.input_type == "image":
            vector = embedding_matrix(f"{task.id}|visual|asset", [0], full_dimension=full, dimension=dimension)[0]
            return [entry(vector, "visual", "asset", None, None)]
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
                        entries.append(entry(vector, option, "page", None, None, quadrant=quadrant, **pages_of))
            if "local" in document["scopes"] and document["kind"] != "pdf":
                size, overlap = int(document["max_sentences"]), int(document["overlap"])
                stride, total = size - overlap, int(document["sentences"])
                count = 1 if total <= size else 1 + math.ceil((total - size) / stride)
                matrix = vectors(f"{option}|chunk", count)
                for index in range(count):
                    key = f"{option}|chunk"
                    entries.append(
                        entry(matrix[index], option, "chunk", None, None, chunk_index=index, **extra(key, index))
                    )
            if "asset" in document["scopes"]:
                entries.append(entry(vectors(f"{option}|asset", 1)[0], option, "asset", None, None))
        return entries
