"""The public surface: exported names, resources and their methods, context managers, model re-exports."""

from __future__ import annotations

import asyncio
import inspect
import types

import pytest

import twelvelabs_embed
import twelvelabs_embed.models as models
import twelvelabs_embed_generated.models as generated_models
from twelvelabs_embed import AsyncEmbedClient, EmbedClient

from ._support import TASK_ID, Server, json_response, make_async_client, make_client, v2_task

EXPECTED_ALL = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "AssetFailedError",
    "AsyncEmbedClient",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "EmbedClient",
    "EmbedError",
    "EmbeddingArrays",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PollPolicy",
    "RateLimitError",
    "ResponseError",
    "ResponseParseError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "TaskFailedError",
    "Timeouts",
    "TransportError",
    "UnprocessableEntityError",
    "UploadError",
    "ValidationError",
    "WaitTimeoutError",
    "__version__",
    "dynamic_segments",
    "fixed_segments",
]


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps `__all__` in: CONSTANTS, then Classes, then the rest."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_pinned_exactly() -> None:
    """`twelvelabs_embed.__all__` is exactly the reviewed list; adding or dropping a name fails here."""
    assert twelvelabs_embed.__all__ == EXPECTED_ALL


def test_all_is_sorted() -> None:
    """`__all__` is kept sorted (constants, classes, functions), so diffs stay reviewable."""
    assert twelvelabs_embed.__all__ == sorted(twelvelabs_embed.__all__, key=_isort_key)
    assert len(set(twelvelabs_embed.__all__)) == len(twelvelabs_embed.__all__)


def test_every_exported_name_exists_and_no_public_name_is_unlisted() -> None:
    """Each name in `__all__` resolves, and every public non-module attribute of the package is listed."""
    for name in twelvelabs_embed.__all__:
        assert hasattr(twelvelabs_embed, name), name
    public = {
        name
        for name, value in vars(twelvelabs_embed).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(twelvelabs_embed.__all__)


def test_models_reexports_every_generated_model() -> None:
    """`twelvelabs_embed.models` re-exports every generated model (the same objects) plus UNSET/Unset, sorted."""
    for name in generated_models.__all__:
        assert getattr(models, name) is getattr(generated_models, name), name
    assert set(models.__all__) == {*generated_models.__all__, "UNSET", "Unset"}
    assert models.__all__ == sorted(models.__all__)
    assert models.UNSET is not None and isinstance(models.UNSET, models.Unset)


def test_client_results_are_the_reexported_models() -> None:
    """What the client returns is an instance of the class users import from `twelvelabs_embed.models`."""
    server = Server(json_response(200, v2_task("ready", data=[])))
    with make_client(server) as client:
        task = client.v2.tasks.retrieve(TASK_ID)
    assert isinstance(task, models.EmbeddingTask)
    assert task.status is models.TaskStatus.READY


SYNC_METHODS = {
    "legacy.tasks": [
        "create",
        "status",
        "retrieve",
        "retrieve_arrays",
        "list",
        "iter",
        "wait_for_done",
        "create_and_wait",
    ],
    "legacy.embeddings": ["create"],
    "v2.tasks": ["create", "retrieve", "retrieve_arrays", "list", "iter", "wait", "create_and_wait"],
    "v2.embeddings": ["create"],
    "assets": ["create", "create_from_url", "list", "iter", "retrieve", "delete", "wait", "upload"],
}
RESOURCE_METHODS = [(path, name) for path, names in SYNC_METHODS.items() for name in names]


def _resource(client: object, path: str) -> object:
    for part in path.split("."):
        client = getattr(client, part)
    return client


@pytest.mark.parametrize(("path", "name"), RESOURCE_METHODS, ids=[f"{p}.{n}" for p, n in RESOURCE_METHODS])
def test_sync_resource_method_exists(path: str, name: str) -> None:
    """Every documented sync resource method exists and is a plain (non-coroutine) function."""
    with make_client() as client:
        method = getattr(_resource(client, path), name)
    assert callable(method)
    assert not inspect.iscoroutinefunction(method)


@pytest.mark.parametrize(("path", "name"), RESOURCE_METHODS, ids=[f"{p}.{n}" for p, n in RESOURCE_METHODS])
def test_async_resource_method_exists(path: str, name: str) -> None:
    """Every documented async resource method exists; all but `iter` are coroutine functions."""

    async def main() -> None:
        async with make_async_client() as client:
            method = getattr(_resource(client, path), name)
            assert callable(method)
            assert inspect.iscoroutinefunction(method) is (name != "iter")

    asyncio.run(main())


def test_sync_client_context_manager_closes_its_connections() -> None:
    """Leaving `with EmbedClient(...)` closes the httpx client and the transport under it."""
    server = Server()
    with make_client(server) as client:
        assert isinstance(client, EmbedClient)
        assert not client._http.is_closed
        assert not server.closed
    assert client._http.is_closed
    assert server.closed


def test_async_client_context_manager_closes_its_connections() -> None:
    """Leaving `async with AsyncEmbedClient(...)` closes the httpx client and the transport under it."""
    server = Server()

    async def main() -> AsyncEmbedClient:
        async with make_async_client(server) as client:
            assert isinstance(client, AsyncEmbedClient)
            assert not client._http.is_closed
            assert not server.closed
        return client

    client = asyncio.run(main())
    assert client._http.is_closed
    assert server.closed


def test_context_manager_closes_on_error() -> None:
    """An exception inside the `with` block still closes the client."""
    server = Server()
    with pytest.raises(RuntimeError), make_client(server) as client:
        raise RuntimeError("boom")
    assert client._http.is_closed and server.closed


def test_explicit_close_methods() -> None:
    """`close()` and `aclose()` close the connections without a context manager."""
    sync_server, async_server = Server(), Server()
    client = make_client(sync_server)
    client.close()
    assert sync_server.closed

    async def main() -> None:
        aclient = make_async_client(async_server)
        await aclient.aclose()

    asyncio.run(main())
    assert async_server.closed


def test_with_options_view_shares_connections() -> None:
    """`with_options` returns a client of the same class that shares the original's connection pool."""
    with make_client() as client:
        view = client.with_options(timeouts=twelvelabs_embed.Timeouts(read=5))
        assert isinstance(view, EmbedClient)
        assert view._http is client._http
        assert view.v2.tasks._c is view
        assert client.v2.tasks._c is client


def test_version_is_a_string() -> None:
    """`__version__` is the installed package version."""
    from importlib.metadata import version

    assert twelvelabs_embed.__version__ == version("twelvelabs-embed")


def test_resource_types_are_public_and_match_the_clients() -> None:
    """Every resource object of both clients is an instance of a class importable from `resources`."""
    from twelvelabs_embed import AsyncEmbedClient, EmbedClient, resources

    sync, asynchronous = (
        EmbedClient("k", base_url="http://127.0.0.1:1/v1.3"),
        AsyncEmbedClient("k", base_url="http://127.0.0.1:1/v1.3"),
    )
    pairs = [
        (sync.legacy, resources.Legacy),
        (sync.legacy.tasks, resources.LegacyTasks),
        (sync.legacy.embeddings, resources.LegacyEmbeddings),
        (sync.v2, resources.V2),
        (sync.v2.tasks, resources.Tasks),
        (sync.v2.embeddings, resources.Embeddings),
        (sync.assets, resources.Assets),
        (asynchronous.legacy, resources.AsyncLegacy),
        (asynchronous.legacy.tasks, resources.AsyncLegacyTasks),
        (asynchronous.legacy.embeddings, resources.AsyncLegacyEmbeddings),
        (asynchronous.v2, resources.AsyncV2),
        (asynchronous.v2.tasks, resources.AsyncTasks),
        (asynchronous.v2.embeddings, resources.AsyncEmbeddings),
        (asynchronous.assets, resources.AsyncAssets),
    ]
    for obj, cls in pairs:
        assert type(obj) is cls
    assert sorted(resources.__all__) == sorted(cls.__name__ for _, cls in pairs)
    sync.close()


def test_one_wait_name_across_both_apis() -> None:
    """Both task resources wait with `wait`; the legacy `wait_for_done` (the official SDK's name) is an alias."""
    from twelvelabs_embed import resources

    for legacy, v2 in ((resources.LegacyTasks, resources.Tasks), (resources.AsyncLegacyTasks, resources.AsyncTasks)):
        assert callable(legacy.wait) and callable(v2.wait)
        assert legacy.wait_for_done is legacy.wait
