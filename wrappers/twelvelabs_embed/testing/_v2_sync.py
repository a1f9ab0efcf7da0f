"""`POST /embed-v2`: synchronous v2 embeddings (text, image, text_image, short audio/video with marengo3.0;
multi_input with marengo3.0 or marengo3.5)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from ._embeddings import FULL_DIMENSIONS, embedding_matrix
from ._group import Handler, OperationGroup
from ._json import JSONBody
from ._media import media_metadata
from ._models import Media
from ._operations import ApiError
from ._parsing import EPS, bad, words
from ._v2_rules import SYNC_SIBLINGS, av_entries, av_metadata, av_plan, entry, model_only_fields, siblings

__all__ = ["V2SyncHandlers"]

_REFERENCE = re.compile(r"<@([^>]*)>")
_SYNC_AV_LIMIT: Final = 600.0  # marengo3.0 sync audio/video: 10 minutes
_MULTI_AV_LIMIT: Final = 30.0  # marengo3.5 multi_input audio/video: 30 s
_TEXT_LIMIT_35: Final = 2000


class V2SyncHandlers(OperationGroup):
    """Synchronous v2 embeddings."""

    def table(self) -> dict[str, Handler]:
        return {"createEmbeddingsV2": self.create_embeddings_v2}

    async def create_embeddings_v2(self, request: Request) -> Response:
        body = await self.parse.json(request, "CreateEmbeddingsRequest")
        input_type = str(body["input_type"])
        model = str(body["model_name"])
        is35 = model == "marengo3.5"
        siblings(body, input_type, SYNC_SIBLINGS)
        if is35 and input_type != "multi_input":
            bad(
                "model_name",
                "marengo3.5 accepts only input_type multi_input; text, image, text_image, audio and video "
                "need marengo3.0.",
                value=model,
            )
        model_only_fields(body, is35, ("auto_truncate", "embedding_uncertainty", "embedding_dimension"))
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
            return [entry(vector, None, None, None, None, **extra)]

        if input_type == "text":
            result = {"data": single()}
        elif input_type in ("image", "text_image"):
            media = self.media.source(body[input_type]["media_source"], f"{input_type}.media_source")
            if media.fetch_error:
                bad(f"{input_type}.media_source.url", f"The media could not be fetched: {media.fetch_error}.")
            result = {"data": single(), "metadata": {"input_type": input_type, **media_metadata(media)}}
        elif input_type in ("audio", "video"):
            media = self.media.source(body[input_type]["media_source"], f"{input_type}.media_source")
            plan = av_plan(body, input_type, False, media)
            problem = plan.media.fetch_error or plan.media_problem(limit=_SYNC_AV_LIMIT, minimum=None)
            if problem:
                bad(f"{input_type}.media_source", f"The media cannot be embedded synchronously: {problem}.")
            entries = av_entries(seed, plan, model=model, dimension=dimension, uncertainty=False)
            result = {"data": entries, "metadata": av_metadata(plan, None)}
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
                bad("multi_input.input_text", f"<@{reference}> does not name any media source.", value=reference)
        types = []
        media_list: list[Media] = []
        for index, source in enumerate(sources):
            field = f"multi_input.media_sources[{index}]"
            media_type = str(source["media_type"])
            if not is35 and media_type != "image":
                bad(f"{field}.media_type", "With marengo3.0, multi_input accepts images only.", value=media_type)
            media = self.media.source(
                {key: value for key, value in source.items() if key in ("url", "base64_string", "asset_id")}, field
            )
            if media.fetch_error:
                bad(field, f"The media could not be fetched: {media.fetch_error}.")
            if media_type in ("audio", "video") and media.duration > _MULTI_AV_LIMIT + EPS:
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
                bad("multi_input.media_sources", "A document must be the only source, without input_text.")
            if len(set(types)) > 1 and not text:
                bad("multi_input.media_sources", "Mixing media types needs input_text.")
            if body.get("embedding_uncertainty") and ("document" in types or (text and sources)):
                bad("embedding_uncertainty", "embedding_uncertainty needs a text-only or media-only request.")
        count = words(str(text or ""))
        truncated = False
        if is35 and count > _TEXT_LIMIT_35:
            if not body.get("auto_truncate", False):
                bad("multi_input.input_text", f"The text has {count} tokens; the limit is {_TEXT_LIMIT_35}.")
            truncated = True
        result: dict[str, Any] = {"data": single(), "metadata": {"input_type": "multi_input"}}
        if is35:
            result["metadata"]["embedding_dimension"] = int(body.get("embedding_dimension", 512))
            tokens: dict[str, int] = {}
            if text:
                tokens["text"] = min(count, _TEXT_LIMIT_35)
            for media_type, media in zip(types, media_list, strict=True):
                cost = 258 if media_type == "image" else math.ceil(media.duration * 10)
                tokens[media_type] = tokens.get(media_type, 0) + cost
            usage: dict[str, Any] = {"input_tokens": tokens, "truncated": truncated}
            if truncated:
                usage["truncation_reason"] = "model_context_window"
            result["usage"] = usage
        return result
