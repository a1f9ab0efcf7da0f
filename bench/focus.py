"""The two speed goals alone, quickly: `retrieve_arrays` vs the pysimdjson floor on the 4 h v2 body, and a
small GET vs raw httpx + orjson, measured the way `bench/run.py` measures them (same worker, fresh
processes), in interleaved rounds so background load hits both contenders alike.

    bench/.venv/bin/python bench/focus.py                 # 5 rounds of both
    bench/.venv/bin/python bench/focus.py --only a --rounds 8 --size 4h --reps 3

Prints one line per round and the medians; writes nothing. For a development loop, not the report.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))
from bench import inputs  # noqa: E402
from bench.run import TARGETS, worker  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="ab", help="'a' (arrays), 'b' (small GET) or both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="4h", choices=sorted(inputs.SIZES))
    parser.add_argument("--kind", default="v2", choices=("v2", "legacy"))
    parser.add_argument("--reps", type=int, default=3, help="(a) calls per process")
    parser.add_argument("--iterations", type=int, default=3000, help="(b) calls per contender per process")
    args = parser.parse_args(argv)

    size = inputs.SIZES[args.size]
    matrix_bytes = size.vectors * inputs.DIMENSION * 4
    print(f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="twelvelabs-focus-") as tmp:
        path = Path(tmp) / "body.json"
        if "a" in args.only:
            make = inputs.v2_body if args.kind == "v2" else inputs.legacy_body
            path.write_bytes(make(size.seconds))
        a_ratios, memory_ratios, b_ratios = [], [], []
        for round_ in range(args.rounds):
            line = [f"round {round_ + 1}/{args.rounds} load {os.getloadavg()[0]:.2f}"]
            if "a" in args.only:
                order = ["simdjson", "ours"] if round_ % 2 == 0 else ["ours", "simdjson"]
                got = {}
                for contender in order:
                    got[contender] = worker(
                        "retrieve", "--contender", contender, "--kind", args.kind, "--body", str(path),
                        "--reps", str(args.reps),
                    )  # fmt: skip
                    if "error" in got[contender]:
                        print(f"{contender}: {got[contender]['error']}", file=sys.stderr)
                        return 1
                if got["ours"]["matrix_sha256"] != got["simdjson"]["matrix_sha256"]:
                    print("the matrices differ", file=sys.stderr)
                    return 1
                ours, simd = got["ours"]["median_seconds"], got["simdjson"]["median_seconds"]
                a_ratios.append(ours / simd)
                memory_ratios.append(got["ours"]["peak_rss_growth"] / matrix_bytes)
                line.append(
                    f"(a) ours {ours * 1e3:.1f} ms simdjson {simd * 1e3:.1f} ms = {ours / simd:.3f}x, "
                    f"memory {memory_ratios[-1]:.2f}x the matrix"
                )
            if "b" in args.only:
                order = ["floor", "ours"] if round_ % 2 == 0 else ["ours", "floor"]
                r = worker("small", "--contenders", ",".join(order), "--iterations", str(args.iterations))
                if "error" in r:
                    print(f"(b): {r['error']}", file=sys.stderr)
                    return 1
                ours, floor = r["ours"]["median_us"], r["floor"]["median_us"]
                b_ratios.append(ours / floor)
                line.append(f"(b) ours {ours:.1f} us floor {floor:.1f} us = {ours / floor:.3f}x")
            print(" | ".join(line), flush=True)
    if a_ratios:
        print(
            f"(a) median {statistics.median(a_ratios):.3f}x (goal {TARGETS['arrays_simdjson']}x), "
            f"memory {statistics.median(memory_ratios):.2f}x (goal {TARGETS['arrays_memory']}x)"
        )
    if b_ratios:
        print(f"(b) median {statistics.median(b_ratios):.3f}x (goal {TARGETS['b_floor']}x)")
    print(f"load average {os.getloadavg()[0]:.2f} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
