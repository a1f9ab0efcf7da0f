"""The wheel users install: it carries the LICENSE, the project URLs and classifiers, both packages,
the typing marker and the shipped spec, and no test or generated-by-hand leftovers."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob("twelvelabs_embed-*.whl")
    return zipfile.ZipFile(path)


def _metadata(wheel: zipfile.ZipFile) -> tuple[list[str], object]:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    message = Parser().parsestr(wheel.read(name).decode())
    return wheel.namelist(), message


def test_wheel_carries_the_license(wheel: zipfile.ZipFile) -> None:
    """The Apache-2.0 LICENSE file is inside the wheel's dist-info and named in its metadata."""
    names, message = _metadata(wheel)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert message["License-Expression"] == "Apache-2.0"  # type: ignore[index]
    license_name = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
    assert b"Apache License" in wheel.read(license_name)


def test_wheel_has_urls_and_classifiers(wheel: zipfile.ZipFile) -> None:
    """Project URLs and trove classifiers (Python versions, typed) are in the metadata."""
    _, message = _metadata(wheel)
    urls = message.get_all("Project-URL")  # type: ignore[attr-defined]
    classifiers = message.get_all("Classifier")  # type: ignore[attr-defined]
    assert urls and any("docs.twelvelabs.io" in u for u in urls)
    assert "Typing :: Typed" in classifiers
    assert {"Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.13"} <= set(classifiers)


def test_wheel_has_both_packages_typing_marker_and_spec(wheel: zipfile.ZipFile) -> None:
    """The wrapper and the generated client ship with py.typed, the sync twin, and the spec copy."""
    names = set(wheel.namelist())
    for needed in (
        "twelvelabs_embed/py.typed",
        "twelvelabs_embed_generated/py.typed",
        "twelvelabs_embed/_sync/_client.py",
        "twelvelabs_embed/_async/_client.py",
        "twelvelabs_embed_generated/openapi.yaml",
    ):
        assert needed in names, needed
    assert not any(n.startswith("tests/") for n in names)
