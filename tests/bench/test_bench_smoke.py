"""Smoke test of bench/: deterministic inputs, our fast path agreeing with the floor, and the report taking
every figure from the results file. No timing here.

Runs in the project venv: it needs only numpy, orjson, httpx and jinja2, never the official SDK, pysimdjson or
msgspec (which live only in bench/.venv).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import numpy as np
import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> tuple[ModuleType, ModuleType]:
    """The `bench.inputs` and `bench.worker` modules, imported from the repository root."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench.inputs"), importlib.import_module("bench.worker")


def test_bodies_are_deterministic(bench: tuple[ModuleType, ModuleType]) -> None:
    """Generating the same body twice gives the same bytes; different lengths give different bodies."""
    inputs, _ = bench
    for make in (inputs.legacy_body, inputs.v2_body):
        assert make(60) == make(60)
        assert make(60) != make(120)
    assert inputs.legacy_status_body() == inputs.legacy_status_body()


def test_bodies_have_the_documented_shapes(bench: tuple[ModuleType, ModuleType]) -> None:
    """Legacy bodies carry video_embedding.segments[].float, v2 bodies data[].embedding, 3 options per 6 s clip."""
    inputs, _ = bench
    legacy = orjson.loads(inputs.legacy_body(60))
    v2 = orjson.loads(inputs.v2_body(60))
    segments, data = legacy["video_embedding"]["segments"], v2["data"]
    assert len(segments) == len(data) == 10 * 3
    assert {s["embedding_option"] for s in segments} == {"visual", "audio", "transcription"}
    assert all(len(s["float"]) == inputs.DIMENSION for s in segments)
    assert all(len(d["embedding"]) == inputs.DIMENSION for d in data)
    assert (segments[-1]["start_offset_sec"], segments[-1]["end_offset_sec"]) == (54.0, 60.0)
    assert (data[-1]["start_sec"], data[-1]["end_sec"]) == (54.0, 60.0)
    assert legacy["status"] == v2["status"] == "ready"


def test_four_hour_size_matches_the_issue(bench: tuple[ModuleType, ModuleType]) -> None:
    """The 4 h size is 7,200 vectors of 512 floats (the body itself is generated only by the runner)."""
    inputs, _ = bench
    assert inputs.SIZES["4h"].vectors == 7200


def test_expected_matrix_is_deterministic_float32_unit_rows(bench: tuple[ModuleType, ModuleType]) -> None:
    """The generator's matrix is reproducible, float32, and each row has unit length."""
    inputs, _ = bench
    first, second = inputs.expected_matrix(60), inputs.expected_matrix(60)
    assert first.dtype == np.float32
    assert first.shape == (30, inputs.DIMENSION)
    assert np.array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)


def test_upload_chunks_are_deterministic(bench: tuple[ModuleType, ModuleType], tmp_path: Path) -> None:
    """The upload file has exactly the requested size and the same bytes every time."""
    inputs, _ = bench
    size = inputs.UPLOAD_BLOCK + 12345  # crosses a block boundary
    a = inputs.write_upload_file(tmp_path / "a.bin", size)
    b = inputs.write_upload_file(tmp_path / "b.bin", size)
    assert a.stat().st_size == size
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    chunks = list(inputs.upload_chunks(size))
    assert chunks[0][8:64] == chunks[1][8:64] and chunks[0][:8] != chunks[1][:8]  # blocks differ by their index


@pytest.mark.parametrize("kind", ["legacy", "v2"])
def test_fast_path_and_floor_produce_identical_matrices(bench: tuple[ModuleType, ModuleType], kind: str) -> None:
    """Our retrieve_arrays and the raw httpx + orjson + numpy floor give the same float32 matrix and table."""
    inputs, worker = bench
    make = inputs.legacy_body if kind == "legacy" else inputs.v2_body
    task_id = inputs.LEGACY_TASK_ID if kind == "legacy" else inputs.V2_TASK_ID
    suffix = f"/embed/tasks/{task_id}" if kind == "legacy" else f"/embed-v2/tasks/{task_id}"
    results = {}
    for contender in ("ours", "floor"):
        body = worker.Body(make(120), suffix)
        results[contender] = worker.retrieve_call(contender, kind, body)()
        assert body.requests == 1
    ours, floor = results["ours"], results["floor"]
    assert ours[0].dtype == floor[0].dtype == np.float32
    assert np.array_equal(ours[0], floor[0])
    assert np.array_equal(ours[0], inputs.expected_matrix(120))  # bit for bit what the generator wrote
    for column in range(1, 5):
        assert np.array_equal(ours[column], floor[column])
    assert worker.digest(ours) == worker.digest(floor)


def test_worker_mock_answers_404_for_a_wrong_path(bench: tuple[ModuleType, ModuleType]) -> None:
    """The benchmark transport refuses other paths, so a contender cannot pass by calling the wrong URL."""
    _, worker = bench
    body = worker.Body(b"{}", "/embed/tasks/abc")
    response = body.handler(httpx.Request("GET", "https://example.test/v1.3/embed-v2/tasks/abc"))
    assert response.status_code == 404


# ----------------------------------------------------------------------------- the report
CONTENDERS = ("simdjson", "msgspec", "floor", "ours", "ours-models", "sdk")
# A number: digits not glued to a word (`float32`, `p90`, `sha256` are names, not figures), except after an
# `x` (a factor such as `x1.5` is a figure).
NUMBER = re.compile(r"(?<![A-Za-wyz_.\d])\d+(?:[.,]\d+)*")


@pytest.fixture(scope="module")
def report() -> ModuleType:
    """The `bench.report` module, imported from the repository root."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench.report")


def fake_results(seed: int) -> dict[str, Any]:
    """A complete results file in the shape `bench/run.py` writes, every number drawn from a seeded generator."""
    rng = random.Random(seed)

    def u(low: float, high: float) -> float:
        return rng.uniform(low, high)

    def n(low: int, high: int) -> int:
        return rng.randint(low, high)

    def hexdigest() -> str:  # letters only, so a hash never looks like a number that the report may print
        return "".join(rng.choice("abcdef") for _ in range(64))

    dimension = n(300, 900)
    sizes = {"1min": n(50, 90), "10min": n(500, 900)}
    vectors = {label: n(2000, 4000) * (1 + i * 9) for i, label in enumerate(sizes)}
    durations = sorted([u(5, 50), u(50, 500), u(700, 3000), u(3600, 9000)])
    versions = {name: f"{n(1, 9)}.{n(0, 40)}.{n(0, 9)}" for name in ("twelvelabs-embed", "twelvelabs", "pydantic")}
    versions |= {name: f"{n(1, 9)}.{n(0, 40)}.{n(0, 9)}" for name in ("httpx", "numpy", "orjson")}
    versions |= {"pysimdjson": f"{n(1, 9)}.{n(0, 9)}.{n(0, 9)}", "msgspec": f"0.{n(10, 30)}.{n(0, 9)}"}
    processes = {c: n(2, 99) for c in CONTENDERS}
    reps = {c: {label: n(2, 99) for label in sizes} for c in CONTENDERS}
    bodies, retrieve = {}, {}
    for kind in ("legacy", "v2"):
        for label in sizes:
            key = f"{kind}/{label}"
            scale = 10 ** (2 * list(sizes).index(label))  # the longer media, the larger body
            bodies[key] = {"bytes": n(10**5, 10**6) * scale, "sha256": hexdigest(), "vectors": vectors[label]}
            retrieve[key] = {}
            base = u(0.005, 2.0)  # the floors near it, the SDK far above it
            factor = {"simdjson": u(0.5, 1.5), "sdk": u(20, 100)}
            for c in CONTENDERS:
                per = [{"median_seconds": u(1e-3, 20), "peak_rss_growth": n(10**4, 10**9)} for _ in range(processes[c])]
                seconds = [u(1e-3, 20) for _ in range(processes[c] * reps[c][label])]
                retrieve[key][c] = {
                    "seconds": seconds,
                    "median_seconds": base * factor.get(c, u(1, 5)),
                    "peak_rss_growth": n(10**6, 10**9),
                    "per_process": per,
                    "memory_method": "VmHWM reset",
                    "body_bytes": bodies[key]["bytes"],
                    "rows": vectors[label],
                    "dimension": dimension,
                    "dtype": "float32",
                    "matrix_sha256": hexdigest(),
                    "table_sha256": hexdigest(),
                }
    small_processes = n(2, 4)
    small = {
        c: {
            "median_us": u(50, 900),
            "p10_us": u(40, 800),
            "p90_us": u(60, 1000),
            "iterations": n(1000, 9000),
            "per_process_median_us": [u(50, 900) for _ in range(small_processes)],
        }
        for c in ("floor", "ours", "sdk")
    }
    upload = {
        "bytes": n(2**24, 2**31),
        "servers": {
            server: {
                c: {
                    "runs": n(1, 5),
                    "best_mib_per_s": u(10, 3000),
                    "median_mib_per_s": u(10, 3000),
                    "peak_rss_growth": n(10**4, 10**8),
                    "memory_method": "VmHWM reset",
                }
                for c in ("ours", "sdk", "floor")
            }
            for server in ("minimal", "fake")
        },
    }
    poll = {
        variant: {
            str(float(d)): {
                "requests_mean": u(2, 900),
                "requests_max": n(2, 900),
                "delay_mean": u(1, 60),
                "delay_max": d * u(0.05, 0.5),
            }
            for d in durations
        }
        for variant in ("ours-legacy", "ours-v2", "sdk-legacy", "fixed-v2")
    }
    return {
        "schema": 2,
        "machine": {
            "cpu": "Test CPU",
            "cores": n(2, 64),
            "memory_bytes": n(2**30, 2**36),
            "python": f"3.{n(11, 13)}.{n(0, 9)} (CPython)",
            "os": f"Linux-{n(5, 6)}.{n(0, 20)}-x86_64",
            "versions": versions,
            "commit": hexdigest()[:7],
            "load_before": [u(0.01, 9) for _ in range(3)],
            "load_after": [u(0.01, 9) for _ in range(3)],
            "started_utc": f"20{n(30, 39)}-0{n(1, 9)}-1{n(0, 9)} 0{n(0, 9)}:{n(10, 59)} UTC",
        },
        "plan": {
            "sizes": list(sizes),
            "reps": reps,
            "processes": processes,
            "small_iterations": n(100, 9000),
            "small_rounds": n(2, 40),
            "small_processes": small_processes,
            "upload_bytes": upload["bytes"],
            "upload_rounds": n(1, 5),
            "poll_durations": durations,
            "poll_phases": n(2, 40),
            "quick": False,
        },
        "setup": {
            "dimension": dimension,
            "clip_seconds": n(2, 15),
            "options": rng.sample(["visual", "audio", "transcription", "image", "text"], n(1, 5)),
            "sizes": {label: {"seconds": s, "vectors": vectors[label]} for label, s in sizes.items()},
            "warmup_vectors": n(10, 99),
            "status_body_bytes": n(100, 999),
            "upload_warm_bytes": n(2**12, 2**20),
            "fixed_poll_interval": u(2, 9),
            "sdk_poll_interval": u(2, 9),
            "poll_policy": {
                "initial_interval": u(0.5, 4),
                "multiplier": u(1.1, 3),
                "max_interval": u(30, 300),
                "max_delay_fraction": u(0.02, 0.4),
                "jitter": u(0.01, 0.5),
                "timeout": u(3600, 99999),
            },
        },
        "targets": {
            "a_floor": u(1.1, 3),
            "a_sdk": u(5, 50),
            "a_memory_min_body": n(10**5, 10**7),
            "arrays_simdjson": u(1.05, 2),
            "arrays_memory": u(1.05, 3),
            "b_floor": u(1.05, 2),
            "b_noise": u(0.01, 0.05),
            "c_memory": n(2**20, 2**27),
            "d_long_from": u(durations[1], durations[2]),
            "d_fewer": u(0.2, 0.8),
            "d_delay_fraction": u(0.05, 0.3),
        },
        "bodies": bodies,
        "retrieve": retrieve,
        "small": small,
        "upload": upload,
        "poll": poll,
        "problems": [],
        "seconds": u(60, 900),
    }


def test_report_shows_the_figures_of_the_results(report: ModuleType) -> None:
    """Distinctive figures put in a results file come out in the report: times, ratios, memory, goals, parameters."""
    res = fake_results(1)
    head = res["retrieve"]["v2/10min"]
    head["ours"]["median_seconds"], head["simdjson"]["median_seconds"] = 0.4321, 0.1234
    head["ours"].update(rows=300, dimension=512, peak_rss_growth=round(17.5 * (1 << 20)))  # matrix: 0.586 MiB
    res["targets"].update(arrays_simdjson=1.17, arrays_memory=1.43, b_floor=1.19, b_noise=0.01)
    res["small"]["ours"]["median_us"], res["small"]["floor"]["median_us"] = 123.0, 100.0
    res["small"]["ours"]["per_process_median_us"] = res["small"]["floor"]["per_process_median_us"] = []
    res["setup"]["poll_policy"]["initial_interval"] = 3.25
    res["setup"]["warmup_vectors"] = 37
    text = report.render(res)
    assert "3.50x (432.1 ms vs 123.4 ms)" in text  # retrieve_arrays ÷ pysimdjson, and both times
    assert "≤ 1.17x" in text and "≤ 1.43x" in text and "≤ 1.19x" in text  # the goals, as recorded
    assert "29.87x (17.5 MiB for a 0.6 MiB matrix)" in text  # memory growth ÷ the float32 matrix
    assert "1.230x (123 µs vs 100 µs)" in text  # small GET ÷ raw httpx + orjson
    assert "waits 3.25 s at first" in text and "37-vector body" in text
    assert text.count("**not met**") >= 3
    summary = report.summary(res)
    assert "retrieve_arrays ÷ pysimdjson floor at v2/10min: 3.50x   goal ≤ 1.17x   not met" in summary
    assert "small GET ÷ raw httpx + orjson: 1.230x   goal ≤ 1.19x   not met" in summary


def test_every_number_in_the_report_comes_from_the_results(report: ModuleType) -> None:
    """Rendered from results files whose numbers all differ, the reports share no number the results lack.

    A figure typed into the template or into report.py comes out the same whatever the results. The results'
    own strings (versions, size labels, dates) are blanked out of each report first; then the lines that read
    the same once their numbers are masked are paired up between the reports, and a number is unchanged when
    it is the same in its line in every report (random draws coinciding everywhere is too unlikely to matter).
    """
    results = [fake_results(seed) for seed in (1, 2, 3, 4)]

    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    def lines(res: dict[str, Any]) -> list[tuple[str, list[str]]]:
        """(the line with its numbers and their units masked, its numbers), line by line."""
        text = report.render(res, "bench/benchmarks.png")
        for s in sorted({s for s in strings(res) if NUMBER.search(s)}, key=len, reverse=True):
            text = text.replace(s, "<string>")
        masked = re.compile(NUMBER.pattern + r"(?: ?(?:µs|ms|s|min|h|bytes|KiB|MiB|GiB|MB|x|%)(?!\w))?")
        return [(masked.sub("#", line), NUMBER.findall(line)) for line in text.splitlines()]

    base, *others = map(lines, results)

    def paired(other: list[tuple[str, list[str]]]) -> dict[int, list[str]]:
        """Line index in `base` -> the numbers of the line of `other` that reads the same once masked."""
        matcher = difflib.SequenceMatcher(a=[s for s, _ in base], b=[s for s, _ in other], autojunk=False)
        return {b.a + i: other[b.b + i][1] for b in matcher.get_matching_blocks() for i in range(b.size)}

    pairs = [paired(other) for other in others]
    compared, unchanged = 0, set()
    for index, (_, numbers) in enumerate(base):
        if not all(index in p for p in pairs):
            continue
        for position, number in enumerate(numbers):
            compared += 1
            if all(p[index][position] == number for p in pairs):
                unchanged.add(number)
    assert compared > 300  # the report really is full of figures, and most lines pair up
    unchanged -= {"1.00", "1.0"}  # a contender's ratio to itself (the floor ÷ the floor, the SDK ÷ the SDK)
    assert not unchanged, f"numbers that do not come from the results: {sorted(unchanged)}"


def test_template_holds_no_figures() -> None:
    """The prose template holds no number outside its placeholders: every figure has to come from the results."""
    template = (ROOT / "bench" / "BENCHMARKS.md.tmpl").read_text()
    prose = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", template, flags=re.DOTALL)
    assert "{{" not in prose and "{%" not in prose
    assert NUMBER.findall(prose) == []


def test_a_partial_run_renders(report: ModuleType) -> None:
    """A run without the SDK, the upload and polling (e.g. `run.py --no-sdk --only ab`) still renders a report."""
    res = fake_results(3)
    for by in res["retrieve"].values():
        del by["sdk"]
    del res["small"]["sdk"]
    res["upload"], res["poll"] = {}, {}
    res["problems"] = ["(a) v2/10min msgspec: exit 1: boom"]
    res["retrieve"]["legacy/1min"]["msgspec"] = {"error": "exit 1: boom"}
    text = report.render(res)
    assert "(a) v2/10min msgspec: exit 1: boom" in text
    assert "official SDK" not in report.retrieve_table(res)
    assert "## (d) Polling" in text


def test_committed_report_is_rendered_from_the_committed_results(report: ModuleType) -> None:
    """BENCHMARKS.md is exactly what bench/report.py renders from bench/results.json: nothing in it is hand-written."""
    res = json.loads((ROOT / "bench" / "results.json").read_text())
    assert not res["plan"]["quick"]
    assert report.render(res, "bench/benchmarks.png") == (ROOT / "BENCHMARKS.md").read_text()


def test_processes_are_aggregated_by_pooling_calls_and_the_median_memory() -> None:
    """Fresh-process runs of one contender pool their call times; memory is the median; a failed run is reported."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    run = importlib.import_module("bench.run")
    common = {
        "memory_method": "VmHWM reset",
        "body_bytes": 10,
        "rows": 2,
        "dimension": 3,
        "dtype": "float32",
        "matrix_sha256": "m",
        "table_sha256": "t",
    }
    runs = [
        {"seconds": [5.0, 1.0], "median_seconds": 3.0, "peak_rss_growth": 700, **common},
        {"seconds": [2.0], "median_seconds": 2.0, "peak_rss_growth": 100, **common},
        {"seconds": [4.0], "median_seconds": 4.0, "peak_rss_growth": 300, **common},
        {"error": "exit 1: boom"},
    ]
    out = run.aggregate(runs)
    assert out["seconds"] == [5.0, 1.0, 2.0, 4.0]
    assert out["median_seconds"] == 3.0
    assert out["peak_rss_growth"] == 300
    assert out["errors"] == ["exit 1: boom"]
    assert out["matrix_sha256"] == "m"
    assert run.aggregate([{**runs[0]}, {**runs[1], "matrix_sha256": "other"}])["matrix_sha256"] != "m"
    assert run.aggregate([runs[3]]) == {"error": "exit 1: boom"}
