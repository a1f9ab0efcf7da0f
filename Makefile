# twelvelabs-embed: every task goes through this file; CI runs `make test` verbatim.
# Each target installs what it needs first (Python venv from pyproject.toml, npm packages from
# package-lock.json), so a fresh clone needs only python3 (>= 3.11), node/npm and make.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST_ARGS ?=
BENCH_ARGS ?=
CONTRACT_ARGS ?=

.PHONY: help install demo bench fuzz mutate contract-live contract-fake audit-spec generate check-generated lint typecheck test test-fast mock mock-dynamic clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(PY_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "python3 >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(PY_STAMP) $(NODE_STAMP) ## Create .venv and node_modules (idempotent)

demo: $(PY_STAMP) ## Run the CLI end to end against the local fake API (no API key needed)
	$(PY) scripts/demo.py

generate: $(PY_STAMP) ## Regenerate generated/ from openapi.yaml and the sync client from the async one
	$(PY) scripts/generate.py
	$(PY) scripts/unasync.py

check-generated: $(PY_STAMP) ## Fail if generated/ or the sync client differ from a fresh generation
	$(PY) scripts/generate.py --check
	$(PY) scripts/unasync.py --check

lint: install ## Validate and lint the spec, lint the handwritten code
	$(BIN)/openapi-spec-validator openapi.yaml
	npx --no-install spectral lint --fail-severity=warn --quiet openapi.yaml
	$(BIN)/ruff check wrappers tests scripts bench
	$(BIN)/ruff format --check wrappers tests scripts bench

typecheck: $(PY_STAMP) ## mypy --strict on the generated and the handwritten packages
	$(BIN)/mypy

test: install check-generated lint typecheck ## Everything CI runs: drift check, lint, mypy, pytest
	@$(PY) scripts/audit_spec.py --summary || echo "audit-spec: could not run (informational, not a failure)"
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install ## pytest only
	$(BIN)/pytest $(PYTEST_ARGS)

BATCH_BENCH_OUT = $(if $(findstring --quick,$(BENCH_ARGS)),bench/out/BATCH_BENCHMARKS.md,bench/BATCH_BENCHMARKS.md)

bench: $(PY_STAMP) ## Benchmarks vs the official SDK and the floors (own venv bench/.venv); writes bench/results.json, BENCHMARKS.md, bench/BATCH_BENCHMARKS.md, bench/UPLOAD_BENCHMARKS.md (BENCH_ARGS=--quick: smoke)
	PYTHON=$(PYTHON) bash bench/setup.sh
	bench/.venv/bin/python bench/run.py $(BENCH_ARGS)
	$(PY) bench/batch_bench.py $(BENCH_ARGS) --markdown-out $(BATCH_BENCH_OUT)
	$(PY) bench/upload_bench.py $(BENCH_ARGS) --markdown-out $(if $(findstring --quick,$(BENCH_ARGS)),bench/out/UPLOAD_BENCHMARKS.md,bench/UPLOAD_BENCHMARKS.md)

fuzz: install ## Long fuzzing (FUZZ_EXAMPLES=500, ARRAYS_EXAMPLES=20000): schemathesis vs the fake and Prism, response bodies, the array parser; refreshes docs/ROBUSTNESS.md
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/pytest tests/fake/test_schemathesis.py tests/robustness -p no:cacheprovider
	ARRAYS_EXAMPLES=$${ARRAYS_EXAMPLES:-20000} ARRAYS_RANDOM_SEED=1 $(BIN)/pytest tests/wrapper/test_arrays_property.py -p no:cacheprovider
	$(PY) scripts/robustness_report.py

# The key check runs first with the plain interpreter, so a run without a key installs and starts nothing.
contract-live: ## Check the real API against openapi.yaml through Prism's proxy (needs TWELVELABS_API_KEY); report in reports/
	@$(PYTHON) scripts/contract_live.py --preflight $(CONTRACT_ARGS)
	@$(MAKE) --no-print-directory install
	$(PY) scripts/contract_live.py $(CONTRACT_ARGS)

contract-fake: install ## The contract-live run with a local fake as the upstream (no key, no network)
	$(PY) scripts/contract_live.py --against-fake $(CONTRACT_ARGS)

audit-spec: $(PY_STAMP) ## Diff the embed and asset operations of the official TwelveLabs spec against openapi.yaml
	$(PY) scripts/audit_spec.py

mutate: install ## Mutation testing of the core modules (not in `make test`; ~30-60 min; MUTATE_ARGS="--limit 10": a sample); refreshes docs/ROBUSTNESS.md
	$(PY) scripts/mutate.py $${MUTATE_ARGS:-}
	$(PY) scripts/robustness_report.py

mock: $(NODE_STAMP) ## Serve openapi.yaml with Prism on :4010 (static examples)
	npx --no-install prism mock --port 4010 openapi.yaml

mock-dynamic: $(NODE_STAMP) ## Serve openapi.yaml with Prism on :4010 (generated data)
	npx --no-install prism mock --dynamic --port 4010 openapi.yaml

clean: ## Remove the venv, node_modules and caches
	rm -rf $(VENV) node_modules .mypy_cache .pytest_cache .ruff_cache
