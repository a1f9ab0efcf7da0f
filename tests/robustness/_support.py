"""Shared pieces of the robustness tests: the secret key, run sizes, the report folder, the leak detector.

Run sizes: every fuzzing test has a bounded default for `make test` and scales with the environment
variable `FUZZ_EXAMPLES` (the `make fuzz` target sets it), so a long run needs no code change.
Reports: tests write their figures as JSON (and the fault matrix as Markdown) under `reports/`
(gitignored); `scripts/robustness_report.py` renders docs/ROBUSTNESS.md from them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
SPEC_PATH = ROOT / "openapi.yaml"

#: The API key every robustness test uses; distinctive, so a leak anywhere is found by a substring search.
API_KEY = "tlk_robustness-SECRET-7f3a9c51e0d24b86"
#: Also searched for on its own: the part of the key that no other text would contain by chance.
KEY_CORE = "SECRET-7f3a9c51e0d24b86"


def fuzz_examples(default: int) -> int:
    """`FUZZ_EXAMPLES` when set (a long run), else `default` (the bounded size used by `make test`)."""
    raw = os.environ.get("FUZZ_EXAMPLES", "").strip()
    return int(raw) if raw else default


def write_report(name: str, data: Any) -> Path:
    """Write `data` as reports/<name> (JSON unless `data` is a str) and return the path."""
    REPORTS.mkdir(exist_ok=True)
    path = REPORTS / name
    text = data if isinstance(data, str) else json.dumps(data, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the leak detector
def _texts_of_headers(headers: httpx.Headers) -> Iterator[str]:
    yield repr(headers)
    yield str(headers.raw)
    yield repr(dict(headers))


def _texts_of_request(request: httpx.Request | None) -> Iterator[str]:
    if request is None:
        return
    yield repr(request)
    yield str(request.url)
    yield from _texts_of_headers(request.headers)


def _request_of(obj: Any) -> httpx.Request | None:
    try:
        request = obj.request
    except (RuntimeError, AttributeError):
        return None
    return request if isinstance(request, httpx.Request) else None


def texts_of(obj: Any, _seen: set[int] | None = None) -> Iterator[str]:
    """Every text a person could see of `obj`: str, repr, args, and for errors the whole `__cause__` /
    `__context__` chain, the request headers of the error and of its response (and the response's
    redirect history)."""
    seen = _seen if _seen is not None else set()
    if obj is None or id(obj) in seen:
        return
    seen.add(id(obj))
    yield repr(obj)
    yield str(obj)
    if isinstance(obj, BaseException):
        yield repr(obj.args)
        yield from _texts_of_request(_request_of(obj))
        response = getattr(obj, "response", None)
        if isinstance(response, httpx.Response):
            yield from texts_of(response, seen)
        for attribute in ("task", "last"):
            value = getattr(obj, attribute, None)
            if value is not None:
                yield repr(value)
        yield from texts_of(obj.__cause__, seen)
        yield from texts_of(obj.__context__, seen)
    elif isinstance(obj, httpx.Response):
        yield from _texts_of_headers(obj.headers)
        yield from _texts_of_request(_request_of(obj))
        for earlier in obj.history:
            yield from texts_of(earlier, seen)
    elif isinstance(obj, httpx.Request):
        yield from _texts_of_request(obj)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception as exc:  # a record that cannot be formatted is still evidence
            line = f"{record.name} unformattable {record.msg!r} {record.args!r}: {exc!r}"
        self.lines.append(f"{line} | args={record.args!r}")


class SecretGuard:
    """Captures every log record (DEBUG, all loggers) and every object handed to `inspect`; `leaks()` lists
    the texts that contain the API key.

    `arm()` (re)sets every known logger to DEBUG and hooks loggers that do not propagate; call it again
    after something reconfigures logging (uvicorn does when a server is created).
    """

    def __init__(self, secrets: tuple[str, ...] = (API_KEY, KEY_CORE)) -> None:
        self.secrets = secrets
        self._handler = _Capture()
        self._objects = 0
        self._leaks: list[str] = []
        self._saved: dict[str, tuple[logging.Logger, int, bool]] = {}

    def arm(self) -> None:
        root = logging.getLogger()
        loggers = [root] + [
            logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
        ]
        for logger in loggers:
            if logger.name not in self._saved:
                self._saved[logger.name] = (logger, logger.level, logger.disabled)
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
            if (logger is root or not logger.propagate) and self._handler not in logger.handlers:
                logger.addHandler(self._handler)

    def disarm(self) -> None:
        for logger, level, disabled in self._saved.values():
            logger.setLevel(level)
            logger.disabled = disabled
            if self._handler in logger.handlers:
                logger.removeHandler(self._handler)
        self._saved.clear()

    def inspect(self, *objects: Any) -> None:
        """Check the visible texts of `objects` (errors, responses, results, clients) now."""
        for obj in objects:
            self._objects += 1
            for text in texts_of(obj):
                if any(secret in text for secret in self.secrets):
                    self._leaks.append(f"{type(obj).__name__}: {text[:300]}")

    @property
    def log_lines(self) -> list[str]:
        return list(self._handler.lines)

    @property
    def objects_inspected(self) -> int:
        return self._objects

    def leaks(self) -> list[str]:
        found = list(self._leaks)
        found += [f"log: {line[:300]}" for line in self._handler.lines if any(s in line for s in self.secrets)]
        return found
