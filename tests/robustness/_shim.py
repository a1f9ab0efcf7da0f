"""A loopback TCP proxy for the socket-level faults the fake's fault API cannot produce by itself.

`Shim(upstream_port)` listens on 127.0.0.1 and relays every connection to the upstream server (the fake
served over real HTTP). Per response it can:

- `reset_next = n`: let the next `n` responses through up to the head and half their body, then reset the
  client connection (SO_LINGER 0: a TCP RST, not a clean close). The upstream has fully processed the
  request by then, so a task-creating call really created its task: the "server did it, the answer was
  lost" case.
- `strip_headers = {b"retry-after"}`: drop response header lines by name (e.g. a 429 without Retry-After).

`Shim(upstream_port, port=p, listen=False)` binds nothing until `listen()`: until then connections to `p` are
refused, which is how a server that is down and then comes back is simulated.

Responses are framed by Content-Length (the fake always sends one); the proxy is only meant for tests.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

LOOPBACK = "127.0.0.1"


class Shim:
    def __init__(self, upstream_port: int, *, port: int = 0, listen: bool = True) -> None:
        self.upstream_port = upstream_port
        self.reset_next = 0
        self.strip_headers: set[bytes] = set()
        self.resets = 0
        self._port = port
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._closed = False
        if listen:
            self.listen()

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1] if self._listener is not None else self._port

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def listen(self) -> None:
        """Start accepting connections (on the port given at construction, or a free one)."""
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self._port))
        listener.listen(16)
        self._listener = listener
        self._port = listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(listener,), name="shim-accept", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> Shim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ relaying
    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _accept(self, listener: socket.socket) -> None:
        while not self._closed:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), name="shim-conn", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((LOOPBACK, self.upstream_port), timeout=30)
        except OSError:
            client.close()
            return
        self._track(upstream)
        pump = threading.Thread(target=_pump, args=(client, upstream), name="shim-up", daemon=True)
        pump.start()
        try:
            self._relay_responses(upstream, client, pump)
        except OSError:
            pass  # a socket closed under us (the shim is closing, or a peer went away)
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def _take_reset(self) -> bool:
        with self._lock:
            if self.reset_next > 0:
                self.reset_next -= 1
                self.resets += 1
                return True
            return False

    def _relay_responses(self, upstream: socket.socket, client: socket.socket, pump: threading.Thread) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = upstream.recv(65536)
                if not chunk:
                    if buffer:
                        client.sendall(buffer)
                    return
                buffer += chunk
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            kept = [lines[0]] + [
                line for line in lines[1:] if line.split(b":", 1)[0].strip().lower() not in self.strip_headers
            ]
            length = 0
            for line in kept[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(buffer) < length:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                buffer += chunk
            body, buffer = buffer[:length], buffer[length:]
            new_head = b"\r\n".join(kept) + b"\r\n\r\n"
            if self._take_reset():
                client.sendall(new_head + body[: len(body) // 2])
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # Wake the pump thread blocked in client.recv (SHUT_RD sends nothing) and let it finish: the
                # kernel only tears the socket down once no thread is inside a call on it.
                client.shutdown(socket.SHUT_RD)
                pump.join(5)
                client.close()  # SO_LINGER 0: an abortive close, the peer gets a TCP RST
                return
            client.sendall(new_head + body)


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes from `source` to `target` until either side closes."""
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
