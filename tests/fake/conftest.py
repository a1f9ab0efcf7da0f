"""Fixtures of the fake's own tests.

The fixtures come from the package's pytest plugin (`twelvelabs_embed.testing.pytest_plugin`); they are
imported here so these tests work before (and after) the `pytest11` entry point is registered.
"""

from __future__ import annotations

from collections import Counter

import pytest

from twelvelabs_embed.testing.pytest_plugin import (  # noqa: F401 - fixtures and the marker, re-exported
    async_embed_client,
    embed_client,
    embed_fake,
    embed_fake_client,
    embed_fake_server,
    pytest_configure,
)

from .helpers import CASES_KEY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    counts: Counter[str] | None = config.stash.get(CASES_KEY, None)
    if counts:
        figures = ", ".join(f"{label} {count}" for label, count in sorted(counts.items()))
        total = sum(counts.values())
        terminalreporter.write_line(f"schemathesis cases against the fake (phase/mode): {figures}; total {total}")
