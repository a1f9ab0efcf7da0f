"""Listing tasks: `list` (one page) and `iter` (every item, lazily), for both list endpoints, sync and async."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from twelvelabs_embed import BadRequestError
from twelvelabs_embed._pagination import MAX_PAGES, Pager
from twelvelabs_embed.models import EmbeddingTaskList, MediaEmbeddingTask

from ._support import NO_RETRY, Server, call, collect, json_response, make_async_client, make_client

MODES = ["sync", "async"]
ENDPOINTS = {"legacy": "/v1.3/embed/tasks", "v2": "/v1.3/embed-v2/tasks"}


def tasks_of(client: Any, kind: str) -> Any:
    return client.legacy.tasks if kind == "legacy" else client.v2.tasks


class Catalogue:
    """A list endpoint over `total` tasks, paged by the request's `page`/`page_limit`."""

    def __init__(self, total: int, *, page_info: bool = True) -> None:
        self.ids = [f"task{i:03d}" for i in range(total)]
        self.page_info = page_info

    def __call__(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        limit = int(request.url.params.get("page_limit", "10"))
        chunk = self.ids[(page - 1) * limit : page * limit]
        body: dict[str, Any] = {"data": [{"_id": i, "status": "ready", "model_name": "marengo3.0"} for i in chunk]}
        if self.page_info:
            pages = max(1, -(-len(self.ids) // limit))
            body["page_info"] = {
                "limit_per_page": limit,
                "page": page,
                "total_page": pages,
                "total_results": len(self.ids),
            }
        return json_response(200, body)


def pages_requested(server: Server) -> list[int]:
    return [int(r.url.params["page"]) for r in server.requests]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_iter_yields_every_item_and_stops_on_total_page(mode: str, kind: str) -> None:
    """`iter` yields all items across pages and stops at `total_page` without asking for an empty page."""
    server = Server(default=Catalogue(7))
    items = collect(mode, server, lambda c: tasks_of(c, kind).iter(page_limit=3))
    assert [t.id for t in items] == [f"task{i:03d}" for i in range(7)]
    assert all(isinstance(t, MediaEmbeddingTask) for t in items)
    assert pages_requested(server) == [1, 2, 3]
    assert {r.url.path for r in server.requests} == {ENDPOINTS[kind]}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_iter_exactly_full_last_page_needs_no_extra_request(mode: str, kind: str) -> None:
    """When the last page is full, `total_page` still prevents a request for a following empty page."""
    server = Server(default=Catalogue(6))
    items = collect(mode, server, lambda c: tasks_of(c, kind).iter(page_limit=3))
    assert len(items) == 6
    assert pages_requested(server) == [1, 2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_iter_without_page_info_stops_on_a_short_page(mode: str, kind: str) -> None:
    """Without `page_info`, a page shorter than `page_limit` is taken as the last one."""
    server = Server(default=Catalogue(5, page_info=False))
    items = collect(mode, server, lambda c: tasks_of(c, kind).iter(page_limit=2))
    assert len(items) == 5
    assert pages_requested(server) == [1, 2, 3]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_iter_on_an_empty_listing_makes_one_request(mode: str, kind: str) -> None:
    """An empty listing yields nothing after exactly one request."""
    server = Server(default=Catalogue(0))
    assert collect(mode, server, lambda c: tasks_of(c, kind).iter()) == []
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(ENDPOINTS))
@pytest.mark.parametrize(("max_items", "pages"), [(0, []), (1, [1]), (3, [1]), (4, [1, 2]), (100, [1, 2, 3, 4])])
def test_iter_max_items_bounds_items_and_requests(mode: str, kind: str, max_items: int, pages: list[int]) -> None:
    """`max_items` stops the iteration after that many items, fetching no page beyond the one that holds the last."""
    server = Server(default=Catalogue(10))
    items = collect(mode, server, lambda c: tasks_of(c, kind).iter(page_limit=3, max_items=max_items))
    assert len(items) == min(max_items, 10)
    assert pages_requested(server) == pages


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_filters_are_sent_on_every_page(mode: str, kind: str) -> None:
    """`status`, `started_at`, `ended_at` and `page_limit` reach the query string of each page request."""
    server = Server(default=Catalogue(4))
    started = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    collect(
        mode,
        server,
        lambda c: tasks_of(c, kind).iter(
            status="ready", started_at=started, ended_at="2026-07-02T00:00:00Z", page_limit=2
        ),
    )
    assert len(server.requests) == 2
    for number, request in enumerate(server.requests, start=1):
        params = request.url.params
        assert params["status"] == "ready"
        assert dt.datetime.fromisoformat(params["started_at"]) == started
        assert dt.datetime.fromisoformat(params["ended_at"]) == dt.datetime(2026, 7, 2, tzinfo=dt.UTC)
        assert params["page_limit"] == "2"
        assert params["page"] == str(number)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_list_returns_one_page_with_its_filters(mode: str, kind: str) -> None:
    """`list` fetches exactly the requested page with the given filters and returns the typed page."""
    server = Server(default=Catalogue(30))
    page = call(mode, server, lambda c: tasks_of(c, kind).list(page=2, page_limit=5, status="processing"))
    assert isinstance(page, EmbeddingTaskList)
    assert [t.id for t in page.data] == [f"task{i:03d}" for i in range(5, 10)]
    assert page.page_info.total_page == 6
    (request,) = server.requests
    assert request.url.path == ENDPOINTS[kind]
    assert dict(request.url.params) == {"status": "processing", "page": "2", "page_limit": "5"}


@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_sync_iter_is_lazy(kind: str) -> None:
    """Nothing is requested until the first item is pulled, and the next page only when the current one is used up."""
    server = Server(default=Catalogue(10))
    with make_client(server) as client:
        iterator = tasks_of(client, kind).iter(page_limit=3)
        assert server.requests == []
        assert next(iterator).id == "task000"
        assert len(server.requests) == 1
        for _ in range(2):
            next(iterator)
        assert len(server.requests) == 1
        assert next(iterator).id == "task003"
        assert len(server.requests) == 2


@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_async_iter_is_lazy(kind: str) -> None:
    """`async for` over `iter` fetches pages only as items are consumed."""
    server = Server(default=Catalogue(10))

    async def main() -> None:
        async with make_async_client(server) as client:
            iterator = tasks_of(client, kind).iter(page_limit=3)
            assert server.requests == []
            first = await anext(iterator)
            assert first.id == "task000" and len(server.requests) == 1
            seen = [first.id]
            async for task in iterator:
                seen.append(task.id)
                if len(seen) == 4:
                    break
            assert seen[-1] == "task003"
            assert len(server.requests) == 2

    asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_error_mid_iteration_is_raised_typed(mode: str) -> None:
    """A failing page request raises the mapped error after the items already yielded."""
    catalogue = Catalogue(6)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "2":
            return json_response(400, {"code": "parameter_invalid", "message": "bad page"})
        return catalogue(request)

    server = Server(default=handler)
    received: list[str] = []

    def drain(client: Any) -> Callable[[], Any]:
        it = client.v2.tasks.iter(page_limit=3)
        if mode == "sync":
            for task in it:
                received.append(task.id)
            return None

        async def run() -> None:
            async for task in it:
                received.append(task.id)

        return run()

    with pytest.raises(BadRequestError, match="bad page"):
        call(mode, server, drain, retry=NO_RETRY)
    assert received == ["task000", "task001", "task002"]


# ---------------------------------------------------------------- the Pager's own edges (no I/O)
def _page(ids: list[str], total_page: int | None = None) -> EmbeddingTaskList:
    body: dict[str, Any] = {"data": [{"_id": i, "status": "ready"} for i in ids]}
    if total_page is not None:
        body["page_info"] = {"page": 1, "limit_per_page": len(ids), "total_page": total_page, "total_results": 0}
    return EmbeddingTaskList.from_dict(body)


def test_pager_stops_after_max_pages_of_fresh_full_pages() -> None:
    """A server that sends a new full page for ever (no page_info) is walked for exactly MAX_PAGES pages."""
    assert MAX_PAGES == 10_000
    pager = Pager(1, 1, None)
    walked = 0
    while not pager.done:
        assert [t.id for t in pager.accept(_page([f"t{walked}"]))] == [f"t{walked}"]
        walked += 1
    assert walked == pager.pages == MAX_PAGES and pager.number is None


def test_pager_stops_on_a_repeated_page_and_hands_out_nothing_from_it() -> None:
    """A page whose ids were seen before (not only the page just before) ends the walk and yields no items."""
    pager = Pager(1, 2, None)
    assert [t.id for t in pager.accept(_page(["a", "b"]))] == ["a", "b"] and pager.number == 2
    assert [t.id for t in pager.accept(_page(["c", "d"]))] == ["c", "d"] and pager.number == 3
    assert pager.accept(_page(["a", "b"])) == [] and pager.done and pager.pages == 2


def test_pager_max_items_edges() -> None:
    """max_items=0 hands out nothing; reaching max_items exactly stops asking for pages."""
    nothing = Pager(1, 2, 0)
    assert nothing.done and nothing.accept(_page(["a", "b"])) == []
    exact = Pager(1, 2, 4)
    assert len(exact.accept(_page(["a", "b"]))) == 2 and exact.number == 2 and not exact.done
    assert len(exact.accept(_page(["c", "d"]))) == 2 and exact.number is None and exact.done
    cut = Pager(1, 3, 4)
    cut.accept(_page(["a", "b", "c"]))
    assert [t.id for t in cut.accept(_page(["d", "e", "f"]))] == ["d"] and cut.yielded == 4


def test_pager_follows_total_page() -> None:
    """With page_info, the walk ends at total_page even when the last page is full."""
    pager = Pager(1, 2, None)
    pager.accept(_page(["a", "b"], total_page=2))
    assert pager.number == 2
    pager.accept(_page(["c", "d"], total_page=2))
    assert pager.number is None and pager.done
