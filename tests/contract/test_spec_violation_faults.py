"""The fake's contract-breaking faults (`rename_field`, `wrong_type`), in-process and without Prism."""

from __future__ import annotations

import json

import pytest

from twelvelabs_embed.testing import EmbedFake

V2_TASK = {"input_type": "audio", "model_name": "marengo3.0", "audio": {"media_source": {"url": "https://e.com/a.mp3"}}}


def test_rename_field_renames_one_member_and_keeps_the_rest() -> None:
    """`rename_field` moves the value at the pointer to the new name; status and other members are unchanged."""
    with EmbedFake() as fake, fake.client() as client:
        created = client.post("/embed-v2/tasks", json=V2_TASK).json()
        fake.faults.add("rename_field", operation="getEmbeddingTaskV2", pointer="/_id", rename_to="id")
        response = client.get(f"/embed-v2/tasks/{created['_id']}")
        assert response.status_code == 200
        body = response.json()
        assert "_id" not in body and body["id"] == created["_id"] and body["status"] == "processing"
        assert int(response.headers["content-length"]) == len(response.content)
        assert client.get(f"/embed-v2/tasks/{created['_id']}").json()["_id"] == created["_id"]  # used up


def test_wrong_type_swaps_the_json_type_or_sets_the_given_value() -> None:
    """`wrong_type` turns a string into a number and anything else into a string, or sets `value` as given."""
    with EmbedFake() as fake, fake.client() as client:
        client.post("/embed-v2/tasks", json=V2_TASK)
        fake.faults.add("wrong_type", operation="listEmbeddingTasksV2", pointer="/data/0/status")
        fake.faults.add("wrong_type", operation="listEmbeddingTasksV2", pointer="/page_info/page")
        fake.faults.add("wrong_type", operation="listEmbeddingTasksV2", pointer="/page_info/page", value=None)
        assert client.get("/embed-v2/tasks").json()["data"][0]["status"] == 12345
        assert client.get("/embed-v2/tasks").json()["page_info"]["page"] == "1"
        assert client.get("/embed-v2/tasks").json()["page_info"]["page"] is None
        assert json.loads(client.get("/embed-v2/tasks").content)["page_info"]["page"] == 1


def test_bad_pointers_are_refused_or_fail_loudly() -> None:
    """A pointer that is not a JSON Pointer is refused at once; one the body lacks fails the request."""
    fake = EmbedFake()
    with pytest.raises(ValueError, match="JSON Pointer"):
        fake.faults.add("wrong_type", pointer="status")
    with pytest.raises(ValueError, match="rename_to"):
        fake.faults.add("rename_field", pointer="/status")
    fake.faults.add("rename_field", operation="listEmbeddingTasksV2", pointer="/nothing/here", rename_to="x")
    with fake, fake.client() as client, pytest.raises(LookupError, match="/nothing/here"):
        client.get("/embed-v2/tasks")
