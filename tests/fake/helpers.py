"""Small helpers shared by the fake's tests: request builders and a generated-client factory."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import EmbedFake
from twelvelabs_embed_generated import AuthenticatedClient

#: Where the schemathesis test leaves its case counts per generation mode (printed in the terminal summary).
CASES_KEY = pytest.StashKey[Counter[str]]()
LEGACY_ID = "0123456789abcdef01234567"  # well-formed, never issued by a fake in these tests
VIDEO_URL = "https://media.example.com/video.mp4"


def form(**fields: Any) -> list[tuple[str, tuple[None, str]]]:
    """Multipart text fields for httpx `files=`; a list value becomes a repeated field."""
    parts: list[tuple[str, tuple[None, str]]] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append((name, (None, str(item))))
    return parts


def create_legacy_task(client: httpx.Client, **fields: Any) -> str:
    """Create a legacy video task (default: marengo3.0, a 60 s URL) and return its id."""
    fields.setdefault("model_name", "marengo3.0")
    if "video_file" not in fields:
        fields.setdefault("video_url", VIDEO_URL)
    upload = fields.pop("video_file", None)
    files: list[Any] = form(**fields)
    if upload is not None:
        files.append(("video_file", upload))
    response = client.post("/embed/tasks", files=files)
    assert response.status_code == 200, response.text
    return str(response.json()["_id"])


def video_task_body(url: str = VIDEO_URL, model: str = "marengo3.0", **video: Any) -> dict[str, Any]:
    """A v2 async video task request."""
    return {"input_type": "video", "model_name": model, "video": {"media_source": {"url": url}, **video}}


def audio_task_body(url: str = VIDEO_URL, model: str = "marengo3.0", **audio: Any) -> dict[str, Any]:
    """A v2 async audio task request."""
    return {"input_type": "audio", "model_name": model, "audio": {"media_source": {"url": url}, **audio}}


def create_v2_task(client: httpx.Client, body: dict[str, Any] | None = None) -> str:
    """Create a v2 async task and return its id."""
    response = client.post("/embed-v2/tasks", json=body or video_task_body())
    assert response.status_code == 202, response.text
    return str(response.json()["_id"])


def generated_client(fake: EmbedFake) -> AuthenticatedClient:
    """The generated low-level client wired to `fake` in-process."""
    client = AuthenticatedClient(base_url=fake.base_url, token=fake.api_key, prefix="", auth_header_name="x-api-key")
    # set_httpx_client replaces the client's headers, so the key goes on the injected client too.
    client.set_httpx_client(
        httpx.Client(base_url=fake.base_url, transport=fake.transport(), headers={"x-api-key": fake.api_key})
    )
    return client
