"""The two shared actors of a Ray run, and the worker-side objects that talk to them.

`RateBudget` holds the cluster's one rate budget: an `AdaptiveRateLimiter` inside an async actor, fed by
every worker's answers (rate-limit headers, `Retry-After`, 429s). `RemoteRateLimiter` is the batch's
`RateLimiter` interface in a worker: each request asks the actor before it goes and reports its answer
after.

`LedgerKeeper` owns the batch ledger of the output folder (the same SQLite file and statements as the
single-process batch) and the cluster's locks (one item at a time per key, one create at a time per
identity). `RemoteLedger` is the batch's `Ledger` in a worker: every statement runs in the actor.

A worker that dies holds nothing for long: each worker registers with both actors under its Ray actor
id, which survives a restart; when a restarted worker registers again, what its dead incarnation held
(permits, locks) is given back. Permits also expire after `lease` seconds (the longest a request can
take), and a lock whose holder is found dead is broken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..batch._ledger import Ledger, LedgerDB
from ..batch._ratelimit import AdaptiveRateLimiter, Observation

__all__ = ["LedgerKeeper", "RateBudget", "RemoteLedger", "RemoteRateLimiter", "Worker"]

logger = logging.getLogger("twelvelabs_embed.ray")

T = TypeVar("T")

#: How often a waiter checks whether the holder of its lock is still alive.
LIVENESS_INTERVAL = 2.0


@dataclass(frozen=True)
class Worker:
    """Who asks: a Ray actor id (stable across restarts) and the process of this incarnation."""

    holder: str
    pid: int


@dataclass
class _Held:
    worker: Worker
    operation: str
    since: float


class RateBudget:
    """The cluster's rate budget (an async Ray actor; see the module doc).

    Args:
        max_per_minute: our own cap on counted requests per minute, on top of what the server allows.
        lease: seconds after which a permit whose answer never came is given back.
    """

    def __init__(self, max_per_minute: int | None = None, lease: float = 660.0) -> None:
        self.limiter = AdaptiveRateLimiter(max_per_minute=max_per_minute)
        self.lease = lease
        self.held: dict[int, _Held] = {}
        self.current: dict[str, int] = {}  # holder -> pid of its live incarnation
        self._sweeper: asyncio.Task[None] | None = None

    async def ready(self) -> bool:
        return True

    async def register(self, worker: Worker) -> None:
        previous = self.current.get(worker.holder)
        self.current[worker.holder] = worker.pid
        if previous is not None and previous != worker.pid:
            for permit, held in list(self.held.items()):
                if held.worker.holder == worker.holder and held.worker.pid != worker.pid:
                    await self._give_back(permit)

    async def acquire(self, operation: str, worker: Worker) -> int:
        self._ensure_sweeper()
        permit = await self.limiter.acquire(operation)
        if permit == 0:
            return 0
        if self.current.get(worker.holder, worker.pid) != worker.pid:  # the asker died while it waited
            await self.limiter.release(operation, permit, Observation.no_answer())
            return 0
        self.held[permit] = _Held(worker, operation, time.monotonic())
        return permit

    async def release(self, operation: str, permit: int, observation: Observation) -> None:
        if permit != 0 and self.held.pop(permit, None) is None:
            return  # already given back (its worker restarted, or the lease ran out)
        await self.limiter.release(operation, permit, observation)

    async def stats(self) -> dict[str, Any]:
        stats = self.limiter.stats
        return {
            "requests": stats.requests,
            "counted": stats.counted,
            "rate_limited": stats.rate_limited,
            "waited_seconds": stats.waited_seconds,
            "limit": stats.limit,
            "held": len(self.held),
            **self.limiter.snapshot(),
        }

    async def _give_back(self, permit: int) -> None:
        held = self.held.pop(permit, None)
        if held is not None:
            await self.limiter.release(held.operation, permit, Observation.no_answer())

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.lease / 4))
            now = time.monotonic()
            for permit, held in list(self.held.items()):
                if now - held.since > self.lease:
                    logger.warning("permit of %s held for over %.0f s: given back", held.operation, self.lease)
                    await self._give_back(permit)


class LedgerKeeper:
    """The ledger of one output folder and the cluster's locks (an async Ray actor; see the module doc)."""

    def __init__(self, folder: str, durable: bool = True) -> None:
        self.ledger = Ledger(Path(folder), durable=durable)
        self.locks: dict[str, Worker] = {}
        self.handles: dict[str, Any] = {}
        self.incarnations: dict[str, list[int]] = {}
        self.released = 0  # locks given back because their holder died
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def ready(self) -> bool:
        return True

    async def run(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run the ledger statement `LedgerDB.<name>(*args, **kwargs)` in a committed transaction."""
        work = getattr(LedgerDB, name, None)
        if name.startswith("_") or not callable(work):
            raise ValueError(f"{name!r} is not a ledger statement")
        return await self.ledger.run(work, *args, **kwargs)

    async def register(self, worker: Worker, handle: Any = None) -> None:
        """A worker starts (or restarts): locks its earlier incarnation held are released."""
        seen = self.incarnations.setdefault(worker.holder, [])
        if worker.pid not in seen:
            seen.append(worker.pid)
        if handle is not None:
            self.handles[worker.holder] = handle
        stale = [name for name, owner in self.locks.items() if owner.holder == worker.holder and owner != worker]
        if stale:
            async with self._condition():
                for name in stale:
                    del self.locks[name]
                self.released += len(stale)
                self._condition().notify_all()

    async def workers(self) -> dict[str, list[int]]:
        """Each worker's Ray actor id and the pids of its incarnations, oldest first."""
        return {holder: list(pids) for holder, pids in self.incarnations.items()}

    async def stats(self) -> dict[str, int]:
        """Locks held now, and locks given back because their holder died."""
        return {"held": len(self.locks), "released": self.released}

    async def lock(self, name: str, worker: Worker) -> None:
        """Wait until `name` is free (or its holder is dead), then hold it."""
        cond = self._condition()
        async with cond:
            while True:
                owner = self.locks.get(name)
                if owner is None or owner == worker:
                    self.locks[name] = worker
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(cond.wait(), LIVENESS_INTERVAL)
                    continue
                if self.locks.get(name) == owner and await self._dead(owner):
                    logger.warning("lock %s: its holder %s is dead; broken", name, owner.holder)
                    del self.locks[name]
                    self.released += 1

    async def unlock(self, name: str, worker: Worker) -> None:
        cond = self._condition()
        async with cond:
            if self.locks.get(name) == worker:
                del self.locks[name]
                cond.notify_all()

    async def close(self) -> None:
        self.ledger.close()

    async def _dead(self, owner: Worker) -> bool:
        import ray

        handle = self.handles.get(owner.holder)
        if handle is None:
            return False
        try:
            await asyncio.wait_for(handle.__ray_ready__.remote(), LIVENESS_INTERVAL)
        except TimeoutError:
            return False  # busy or restarting: a restart registers and releases
        except ray.exceptions.RayActorError:
            return True
        return self.incarnations.get(owner.holder, [owner.pid])[-1] != owner.pid


class RemoteRateLimiter:
    """The batch's `RateLimiter` in a worker: the budget lives in the `RateBudget` actor."""

    def __init__(self, actor: Any, worker: Worker) -> None:
        self.actor = actor
        self.worker = worker

    async def acquire(self, operation: str) -> int:
        permit: int = await self.actor.acquire.remote(operation, self.worker)
        return permit

    async def release(self, operation: str, permit: int, observation: Observation) -> None:
        await self.actor.release.remote(operation, permit, observation)


class RemoteLedger(Ledger):
    """The batch's `Ledger` in a worker: each statement runs in the `LedgerKeeper` actor."""

    def __init__(self, actor: Any, worker: Worker) -> None:  # no local database, no folder lock
        self.actor = actor
        self.worker = worker

    async def run(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        name = getattr(work, "__name__", "")
        if name.startswith("_") or getattr(LedgerDB, name, None) is not work:
            raise ValueError(f"{work!r} is not a ledger statement")
        result: T = await self.actor.run.remote(name, args, kwargs)
        return result

    def close(self) -> None:
        return None

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        """Hold the cluster-wide lock `name` for the block."""
        await self.actor.lock.remote(name, self.worker)
        try:
            yield
        finally:
            await asyncio.shield(self.actor.unlock.remote(name, self.worker))


def this_worker() -> Worker:
    """This process as a lock and permit holder (its Ray actor id, or its pid outside an actor)."""
    import ray

    context = ray.get_runtime_context()
    try:
        holder = context.get_actor_id()
    except Exception:  # not in a Ray worker
        holder = None
    return Worker(holder or f"pid-{os.getpid()}", os.getpid())
