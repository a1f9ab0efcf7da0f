"""Fixtures shared by the wrapper tests."""

from __future__ import annotations

import pytest

from twelvelabs_embed import API_KEY_ENV, BASE_URL_ENV


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own TwelveLabs key or base URL."""
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
