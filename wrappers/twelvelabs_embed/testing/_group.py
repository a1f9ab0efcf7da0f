"""The base of an operation group: one module serving a few related operations of the fake.

A group is a subclass of `OperationGroup` whose `table()` maps each operationId it serves to an async
handler taking the Starlette request and returning the response (raising `ApiError` for error answers).
`Handlers` (in `_handlers.py`) composes the groups listed in its `GROUPS`; authentication, the rate limit and
the rendering of errors in the operation's error family happen there, once, around every handler.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from ._media import MediaResolver
from ._parsing import RequestParser

if TYPE_CHECKING:
    from ._clock import Clock
    from ._fake import EmbedFake

__all__ = ["Handler", "OperationGroup"]

#: An operation's handler.
Handler = Callable[[Request], Awaitable[Response]]


class OperationGroup(abc.ABC):
    """Handlers of related operations, bound to one fake (with a request parser and a media resolver)."""

    def __init__(self, fake: EmbedFake[Clock]) -> None:
        self.fake = fake
        self.parse = RequestParser(fake)
        self.media = MediaResolver(fake)

    @abc.abstractmethod
    def table(self) -> dict[str, Handler]:
        """{operationId: handler} for every operation this group serves."""
