"""Benchmarks of twelvelabs-embed against the official SDK and the floor; see bench/run.py and BENCHMARKS.md.

A package only so the smoke test in tests/bench/ can import `bench.inputs` and `bench.worker`.
"""
