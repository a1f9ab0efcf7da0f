"""Injectable faults: the next N answers of an operation go wrong in a chosen way.

    fake.faults.add("status", operation="getEmbeddingTaskV2", status=503, times=2)
    fake.faults.add("drop", operation="createEmbeddingTaskV2", processed=True)   # task created, answer lost
    fake.faults.add("slow", delay=30)                                             # any operation
    fake.faults.add("rename_field", operation="getEmbeddingTaskV2", pointer="/_id", rename_to="id")  # off-spec

Faults are consumed first-in first-out: a request takes the oldest pending fault whose `operation` matches
(None matches every operation), and a fault is gone after `times` requests (`times=None`: until cleared).
Requests that match no API operation (unknown paths, `/openapi.yaml`) never take a fault.

`processed` says whether the fake really handles the request (auth, validation, task creation) before the
fault shapes the answer. Defaults: True for `slow`, `malformed_json`, `truncated`, `wrong_content_type`
(the server did the work, the answer is late or damaged); False for `status`, `drop`, `html`
(a gateway or network failure before the service).

`rename_field` and `wrong_type` break the *contract* rather than the transport: the real answer comes back
with one JSON member renamed or given a value of another type (a server that drifted from openapi.yaml).
They are what a validating proxy (`make contract-live`) must catch. `pointer` is a JSON Pointer (RFC 6901)
into the answer's body; a pointer that does not resolve makes the request fail with a LookupError.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ._operations import check_operation_ids

__all__ = ["Fault", "FaultKind", "Faults", "rewrite_body"]


class FaultKind(StrEnum):
    """What goes wrong."""

    #: An error status with the operation's JSON error body (429 adds Retry-After and X-Ratelimit-Dimensions).
    STATUS = "status"
    #: The answer comes `delay` seconds late (in-process: the fake clock advances, or httpx.ReadTimeout is
    #: raised at once when `delay` >= the request's read timeout; real server: a real sleep).
    SLOW = "slow"
    #: The connection closes without an answer (in-process: httpx.RemoteProtocolError).
    DROP = "drop"
    #: A syntactically broken JSON body, labelled application/json, with a correct Content-Length.
    MALFORMED_JSON = "malformed_json"
    #: Content-Length promises more than is sent before the connection closes (in-process: RemoteProtocolError).
    TRUNCATED = "truncated"
    #: A proxy's HTML error page (default 502, text/html).
    HTML = "html"
    #: The real body with a wrong Content-Type (default text/plain).
    WRONG_CONTENT_TYPE = "wrong_content_type"
    #: The real JSON body with the member at `pointer` renamed to `rename_to` (a renamed field).
    RENAME_FIELD = "rename_field"
    #: The real JSON body with the value at `pointer` replaced by `value` (default: a value of another
    #: JSON type: a string becomes a number, anything else becomes a string).
    WRONG_TYPE = "wrong_type"


#: `value` left out of `Faults.add`: `wrong_type` picks a value of another type.
_OTHER_TYPE: Any = object()


_PROCESSED_BY_DEFAULT = {
    FaultKind.STATUS: False,
    FaultKind.SLOW: True,
    FaultKind.DROP: False,
    FaultKind.MALFORMED_JSON: True,
    FaultKind.TRUNCATED: True,
    FaultKind.HTML: False,
    FaultKind.WRONG_CONTENT_TYPE: True,
    FaultKind.RENAME_FIELD: True,
    FaultKind.WRONG_TYPE: True,
}


@dataclass
class Fault:
    """One pending fault (see `Faults.add`). `hits` counts the requests it has shaped so far."""

    kind: FaultKind
    operation: str | None
    times: int | None
    status: int | None
    delay: float
    processed: bool
    retry_after: int | None
    content_type: str | None
    hits: int = field(default=0)
    pointer: str | None = None
    rename_to: str | None = None
    value: Any = _OTHER_TYPE

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class Faults:
    """The fault queue of one fake."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: FaultKind | str,
        *,
        operation: str | None = None,
        times: int | None = 1,
        status: int | None = None,
        delay: float = 0.0,
        processed: bool | None = None,
        retry_after: int | None = None,
        content_type: str | None = None,
        pointer: str | None = None,
        rename_to: str | None = None,
        value: Any = _OTHER_TYPE,
    ) -> Fault:
        """Queue a fault for the next `times` requests of `operation` (an operationId; None = any).

        `status`: for `status` (default 503), `html` (default 502), and the answer status of the other kinds
        when the request is not processed (default 200). `delay`: seconds, for `slow`. `retry_after`: a
        Retry-After header for `status` (default 1 for 429, none otherwise). `content_type`: for
        `wrong_content_type`. `pointer` (a JSON Pointer such as `/data/0/status`), `rename_to`, `value`: for
        `rename_field` (pointer + rename_to) and `wrong_type` (pointer, optional value).
        """
        kind = FaultKind(kind)
        if kind in (FaultKind.RENAME_FIELD, FaultKind.WRONG_TYPE):
            _parse_pointer(pointer)
            if kind is FaultKind.RENAME_FIELD and not rename_to:
                raise ValueError("rename_field needs rename_to (the new member name)")
        if operation is not None:
            check_operation_ids([operation])
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for 'until cleared')")
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        if delay < 0:
            raise ValueError("delay must be >= 0")
        if kind is FaultKind.STATUS and status is None:
            status = 503
        if kind is FaultKind.STATUS and status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(
            kind=kind,
            operation=operation,
            times=times,
            status=status,
            delay=float(delay),
            processed=_PROCESSED_BY_DEFAULT[kind] if processed is None else processed,
            retry_after=retry_after,
            content_type=content_type,
            pointer=pointer,
            rename_to=rename_to,
            value=value,
        )
        with self._lock:
            self._pending.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._pending.clear()

    @property
    def pending(self) -> list[Fault]:
        """The faults not yet used up, oldest first."""
        with self._lock:
            return list(self._pending)

    def take(self, operation_id: str) -> Fault | None:
        """Consume one use of the oldest fault matching `operation_id` (used by the app)."""
        with self._lock:
            for fault in self._pending:
                if fault.operation is None or fault.operation == operation_id:
                    fault.hits += 1
                    if fault.exhausted:
                        self._pending.remove(fault)
                    return fault
        return None

    def __len__(self) -> int:
        return len(self.pending)


def _parse_pointer(pointer: str | None) -> list[str]:
    if not pointer or not pointer.startswith("/"):
        raise ValueError(f"pointer must be a JSON Pointer to a member, such as '/data/0/status' (got {pointer!r})")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _other_type(value: Any) -> Any:
    return 12345 if isinstance(value, str) else json.dumps(value)


def rewrite_body(fault: Fault, body: bytes) -> bytes:
    """The JSON `body` changed as a `rename_field` / `wrong_type` fault says (used by the app)."""
    document = json.loads(body)
    *parents, last = _parse_pointer(fault.pointer)
    container = document
    try:
        for part in parents:
            container = container[int(part)] if isinstance(container, list) else container[part]
        if isinstance(container, list):
            index = int(last)
            if fault.kind is FaultKind.RENAME_FIELD:
                raise LookupError("rename_field needs a pointer to an object member, not an array item")
            container[index] = _other_type(container[index]) if fault.value is _OTHER_TYPE else fault.value
        elif fault.kind is FaultKind.RENAME_FIELD:
            container[str(fault.rename_to)] = container.pop(last)
        else:
            container[last] = _other_type(container[last]) if fault.value is _OTHER_TYPE else fault.value
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise LookupError(f"{fault.kind.value} fault: {fault.pointer} is not in the response body") from exc
    return json.dumps(document, separators=(",", ":")).encode()
