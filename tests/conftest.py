"""Session-scoped Prism mock servers, shared by every test layer that needs one (contract, robustness).

Started here, never assumed running. Both servers serve openapi.yaml from `node_modules/.bin/prism` on a
free loopback port, in their own process group (see tests/support/processes.py), and are stopped at the
end of the session. A fixture that is never requested starts nothing.

- `prism_static`: examples first (selected with `Prefer: example=<name>` / `Prefer: code=<status>`).
  Run with `--errors`, so a response that breaks its own schema (e.g. an example that does not match)
  comes back as a 500 instead of being served silently; the contract tests would then fail.
- `prism_dynamic`: `--dynamic` (json-schema-faker data on every call), also with `--errors`.
  `--json-schema-faker-fillProperties` is left at its default (true) on purpose: Prism then adds
  random extra keys to every open object, which is exactly what a newer server may send. The
  generated models must keep those keys in `additional_properties` and still parse, so the extra
  keys are a free forward-compatibility check. (Pass `--json-schema-faker-fillProperties=false` only
  when debugging a failure that the extra keys obscure.)

The fixtures used to live in tests/contract/conftest.py; they moved here so that the contract tests and
tests/robustness (schemathesis against Prism) share one Prism process per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import ServerProcess, prism_command, start_on_free_port

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi.yaml"


def _start_prism(log_dir: Path, *, dynamic: bool) -> ServerProcess:
    name = "prism-dynamic" if dynamic else "prism-static"
    return start_on_free_port(
        lambda port: prism_command(SPEC, port, dynamic=dynamic, extra_args=["--errors"]),
        log_path=log_dir / f"{name}.log",
        # Any HTTP answer proves Prism is listening; `/` is not a path of the spec, so it is a 404.
        health_path="/",
        cwd=ROOT,
    )


@pytest.fixture(scope="session")
def prism_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prism-logs")


@pytest.fixture(scope="session")
def prism_static(prism_logs: Path) -> Iterator[ServerProcess]:
    server = _start_prism(prism_logs, dynamic=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def prism_dynamic(prism_logs: Path) -> Iterator[ServerProcess]:
    server = _start_prism(prism_logs, dynamic=True)
    try:
        yield server
    finally:
        server.stop()
