"""A real fake-server process for the batch tests: the package's `EmbedFake` on wall-clock time, with a rate
limit, random faults, and a record of what every create request created.

    python tests/batch/fake_server.py --port P [--processing-seconds S] [--limit N --window W]
                                      [--fault-rate F] [--seed N]

`GET /_records` answers JSON: every request (operation, status, fault, time), every create request (the
item it was for, its status, the task it created, if any), and every task. Creates are handled one at a
time, so the task a create made is known even when its answer was dropped on purpose.

The identity of a create: `url:<url>` (v2 URL or legacy `video_url`), `file:<upload file name>` (legacy
upload), `sha256:<hex of the decoded media>` (v2 inline base64).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import random
import re
import sys
from typing import Any

import uvicorn

from twelvelabs_embed.testing import ALL_OPERATIONS, EmbedFake, RateLimit, WallClock
from twelvelabs_embed.testing._operations import resolve_operation

CREATES = {"createEmbeddingTaskV2", "createVideoEmbeddingTask"}
#: (operation, fault kind, extra arguments) drawn at random for a share of the requests.
FAULTS: list[tuple[str, str, dict[str, Any]]] = [
    ("createEmbeddingTaskV2", "drop", {"processed": True}),  # created, answer lost
    ("createEmbeddingTaskV2", "status", {"status": 503}),  # nothing created
    ("createEmbeddingTaskV2", "status", {"status": 500, "processed": True}),  # created, answered 500
    ("createVideoEmbeddingTask", "drop", {"processed": True}),
    ("createVideoEmbeddingTask", "status", {"status": 502}),
    ("getEmbeddingTaskV2", "status", {"status": 503}),
    ("getEmbeddingTaskV2", "malformed_json", {}),
    ("getEmbeddingTaskV2", "drop", {}),
    ("retrieveVideoEmbeddings", "status", {"status": 503}),
    ("listEmbeddingTasksV2", "status", {"status": 502}),
    ("listVideoEmbeddingTasks", "drop", {}),
]


def identity(operation: str, body: bytes, content_type: str) -> str:
    """What a create request was for (see the module doc)."""
    if operation == "createEmbeddingTaskV2":
        try:
            data = json.loads(body)
            source = data[data["input_type"]]["media_source"]
        except (ValueError, KeyError, TypeError):
            return "unparsed"
        if "url" in source:
            return f"url:{source['url']}"
        if "base64_string" in source:
            return "sha256:" + hashlib.sha256(base64.b64decode(source["base64_string"])).hexdigest()
        return f"asset:{source.get('asset_id')}"
    name = re.search(rb'name="video_file"; filename="([^"]*)"', body)
    if name:
        return "file:" + name.group(1).decode()
    url = re.search(rb'name="video_url"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r]*)\r\n', body)
    return "url:" + url.group(1).decode() if url else "unparsed"


class _Forward:
    """Sends on, noting the status; exposes the server's transport so the fake can really drop a connection."""

    def __init__(self, send: Any, record: dict[str, Any]) -> None:
        self._send = send
        self._record = record
        self.transport = getattr(getattr(send, "__self__", None), "transport", None)

    async def send(self, message: Any) -> None:
        if message["type"] == "http.response.start":
            self._record["status"] = message["status"]
        await self._send(message)


class Recorder:
    """ASGI wrapper: random faults, one create at a time, and the `/_records` route."""

    def __init__(self, fake: EmbedFake, fault_rate: float, seed: int) -> None:
        self.fake = fake
        self.app = fake.app
        self.fault_rate = fault_rate
        self.random = random.Random(seed)
        self.creates: list[dict[str, Any]] = []
        self.create_lock = asyncio.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_records":
            await self._records(send)
            return
        if scope["path"] == "/_count":  # cheap progress figures, for timing kills
            await _json(send, {"requests": len(self.fake.requests), "creates": len(self.creates)})
            return
        if scope["path"] == "/_quiet":  # no more faults and no limit (for the checks after a run)
            self.fault_rate = 0.0
            self.fake.faults.clear()
            self.fake.rate_limit = None
            await _json(send, {"quiet": True})
            return
        operation = resolve_operation(scope["method"], scope["path"])
        if operation is not None and self.fault_rate and self.random.random() < self.fault_rate:
            choices = [f for f in FAULTS if f[0] == operation.id]
            if choices:
                op, kind, extra = self.random.choice(choices)
                self.fake.faults.add(kind, operation=op, **extra)
        if operation is None or operation.id not in CREATES:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = dict(scope["headers"])
        record: dict[str, Any] = {
            "operation": operation.id,
            "identity": identity(operation.id, body, headers.get(b"content-type", b"").decode()),
            "status": None,
            "task_id": None,
        }
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        forward = _Forward(send, record)

        async with self.create_lock:
            before = {t.id for t in self.fake.tasks}
            try:
                await self.app(scope, replay, forward.send)
            finally:
                made = [t.id for t in self.fake.tasks if t.id not in before]
                record["task_id"] = made[0] if made else None
                self.creates.append(record)

    async def _records(self, send: Any) -> None:
        requests = [
            {
                "operation": r.operation,
                "status": r.status,
                "fault": None if r.fault is None else str(r.fault),
                "at": r.received_at.timestamp(),
            }
            for r in self.fake.requests
        ]
        tasks = [
            {
                "id": t.id,
                "api": t.api,
                "input_url": t.input_url,
                "input_filename": t.input_filename,
                "created_at": t.created_at.timestamp(),
            }
            for t in self.fake.tasks
        ]
        await _json(send, {"requests": requests, "creates": self.creates, "tasks": tasks})


async def _json(send: Any, document: dict[str, Any]) -> None:
    body = json.dumps(document).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--processing-seconds", type=float, default=0.5)
    parser.add_argument("--limit", type=int, default=None, help="requests per window (every operation)")
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    limit = None if args.limit is None else RateLimit(args.limit, args.window, operations=ALL_OPERATIONS)
    fake = EmbedFake(
        clock=WallClock(), processing_seconds=args.processing_seconds, rate_limit=limit, upload_duration=20
    )
    # The first validation of a URL builds a grammar (seconds): pay it before announcing readiness.
    fake.rate_limit = None
    with fake.client() as http:
        http.post(
            "/embed-v2/tasks",
            json={
                "input_type": "video",
                "model_name": "marengo3.0",
                "video": {"media_source": {"url": "https://a.b/c"}},
            },
        )
    fake.rate_limit = limit
    fake.clear_requests()
    fake.close()
    print("ready", flush=True)
    config = uvicorn.Config(Recorder(fake, args.fault_rate, args.seed), host="127.0.0.1", port=args.port,
                            log_level="warning", access_log=False, lifespan="off")  # fmt: skip
    uvicorn.Server(config).run()


if __name__ == "__main__":
    sys.exit(main())
