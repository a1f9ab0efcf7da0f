"""The operations of openapi.yaml (nine embedding, four asset, five multipart-upload), how requests are matched
to them, and the two error-body families."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ALL_OPERATIONS",
    "API_PREFIX",
    "CREATE_OPERATIONS",
    "OPERATIONS",
    "ApiError",
    "Operation",
    "error_body",
    "resolve_operation",
]

#: Where the API is mounted; a client's `base_url` is `http://host:port/v1.3`.
API_PREFIX = "/v1.3"


@dataclass(frozen=True)
class Operation:
    """One operation: its `operationId`, method, path template and error-body family."""

    id: str
    method: str
    path: str
    nested_errors: bool
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>(?s:.*))", self.path)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}\\Z"))


# Order matters: `/embed/tasks/{task_id}/status` must be tried before `/embed/tasks/{task_id}`, and the
# `/assets/multipart-uploads...` paths before `/assets/{asset_id}` (a path parameter matches anything).
OPERATIONS: tuple[Operation, ...] = (
    Operation("createLegacyEmbedding", "POST", "/embed", nested_errors=False),
    Operation("createVideoEmbeddingTask", "POST", "/embed/tasks", nested_errors=False),
    Operation("listVideoEmbeddingTasks", "GET", "/embed/tasks", nested_errors=False),
    Operation("getVideoEmbeddingTaskStatus", "GET", "/embed/tasks/{task_id}/status", nested_errors=False),
    Operation("retrieveVideoEmbeddings", "GET", "/embed/tasks/{task_id}", nested_errors=False),
    Operation("createEmbeddingsV2", "POST", "/embed-v2", nested_errors=True),
    Operation("createEmbeddingTaskV2", "POST", "/embed-v2/tasks", nested_errors=True),
    Operation("listEmbeddingTasksV2", "GET", "/embed-v2/tasks", nested_errors=False),
    Operation("getEmbeddingTaskV2", "GET", "/embed-v2/tasks/{task_id}", nested_errors=True),
    Operation(
        "requestAdditionalPresignedUrls",
        "POST",
        "/assets/multipart-uploads/{upload_id}/presigned-urls",
        nested_errors=False,
    ),
    Operation("getUploadStatus", "GET", "/assets/multipart-uploads/{upload_id}", nested_errors=False),
    Operation("reportChunkBatch", "POST", "/assets/multipart-uploads/{upload_id}", nested_errors=False),
    Operation("createMultipartUpload", "POST", "/assets/multipart-uploads", nested_errors=False),
    Operation("listIncompleteUploads", "GET", "/assets/multipart-uploads", nested_errors=False),
    Operation("retrieveAsset", "GET", "/assets/{asset_id}", nested_errors=False),
    Operation("deleteAsset", "DELETE", "/assets/{asset_id}", nested_errors=False),
    Operation("createAsset", "POST", "/assets", nested_errors=False),
    Operation("listAssets", "GET", "/assets", nested_errors=False),
)
OPERATIONS_BY_ID: dict[str, Operation] = {operation.id: operation for operation in OPERATIONS}

#: Every operationId.
ALL_OPERATIONS: frozenset[str] = frozenset(OPERATIONS_BY_ID)
#: The operations that create embeddings (the ones the real API rate-limits as one bucket). `createAsset` is
#: rate-limited too, in a category of its own: `RateLimit(..., operations={"createAsset"})`.
CREATE_OPERATIONS: frozenset[str] = frozenset(
    {"createLegacyEmbedding", "createVideoEmbeddingTask", "createEmbeddingsV2", "createEmbeddingTaskV2"}
)


def resolve_operation(method: str, path: str) -> Operation | None:
    """The operation a request targets (`path` as received, with the `/v1.3` prefix), or None."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    relative = path[len(API_PREFIX) :]
    method = "GET" if method == "HEAD" else method
    for operation in OPERATIONS:
        if operation.method == method and operation.pattern.match(relative):
            return operation
    return None


def check_operation_ids(operations: object) -> frozenset[str]:
    """Validate a collection of operationIds given by a user; unknown names raise ValueError."""
    if isinstance(operations, str):
        operations = [operations]
    if not isinstance(operations, list | tuple | set | frozenset):
        raise TypeError("operations must be an operationId or a collection of them")
    names = frozenset(str(name) for name in operations)
    unknown = sorted(names - ALL_OPERATIONS)
    if unknown:
        raise ValueError(f"unknown operationId(s) {unknown}; known: {sorted(ALL_OPERATIONS)}")
    return names


class ApiError(Exception):
    """An error answer of the fake; rendered in the flat or nested family of the operation."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})

    def body(self, operation: Operation | None) -> dict[str, Any]:
        return error_body(operation, self.status, self.code, self.message, self.details)


def error_body(
    operation: Operation | None,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The error body: nested `{error: {code, message, details}}` for the three v2 operations that use it
    (except 401, which the gateway answers flat everywhere), flat `{code, message}` otherwise."""
    if operation is not None and operation.nested_errors and status != 401:
        inner: dict[str, Any] = {"code": code, "message": message}
        if details:
            inner["details"] = details
        return {"error": inner}
    return {"code": code, "message": message}
