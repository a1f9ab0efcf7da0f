"""Run a real server process (Prism, uvicorn, ...) for the length of a test or a test session.

The helpers are generic: give them a command, a port and a health URL.

    port = free_port()
    with running_server(prism_command(SPEC, port), port=port, log_path=tmp / "prism.log") as server:
        httpx.get(server.base_url + "/embed/tasks", headers={"x-api-key": "k"})

    # or, for a uvicorn app:
    cmd = [sys.executable, "-m", "uvicorn", "pkg.app:app", "--host", "127.0.0.1", "--port", str(port)]
    server = start_server(cmd, port=port, health_url=f"http://127.0.0.1:{port}/health", log_path=log)
    ...
    server.stop()

What they guarantee:
- the command runs in its own process group (`start_new_session=True`), with stdout and stderr
  written to a log file, so a crash leaves evidence and a full pipe never blocks the server;
- `start_server` returns only once the health URL answers HTTP (any status counts: Prism answers
  `/` with 404, which still proves it is listening). It polls until a deadline and fails with the
  tail of the log if the process exits first or the deadline passes;
- `stop()` ends the whole process group: SIGTERM, a grace period, then SIGKILL. Killing only the
  direct child is not enough for wrappers such as `npx`, whose `node` child survives and keeps the
  port, so run Prism as `node_modules/.bin/prism` (see `prism_command`), never through `npx`;
- servers still running when the interpreter exits are stopped by an `atexit` hook.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
LOOPBACK = "127.0.0.1"
DEFAULT_STARTUP_TIMEOUT = 60.0
DEFAULT_STOP_TIMEOUT = 10.0

__all__ = [
    "LOOPBACK",
    "PRISM",
    "ServerExitedError",
    "ServerProcess",
    "ServerStartError",
    "ServerTimeoutError",
    "free_port",
    "prism_command",
    "running_server",
    "start_on_free_port",
    "start_server",
]


class ServerStartError(RuntimeError):
    """The server did not come up; the message carries the tail of its log."""


class ServerExitedError(ServerStartError):
    """The server process exited before it answered HTTP (bad command, port taken, crash)."""


class ServerTimeoutError(ServerStartError):
    """The server process is alive but did not answer HTTP before the deadline."""


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on `host` that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A server started by `start_server`; `stop()` ends its whole process group."""

    command: list[str]
    port: int
    health_url: str
    log_path: Path
    popen: subprocess.Popen[bytes]
    host: str = LOOPBACK
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The last `lines` lines of the server's combined stdout/stderr."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<cannot read {self.log_path}: {exc}>"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int | None:
        """SIGTERM the process group, wait up to `timeout` s, then SIGKILL it. Returns the exit code."""
        pgid = self.popen.pid  # start_new_session=True makes the child the leader of its own group
        try:
            if self.popen.poll() is None:
                _signal_group(pgid, signal.SIGTERM)
                try:
                    self.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(pgid, signal.SIGKILL)
                    self.popen.wait(timeout)
            # Grandchildren that ignored SIGTERM (or outlived their parent) are still in the group.
            _signal_group(pgid, signal.SIGKILL)
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None
            _LIVE.discard(self)
        return self.popen.returncode

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


_LIVE: set[ServerProcess] = set()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        server.stop(timeout=2.0)


def _answers_http(url: str) -> bool:
    # trust_env=False: a proxy configured in the environment must not intercept loopback calls.
    try:
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            client.get(url)
    except httpx.TransportError:
        return False
    return True


def _wait_until_ready(server: ServerProcess, timeout: float, poll_interval: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        code = server.popen.poll()
        if code is not None:
            raise ServerExitedError(
                f"{shlex.join(server.command)} exited with code {code} before answering "
                f"{server.health_url}. Last lines of {server.log_path}:\n{server.log_tail()}"
            )
        if _answers_http(server.health_url):
            if server.popen.poll() is None:  # the answer came from our process, not a squatter
                return
            continue
        if time.monotonic() >= deadline:
            raise ServerTimeoutError(
                f"{shlex.join(server.command)} did not answer {server.health_url} within {timeout:.0f} s. "
                f"Last lines of {server.log_path}:\n{server.log_tail()}"
            )
        time.sleep(poll_interval)


def start_server(
    command: Sequence[str],
    *,
    port: int,
    health_url: str,
    log_path: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
    poll_interval: float = 0.2,
    host: str = LOOPBACK,
) -> ServerProcess:
    """Start `command` in its own process group and return once `health_url` answers HTTP.

    `port` is only recorded (for `base_url`); the command itself must make the server listen there.
    Raises `ServerStartError` (with the log tail) if the process exits or the deadline passes; the
    process group is stopped in that case.
    """
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    log_file.write(f"$ {shlex.join(command)}\n".encode())
    log_file.flush()
    try:
        popen = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except BaseException:
        log_file.close()
        raise
    server = ServerProcess(
        command=list(command),
        port=port,
        health_url=health_url,
        log_path=log_path,
        popen=popen,
        host=host,
        _log_file=log_file,
    )
    _LIVE.add(server)
    try:
        _wait_until_ready(server, startup_timeout, poll_interval)
    except BaseException:
        server.stop()
        raise
    return server


def start_on_free_port(
    make_command: Callable[[int], Sequence[str]],
    *,
    log_path: Path,
    health_path: str = "/",
    attempts: int = 3,
    host: str = LOOPBACK,
    **kwargs: object,
) -> ServerProcess:
    """Pick a free port, start `make_command(port)` and wait for `http://host:port{health_path}`.

    Another process can grab the port between `free_port()` and the server's bind; if the server
    exits during startup, a new port is tried (up to `attempts` times). A deadline that passes is
    not retried. Extra keyword arguments go to `start_server`.
    """
    last_error: ServerExitedError | None = None
    for _ in range(attempts):
        port = free_port(host)
        try:
            return start_server(
                make_command(port),
                port=port,
                health_url=f"http://{host}:{port}{health_path}",
                log_path=log_path,
                host=host,
                **kwargs,  # type: ignore[arg-type]
            )
        except ServerExitedError as exc:
            last_error = exc
    assert last_error is not None
    raise last_error


@contextlib.contextmanager
def running_server(
    command: Sequence[str], *, port: int, log_path: Path, health_url: str | None = None, **kwargs: object
) -> Iterator[ServerProcess]:
    """`start_server` as a context manager; the process group is stopped on exit."""
    url = health_url if health_url is not None else f"http://{LOOPBACK}:{port}/"
    server = start_server(command, port=port, health_url=url, log_path=log_path, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def prism_command(
    spec: Path,
    port: int,
    *,
    dynamic: bool = False,
    host: str = LOOPBACK,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The command that serves `spec` with Prism (`node_modules/.bin/prism`, never `npx`)."""
    if not PRISM.exists():
        raise ServerStartError(f"{PRISM} is missing; run `make install` (npm ci) first")
    cmd = [str(PRISM), "mock", str(spec), "--host", host, "--port", str(port)]
    if dynamic:
        cmd.append("--dynamic")
    return [*cmd, *extra_args]
