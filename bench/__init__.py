"""Benchmarks of twelvelabs-embed against the official SDK and the floors; see BENCHMARKS.md.

`run.py` measures (in `worker.py` processes, on inputs from `inputs.py`) and writes `results.json`; `report.py`
renders BENCHMARKS.md from it and the template `BENCHMARKS.md.tmpl`; `plot.py` draws `benchmarks.png`.
A package so the smoke test in tests/bench/ can import these modules.
"""
