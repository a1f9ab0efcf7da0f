"""A minimal loopback HTTP/1.1 server for the upload benchmark: reads each request body and throws it away.

It answers `POST .../embed/tasks` with `{"_id": "..."}` like the API, and `GET /_bench/last` with what it
saw of the last upload (bytes received, seconds between the first and last body byte, whether the body
ended with the multipart closing boundary). It keeps nothing but those counters, so the server's own
work is as small as it can be and the benchmark measures the client.

    python bench/upload_server.py [--port 0]     # prints "upload server ready: base_url=http://127.0.0.1:PORT/v1.3"

Only for 127.0.0.1; it stops on SIGTERM/SIGINT or after `--max-seconds` (default 1800).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import time

READY_PREFIX = "upload server ready"
CHUNK = 1 << 20
_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)


class Stats:
    def __init__(self) -> None:
        self.last: dict[str, object] = {}
        self.count = 0


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes]) -> tuple[int, bytes]:
    """Consume the body; return (bytes received, its last 256 bytes)."""
    tail = b""
    received = 0
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size_line = await reader.readline()
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                break
            left = size
            while left:
                data = await reader.read(min(CHUNK, left))
                if not data:
                    raise ConnectionError("client closed mid-chunk")
                left -= len(data)
                received += len(data)
                tail = (tail + data)[-256:]
            await reader.readexactly(2)
        return received, tail
    left = int(headers.get(b"content-length", b"0"))
    while left:
        data = await reader.read(min(CHUNK, left))
        if not data:
            raise ConnectionError("client closed mid-body")
        left -= len(data)
        received += len(data)
        tail = (tail + data)[-256:]
    return received, tail


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Stats) -> None:
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                return
            method, target, _ = request_line.decode("latin-1").split(" ", 2)
            headers: dict[bytes, bytes] = {}
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            if headers.get(b"expect", b"").lower() == b"100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            started = time.perf_counter()
            received, tail = await _read_body(reader, headers)
            seconds = time.perf_counter() - started
            if method == "GET" and target.startswith("/_bench/last"):
                writer.write(_response("200 OK", json.dumps(stats.last).encode()))
            elif method == "POST" and target.rstrip("/").endswith("/embed/tasks"):
                match = _BOUNDARY.search(headers.get(b"content-type", b""))
                closed = bool(match) and tail.rstrip(b"\r\n").endswith(b"--" + match.group(1) + b"--")
                stats.count += 1
                stats.last = {"received": received, "seconds": seconds, "multipart_closed": closed}
                writer.write(_response("200 OK", json.dumps({"_id": f"{stats.count:024x}"}).encode()))
            else:
                writer.write(_response("404 Not Found", b'{"code":"not_found","message":"bench server"}'))
            await writer.drain()
    except (ConnectionError, ValueError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _main(port: int, max_seconds: float) -> None:
    stats = Stats()
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, stats), "127.0.0.1", port, limit=1 << 16, reuse_address=True
    )
    actual = server.sockets[0].getsockname()[1]
    print(f"{READY_PREFIX}: base_url=http://127.0.0.1:{actual}/v1.3", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        try:
            await asyncio.wait_for(stop.wait(), max_seconds)
        except TimeoutError:
            print("upload server: --max-seconds reached, stopping", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args()
    asyncio.run(_main(args.port, args.max_seconds))


if __name__ == "__main__":
    main()
