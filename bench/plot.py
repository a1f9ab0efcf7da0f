"""The benchmark figure (bench/benchmarks.png) from a results file written by `bench/run.py`.

Called by `bench/report.py`; on its own: `bench/.venv/bin/python bench/plot.py RESULTS.json OUT.png`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(ROOT))
from bench.report import NAMES, RETRIEVE, fmt_duration, fmt_pct, sdk_name  # noqa: E402

MiB = 1 << 20
COLORS = {
    "simdjson": "#2ca02c",
    "msgspec": "#ff7f0e",
    "floor": "#777777",
    "ours": "#1f77b4",
    "ours-models": "#9ecae1",
    "sdk": "#d62728",
}


def _name(res: dict[str, Any], contender: str) -> str:
    return (sdk_name(res) if contender == "sdk" else NAMES[contender]).replace("`", "")


def plot(res: dict[str, Any], path: Path) -> bool:
    """Draw the four panels into `path`; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
    except ImportError:
        return False
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    sizes = res["plan"]["sizes"]
    x = [res["setup"]["sizes"][s]["vectors"] for s in sizes]

    floor_mib = 0.01  # log axes: show "no measurable growth" at the bottom instead of dropping the point
    for kind, style in (("legacy", "-"), ("v2", "--")):
        for contender in RETRIEVE:
            runs = [res["retrieve"].get(f"{kind}/{s}", {}).get(contender, {}) for s in sizes]
            t = [r.get("median_seconds") for r in runs]
            m = [r.get("peak_rss_growth") for r in runs]
            if all(v is not None for v in t):
                axes[0][0].plot(x, t, style, marker="o", color=COLORS[contender])
            if all(v is not None for v in m):
                axes[0][1].plot(x, [max(v / MiB, floor_mib) for v in m], style, marker="o", color=COLORS[contender])
    for ax, title, unit in (
        (axes[0][0], "(a) large result: wall time to matrix + table", "seconds"),
        (axes[0][1], "(a) large result: peak RSS growth during the call", "MiB"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(x, [f"{s}\n{v} vectors" for s, v in zip(sizes, x, strict=True)])
        ax.minorticks_off()
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
    present = [c for c in RETRIEVE if any(c in by for by in res["retrieve"].values())]
    handles = [Line2D([], [], color=COLORS[c], marker="o", label=_name(res, c)) for c in present]
    handles += [
        Line2D([], [], color="black", linestyle="-", label="legacy task"),
        Line2D([], [], color="black", linestyle="--", label="v2 task"),
    ]
    axes[0][0].legend(handles=handles, fontsize=7)

    ax = axes[1][0]
    small = res["small"]
    if small and "error" not in small:
        names = [c for c in ("floor", "ours", "sdk") if c in small]
        values = [small[c]["median_us"] for c in names]
        labels = {"floor": "raw httpx + orjson", "ours": "ours", "sdk": sdk_name(res)}
        ax.bar([labels[c] for c in names], values, color=[COLORS[c] for c in names])
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:.0f} µs", ha="center", va="bottom")
    ax.set_title("(b) per-call overhead, GET status (median)")
    ax.set_ylabel("µs per call")

    ax = axes[1][1]
    durations = res["plan"]["poll_durations"]
    interval = fmt_duration(res["setup"].get("sdk_poll_interval") or res["setup"]["fixed_poll_interval"])
    for variant, color, label in (
        ("ours-v2", COLORS["ours"], "ours, default PollPolicy"),
        ("sdk-legacy", COLORS["sdk"], f"official SDK / fixed {interval}"),
    ):
        runs = [res["poll"].get(variant, {}).get(str(float(d)), {}) for d in durations]
        requests = [r.get("requests_mean") for r in runs]
        if all(v is not None for v in requests):
            ax.plot(durations, requests, marker="o", color=color, label=f"{label}: requests")
        delay = [r.get("delay_max") for r in runs]
        if all(v is not None for v in delay):
            ax.plot(durations, delay, ":", marker="x", color=color, label=f"{label}: max delay (s)")
    fraction = res["targets"]["d_delay_fraction"]
    ax.plot(
        durations, [d * fraction for d in durations], "--", color="#999999", label=f"{fmt_pct(fraction, 0)} of the task"
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(durations, [fmt_duration(d) for d in durations])
    ax.minorticks_off()
    ax.set_title("(d) polling a task that finishes after …")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)

    m = res["machine"]
    fig.suptitle(
        f"twelvelabs-embed benchmarks — {m['cpu']}, {m['cores']} cores, Python {m['python'].split()[0]}"
        + (" (quick smoke run)" if res["plan"]["quick"] else ""),
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot.py RESULTS.json OUT.png")
    sys.exit(0 if plot(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])) else 1)
