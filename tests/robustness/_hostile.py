"""Hostile HTTP servers on loopback: raw asyncio servers that answer the way no honest server would.

`HostileServer(behaviour)` listens on a free 127.0.0.1 port, runs its own event loop on a daemon thread,
parses each request on a connection (keep-alive included) and hands it to `behaviour`, an
`async (Exchange) -> bool` that writes whatever it likes and returns whether the connection may serve
another request. It counts connections (open and total) and keeps every request head it saw, so tests
can ask whether the API key reached it. `stop()` cancels every connection and joins the thread; the
`hostile` fixture of test_hostile.py stops each server it started, whatever the test did.

The servers are real sockets, so the CLI (a subprocess) reaches them through `TWELVELABS_BASE_URL`.
The behaviours below are the cases of docs/ROBUSTNESS.md §7; none of them materialises a big body:
endless and bomb bodies are a few pre-built blocks sent again and again, with `drain()` between writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Exchange",
    "HostileServer",
    "Seen",
    "gzip_bomb_blocks",
]

Behaviour = Callable[["Exchange"], Awaitable[bool]]

MAX_HEAD = 64 * 1024


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body_bytes: int


@dataclass
class Exchange:
    """One request on one connection: what was asked, and the stream to answer on."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    server: HostileServer
    body: bytes = b""
    number: int = 0

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self, status: int, body: bytes | dict[str, Any] | list[Any], **headers: str) -> bool:
        """A complete, honest-looking answer (keep-alive), for the steps between the hostile ones."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        head = [f"HTTP/1.1 {status} X", f"content-length: {len(raw)}", "content-type: application/json"]
        head += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        await self.send(("\r\n".join(head) + "\r\n\r\n").encode() + raw)
        return True

    async def drip(self, data: bytes, every: float) -> None:
        """Send `data` one byte at a time, `every` seconds apart."""
        for i in range(len(data)):
            await self.send(data[i : i + 1])
            await asyncio.sleep(every)


@dataclass
class _Stats:
    connections: int = 0
    open: int = 0
    requests: list[Seen] = field(default_factory=list)


class HostileServer:
    """A loopback HTTP/1.1 server whose answers are written by `behaviour` (see the module docstring)."""

    def __init__(self, behaviour: Behaviour, *, read_body: bool = True) -> None:
        self.behaviour = behaviour
        self.read_body = read_body
        self.stats = _Stats()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.port: int = self._sock.getsockname()[1]
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"hostile-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile server did not start")

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1.3"

    @property
    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self.stats.requests)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return self.stats.open

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._serve, sock=self._sock, limit=MAX_HEAD)

        self._loop.run_until_complete(start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self.stats.connections += 1
            self.stats.open += 1
        try:
            number = 0
            while True:
                exchange = await self._read_request(reader, writer)
                if exchange is None:
                    break
                exchange.number = number
                number += 1
                if not await self.behaviour(exchange):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:  # stop(): end quietly (a cancelled handler task is logged by asyncio)
            pass
        finally:
            with self._lock:
                self.stats.open -= 1
            self._tasks.discard(task)
            writer.transport.abort()

    async def _read_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Exchange | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        path, _, query = target.partition("?")
        body = b""
        if self.read_body:
            body = await self._read_body(reader, headers)
        with self._lock:
            self.stats.requests.append(Seen(method, path, headers, len(body)))
        return Exchange(method, path, query, headers, reader, writer, self, body)

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        """The request body, kept only up to 1 MiB (an upload's bytes are counted, not stored)."""
        kept = bytearray()
        if "content-length" in headers:
            left = int(headers["content-length"])
            while left:
                chunk = await reader.read(min(left, 1 << 16))
                if not chunk:
                    raise ConnectionError("request body cut short")
                left -= len(chunk)
                if len(kept) < 1 << 20:
                    kept += chunk
            return bytes(kept)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    return bytes(kept)
                chunk = await reader.readexactly(size + 2)
                if len(kept) < 1 << 20:
                    kept += chunk[:-2]
        return b""

    def stop(self) -> None:
        """Cancel every connection, close the listener and join the thread."""
        if not self._thread.is_alive():
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._sock.close()


def gzip_bomb_blocks(decoded_block: int = 1 << 20) -> tuple[bytes, bytes]:
    """(head, block): a gzip stream is `head + block * n`, and inflates to `n * decoded_block` zero bytes.

    After a full flush the deflate state is reset and byte-aligned, so the compressed form of the next
    `decoded_block` zeros is the same bytes every time: the stream is built by repetition, never by
    compressing (or holding) gigabytes. With the default 1 MiB block, each block is about 1 KiB.
    """
    zeros = bytes(decoded_block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == block, "the deflate blocks after a full flush are not identical"
    return head, block
