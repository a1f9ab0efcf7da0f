"""Wrong uses of the public API. Never run: `test_public_api.py` asserts that mypy flags exactly the lines
marked `# expect: <error code>`, which proves the signatures are really typed (not `Any`).
"""

from __future__ import annotations

from twelvelabs_embed import AsyncEmbedClient, EmbedClient, PollPolicy, RetryPolicy, WaitTimeoutError
from twelvelabs_embed.models import EmbeddingTask, VideoEmbeddingTask
from twelvelabs_embed.testing import EmbedFake, WallClock
from twelvelabs_embed_generated.api.embed_v2_tasks import get_embedding_task_v2


def sync_misuse(client: EmbedClient) -> None:
    client.v2.tasks.wait(12345)  # expect: arg-type
    count: int = client.v2.tasks.retrieve("t")  # expect: assignment
    client.v2.tasks.create(input_type="video", urll="https://x.example/v.mp4")  # expect: call-arg
    client.v2.tasks.create(url="https://x.example/v.mp4")  # expect: call-arg
    task: VideoEmbeddingTask = client.v2.tasks.wait("t")  # expect: assignment
    print(client.v2.tasks.retrieve_arrays("t").vectors.no_such_attribute)  # expect: attr-defined
    client.legacy.tasks.list(page_limit="10")  # expect: arg-type
    for item in client.v2.tasks.iter():
        print(item.no_such_field)  # expect: attr-defined
    client.v2.tasks.wait("t", callback=lambda task: task.no_such_field)  # expect: attr-defined
    RetryPolicy(max_retries="3")  # expect: arg-type
    PollPolicy(timeout="soon")  # expect: arg-type
    error = WaitTimeoutError("t", timeout=1.0, last_status=None)
    seconds: str = error.timeout  # expect: assignment
    del count, task, seconds


async def async_misuse(client: AsyncEmbedClient) -> None:
    not_awaited: EmbeddingTask = client.v2.tasks.retrieve("t")  # expect: assignment
    for item in client.v2.tasks.iter():  # expect: attr-defined
        del item
    with client:  # expect: attr-defined
        pass
    del not_awaited


def resource_call_site_misuse(client: EmbedClient) -> None:
    """How a resource method is written (build the request, send it): wrong uses fail type checking."""
    call = get_embedding_task_v2.build_request("t")
    wrong: VideoEmbeddingTask = client._send(call, creates=False)  # expect: assignment
    client._send(get_embedding_task_v2.build_request(123), creates=False)  # expect: arg-type
    client._send(get_embedding_task_v2.build_request("t", bogus=1), creates=False)  # expect: call-arg
    client._send(call)  # expect: call-arg
    del wrong


def fake_misuse() -> None:
    served = EmbedFake(clock=WallClock())
    served.clock.advance(3)  # expect: attr-defined
    EmbedFake(audio_metadata_spelling="plural")  # expect: arg-type
    EmbedFake(processing_seconds="5")  # expect: arg-type
