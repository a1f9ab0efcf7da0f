"""JSON bodies, fast for large embedding responses (orjson with numpy when installed, else the stdlib)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from starlette.background import BackgroundTask
from starlette.responses import Response

try:
    from orjson import OPT_SERIALIZE_NUMPY
    from orjson import dumps as _orjson_dumps

    HAVE_ORJSON = True
except ImportError:  # pragma: no cover - orjson is optional
    HAVE_ORJSON = False

__all__ = ["JSONBody", "dumps"]


def _default(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.floating | np.integer):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(content: object) -> bytes:
    """Serialise `content` (dicts, lists, numpy arrays) to compact JSON bytes."""
    if HAVE_ORJSON:
        try:
            return _orjson_dumps(content, default=_default, option=OPT_SERIALIZE_NUMPY)
        except TypeError:  # e.g. an integer beyond 64 bits (a huge `page` echoed back); the stdlib copes
            pass
    return json.dumps(content, default=_default, separators=(",", ":"), allow_nan=False).encode()


class JSONBody(Response):
    """A Starlette response with an `application/json` body rendered by `dumps`."""

    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, None, background)

    def render(self, content: Any) -> bytes:
        return dumps(content)
