"""How the fake's handlers are composed: one `OperationGroup` per module, listed once in `GROUPS`."""

from __future__ import annotations

import inspect

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from twelvelabs_embed.testing import ALL_OPERATIONS, EmbedFake
from twelvelabs_embed.testing import _handlers as handlers_module
from twelvelabs_embed.testing._group import Handler, OperationGroup
from twelvelabs_embed.testing._handlers import GROUPS, Handlers
from twelvelabs_embed.testing._json import JSONBody
from twelvelabs_embed.testing._listing import ListHandlers
from twelvelabs_embed.testing._operations import ApiError

from .helpers import create_v2_task


class EchoList(OperationGroup):
    """A stand-in group serving one operation, as a new module would."""

    def table(self) -> dict[str, Handler]:
        return {"listEmbeddingTasksV2": self.list_v2}

    async def list_v2(self, request: Request) -> Response:
        if request.query_params.get("page") == "0":
            raise ApiError(400, "parameter_invalid", "page 0")
        return JSONBody({"data": [], "page_info": {"echo": request.url.path}})


class LegacyListOnly(ListHandlers):
    """The list group without the v2 list (taken over by `EchoList`)."""

    def table(self) -> dict[str, Handler]:
        table = super().table()
        del table["listEmbeddingTasksV2"]
        return table


def test_every_operation_has_exactly_one_handler() -> None:
    """The default groups serve every declared operation once, each with an async handler."""
    with EmbedFake() as fake:
        table = Handlers(fake).table()
        assert set(table) == ALL_OPERATIONS
        per_group = [set(group(fake).table()) for group in GROUPS]
    assert sum(len(operations) for operations in per_group) == len(ALL_OPERATIONS)
    assert all(inspect.iscoroutinefunction(handler) for handler in table.values())


def test_a_new_group_is_one_class_added_to_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """A group added to `GROUPS` is routed to by the app, behind the shared auth and error rendering."""
    groups = tuple(LegacyListOnly if group is ListHandlers else group for group in GROUPS)
    monkeypatch.setattr(handlers_module, "GROUPS", (*groups, EchoList))
    with EmbedFake() as fake, fake.client() as client:
        create_v2_task(client)
        answer = client.get("/embed-v2/tasks")
        assert answer.json() == {"data": [], "page_info": {"echo": "/v1.3/embed-v2/tasks"}}
        assert client.get("/embed/tasks").json()["page_info"]["total_results"] == 0  # the other groups still serve
        assert client.get("/embed-v2/tasks", headers={"x-api-key": "wrong"}).status_code == 401
        rejected = client.get("/embed-v2/tasks", params={"page": 0})
        assert (rejected.status_code, rejected.json()["code"]) == (400, "parameter_invalid")


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ((*GROUPS, EchoList), "listEmbeddingTasksV2 already has a handler"),
        (tuple(group for group in GROUPS if group is not ListHandlers), "no handler for ['listEmbeddingTasksV2',"),
    ],
)
def test_composition_errors_are_caught_when_the_app_is_built(
    groups: tuple[type[OperationGroup], ...], message: str
) -> None:
    """Two handlers for one operation, or an operation without a handler, fail at once with the operationId."""
    with EmbedFake() as fake, pytest.raises(ValueError) as error:
        Handlers(fake, groups)
    assert message in str(error.value)


def test_a_handler_for_an_undeclared_operation_is_refused() -> None:
    """A group serving an operationId that `_operations.py` does not declare is refused by name."""

    class Stray(OperationGroup):
        def table(self) -> dict[str, Handler]:
            return {"uploadAssetPart": EchoList.list_v2.__get__(self)}

    with EmbedFake() as fake, pytest.raises(ValueError, match=r"undeclared operations \['uploadAssetPart'\]"):
        Handlers(fake, (*GROUPS, Stray))


def test_an_unknown_path_never_reaches_a_handler(embed_fake_client: httpx.Client) -> None:
    """Routing is by the declared operations: an unknown path is the flat 404, not a handler error."""
    answer = embed_fake_client.get("/embed-v3/tasks")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
