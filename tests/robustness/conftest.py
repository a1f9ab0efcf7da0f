"""Fixtures of the robustness tests.

`secret_guard` is autouse: every test here runs with all loggers at DEBUG, captured, and fails at teardown
if the API key shows up in a log line or in any object the test handed to `secret_guard.inspect(...)`
(errors with their cause chains and request headers, responses, results, clients).

At the end of the session the guards' totals go to reports/secret-guard.json, and the case counts of
schemathesis against the fake (tests/fake/test_schemathesis.py, when it ran) to reports/schemathesis-fake.json.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from twelvelabs_embed import API_KEY_ENV, BASE_URL_ENV

from ._support import SecretGuard, write_report

#: How many log lines and objects the guards checked in this session (for docs/ROBUSTNESS.md).
GUARD_TOTALS = {"tests": 0, "log_lines": 0, "objects": 0}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own TwelveLabs key or base URL."""
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    monkeypatch.delenv(BASE_URL_ENV, raising=False)


@pytest.fixture(autouse=True)
def secret_guard() -> Iterator[SecretGuard]:
    """Capture logs at DEBUG for the whole test; at teardown, no captured text may contain the API key."""
    guard = SecretGuard()
    guard.arm()
    try:
        yield guard
    finally:
        guard.disarm()
    GUARD_TOTALS["tests"] += 1
    GUARD_TOTALS["log_lines"] += len(guard.log_lines)
    GUARD_TOTALS["objects"] += guard.objects_inspected
    leaks = guard.leaks()
    assert not leaks, "the API key leaked:\n" + "\n".join(leaks[:10])


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Leave the session's figures in reports/: the secret guards' totals, and the case counts of
    tests/fake/test_schemathesis.py (schemathesis against the fake) when that module ran too."""
    if GUARD_TOTALS["tests"]:
        write_report("secret-guard.json", GUARD_TOTALS)
    from tests.fake.helpers import CASES_KEY

    counts = session.config.stash.get(CASES_KEY, None)
    if counts:
        write_report(
            "schemathesis-fake.json",
            {"cases_by_phase_and_mode": dict(sorted(counts.items())), "cases_total": sum(counts.values())},
        )
