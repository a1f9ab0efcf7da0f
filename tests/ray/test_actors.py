"""The shared actors' rules, on their plain classes in one event loop (no cluster): what a dead worker held is
given back, the budget's permits expire, only ledger statements run remotely, and rows in any batch format."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import ray

from twelvelabs_embed import ConfigurationError
from twelvelabs_embed.batch import Observation
from twelvelabs_embed.batch._ledger import LedgerDB
from twelvelabs_embed.ray import EmbedMedia, LedgerKeeper, RateBudget, RemoteLedger, SharedKey, Worker
from twelvelabs_embed.ray._embed import _rows

A1, A2, B = Worker("actor-a", 101), Worker("actor-a", 202), Worker("actor-b", 303)
FULL = Observation(status=200, limit=10, remaining=0, reset_after=60.0)


def test_a_restarted_worker_gives_back_the_permits_of_its_dead_incarnation() -> None:
    """The budget is spent and one permit is out (held by a worker that then dies): nothing else may go
    until the restarted worker registers, which gives the permit back."""

    async def main() -> tuple[bool, bool, int]:
        budget = RateBudget()
        await budget.register(A1)
        await budget.register(B)
        first = await budget.acquire("create", A1)  # the probe of an unknown operation
        await budget.release("create", first, Observation(status=200, limit=10, remaining=5, reset_after=60.0))
        held = await budget.acquire("create", A1)
        other = await budget.acquire("create", B)
        await budget.release("create", other, FULL)  # the server says: no budget left (until the reset)
        waiting = asyncio.create_task(budget.acquire("create", B))
        await asyncio.sleep(0.05)
        blocked = not waiting.done()
        await budget.register(A2)  # the same actor, restarted: A1's permit is given back, as unanswered
        stats = await budget.stats()
        await budget.release("create", held, FULL)  # a late answer of the dead incarnation is ignored
        waiting.cancel()
        return blocked, stats["held"] == 0, (await budget.stats())["held"]

    blocked, given_back, held_after = asyncio.run(main())
    assert blocked and given_back and held_after == 0


def test_a_permit_granted_to_a_dead_incarnation_is_returned_at_once() -> None:
    async def main() -> tuple[int, int]:
        budget = RateBudget()
        await budget.register(A2)  # A1 is no longer the live incarnation
        permit = await budget.acquire("create", A1)
        return permit, (await budget.stats())["held"]

    assert asyncio.run(main()) == (0, 0)


def test_permits_expire_after_their_lease() -> None:
    async def main() -> int:
        budget = RateBudget(lease=0.2)
        await budget.register(A1)
        await budget.acquire("create", A1)  # never released
        await asyncio.sleep(0.6)
        return int((await budget.stats())["held"])

    assert asyncio.run(main()) == 0


def test_locks_wait_for_their_holder_and_a_restart_releases_them(tmp_path: Path) -> None:
    async def main() -> tuple[bool, bool, dict[str, int]]:
        keeper = LedgerKeeper(str(tmp_path / "library"), durable=False)
        try:
            await keeper.register(A1)
            await keeper.register(B)
            await keeper.lock("key:x", A1)
            waiter = asyncio.create_task(keeper.lock("key:x", B))
            await asyncio.sleep(0.05)
            blocked = not waiter.done()
            await keeper.register(A2)  # A1 died and was restarted: its lock goes
            await asyncio.wait_for(waiter, 1)
            await keeper.unlock("key:x", A1)  # not A1's any more: no effect
            still_b = keeper.locks.get("key:x") == B
            return blocked, still_b, await keeper.stats()
        finally:
            await keeper.close()

    blocked, still_b, stats = asyncio.run(main())
    assert blocked and still_b and stats == {"held": 1, "released": 1}


def test_a_lock_whose_holder_is_dead_is_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A holder that died for good (no restart to register) is found dead by a ping of its actor."""
    monkeypatch.setattr("twelvelabs_embed.ray._actors.LIVENESS_INTERVAL", 0.05)

    class DeadActor:
        class __ray_ready__:  # the name of the method Ray gives every actor
            @staticmethod
            def remote() -> Any:
                async def died() -> None:
                    raise ray.exceptions.RayActorError()

                return died()

    async def main() -> dict[str, int]:
        keeper = LedgerKeeper(str(tmp_path / "library"), durable=False)
        try:
            await keeper.register(A1, DeadActor())
            await keeper.lock("identity:anonymous:", A1)
            await asyncio.wait_for(keeper.lock("identity:anonymous:", B), 2)
            return await keeper.stats()
        finally:
            await keeper.close()

    assert asyncio.run(main()) == {"held": 1, "released": 1}


def test_only_ledger_statements_run_in_the_ledger_actor(tmp_path: Path) -> None:
    async def main() -> None:
        keeper = LedgerKeeper(str(tmp_path / "library"), durable=False)
        try:
            assert await keeper.run("counts", (), {}) == {}
            for name in ("_update", "create_schema.__globals__", "nothing"):
                with pytest.raises(ValueError, match="not a ledger statement"):
                    await keeper.run(name, (), {})
            remote = RemoteLedger(actor=None, worker=A1)
            with pytest.raises(ValueError, match="not a ledger statement"):
                await remote.run(print)
            with pytest.raises(ValueError, match="not a ledger statement"):
                await remote.run(LedgerDB._update, "key")
        finally:
            await keeper.close()

    asyncio.run(main())


def test_rows_come_from_every_batch_format() -> None:
    expected = [{"source": "https://a.example/x.mp4", "option": "visual"}, {"source": "/m/y.mp4", "option": None}]
    table = pa.Table.from_pylist(expected)
    columns = {"source": np.array(["https://a.example/x.mp4", "/m/y.mp4"]), "option": np.array(["visual", None])}
    assert _rows(table) == expected
    assert _rows(table.to_pandas()) == expected
    assert _rows(columns) == expected
    with pytest.raises(TypeError, match="batch of rows"):
        _rows([1, 2])


def test_the_shared_key_never_shows_itself() -> None:
    import pickle

    key = SharedKey("secret-key-123")
    assert "secret" not in repr(key) + str(key) + repr({"api_key": key})
    assert pickle.loads(pickle.dumps(key)).reveal() == "secret-key-123"  # it does travel to the workers


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_rpm": 0}, "max_rpm must be a whole number >= 1"),
        ({"max_rpm": True}, "max_rpm must be a whole number >= 1"),
        ({"concurrency": 4}, "unknown option 'concurrency'"),
        ({"defaults": {"api": "v2"}}, "defaults must be ItemOptions"),
        ({"retry_failed": "yes"}, "retry_failed must be bool"),
        ({"max_connections": 0}, "max_connections must be >= 1"),
        ({"max_connections": True}, "max_connections must be int"),
    ],
)
def test_setup_refuses_a_bad_option_before_starting_anything(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        EmbedMedia.setup("library", api_key="k", base_url="http://127.0.0.1:9/v1.3", **options)


def test_setup_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWELVELABS_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="no API key"):
        EmbedMedia.setup("library", base_url="http://127.0.0.1:9/v1.3")
