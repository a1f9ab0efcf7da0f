"""All operations of the fake, composed from their groups; the one place auth, the rate limit and error
rendering wrap every handler.

Principle of the handlers: rules that depend only on the request are checked at once (400 with the
operation's error family); problems that depend on the media (cannot be fetched, too long, offsets past the
end) make an async task end `failed` and a sync call answer 400 (413 for marengo3.5 size/duration limits).

Adding a group of operations: declare them in `_operations.py`, write one module with an `OperationGroup`
subclass whose `table()` maps each operationId to its async handler, and add that class to `GROUPS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from ._assets import AssetHandlers
from ._group import Handler, OperationGroup
from ._json import JSONBody
from ._legacy import LegacyHandlers
from ._listing import ListHandlers
from ._operations import ALL_OPERATIONS, ApiError, Operation
from ._parsing import RequestParser
from ._uploads import UploadHandlers
from ._v2_sync import V2SyncHandlers
from ._v2_tasks import V2TaskHandlers

if TYPE_CHECKING:
    from ._clock import Clock
    from ._fake import EmbedFake

__all__ = ["GROUPS", "Handlers"]

#: Every group of operations the fake serves.
GROUPS: tuple[type[OperationGroup], ...] = (
    LegacyHandlers,
    ListHandlers,
    V2SyncHandlers,
    V2TaskHandlers,
    AssetHandlers,
    UploadHandlers,
)


class Handlers:
    """The handlers of every operation, bound to one fake (from `groups`, default `GROUPS`).

    Raises ValueError when two groups serve the same operationId, when a group serves an operationId that
    `_operations.py` does not declare, or when a declared operation has no handler.
    """

    def __init__(self, fake: EmbedFake[Clock], groups: Iterable[type[OperationGroup]] | None = None) -> None:
        self.fake = fake
        self.parse = RequestParser(fake)
        table: dict[str, Handler] = {}
        for group in GROUPS if groups is None else groups:
            for operation_id, handler in group(fake).table().items():
                if operation_id in table:
                    raise ValueError(f"{group.__name__}: {operation_id} already has a handler")
                table[operation_id] = handler
        unknown = sorted(set(table) - ALL_OPERATIONS)
        missing = sorted(ALL_OPERATIONS - set(table))
        if unknown or missing:
            raise ValueError(f"handlers for undeclared operations {unknown}, no handler for {missing}")
        self._table = table

    def table(self) -> dict[str, Handler]:
        """{operationId: handler} for every operation."""
        return dict(self._table)

    async def run(self, operation: Operation, request: Request) -> Response:
        """Auth, rate limit, then the operation; every ApiError becomes the operation's error body."""
        handler = self._table[operation.id]
        try:
            self.parse.authenticate(request)
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
            response = await handler(request)
            response.headers.update(limit_headers)
            return response
        except ApiError as error:
            return JSONBody(error.body(operation), error.status, headers=error.headers)
        finally:
            await request.close()  # closes the spooled files of a parsed multipart form
