"""The Prism fixtures of the contract tests (`prism_static`, `prism_dynamic`) live in tests/conftest.py.

They moved there so that tests/robustness (schemathesis against Prism) shares the same session-scoped
Prism process instead of starting a second one.
"""
