# Everything builds from python3 and node on the PATH; each target sets up what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
PROFILER := $(VENV)/.profiler
MUTMUT := $(VENV)/.mutmut
COVERAGE := $(VENV)/.coverage-tool
NODE_DIR := tests/node
ARGS ?=

.PHONY: run test venv proto proto-check lint typecheck pytest node-test browser-test bench profile mutation coverage clean

# Serving needs the runtime dependencies only; the checks and tests add their tools on top.
# An existing .venv is kept when pyproject.toml changes (only the packages are brought up to date),
# so the Python it was made with stays its Python: `make clean` starts over.
$(RUNTIME): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

## Run the emulator in the foreground on 127.0.0.1 (Ctrl-C stops it). Pass flags with ARGS="--port 50051".
## It installs only what serving needs, and .venv/bin/momento-auth-emulator with it.
run: $(RUNTIME)
	$(VENV)/bin/momento-auth-emulator serve $(ARGS)

## Run every check and test: lint, types, generated-code freshness, the Python suite, the Node SDK suite.
test: $(STAMP) proto-check lint typecheck pytest node-test browser-test

pytest: $(STAMP)
	$(PY) -m pytest -q -n 2 $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check emulator tests benchmarks docs/examples
	$(PY) -m ruff format --check emulator tests benchmarks docs/examples

typecheck: $(STAMP)
	$(PY) -m mypy

## Regenerate the admin API's Python code from protos/.
proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -Iemulator/_generated=protos --python_out=. --grpc_python_out=. --pyi_out=. protos/admin.proto

proto-check: $(STAMP)
	@tmp=$$(mktemp -d) && \
	$(PY) -m grpc_tools.protoc -Iemulator/_generated=protos --python_out=$$tmp --grpc_python_out=$$tmp --pyi_out=$$tmp protos/admin.proto && \
	for f in admin_pb2.py admin_pb2_grpc.py admin_pb2.pyi; do \
	  cmp -s $$tmp/emulator/_generated/$$f emulator/_generated/$$f || { echo "emulator/_generated/$$f is stale: run 'make proto'"; rm -rf $$tmp; exit 1; }; \
	done; rm -rf $$tmp; echo "generated code is up to date"

## The Node SDK conformance suite. Without node it is skipped loudly; CI=true makes that an error.
node-test: $(STAMP)
	@if command -v node >/dev/null 2>&1; then \
	  cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error && EMULATOR_PYTHON=$(CURDIR)/$(PY) npm test; \
	elif [ "$$CI" = "true" ]; then \
	  echo "node is not on the PATH: the Node SDK conformance suite cannot run, and CI requires it" >&2; exit 1; \
	else \
	  echo "*** SKIPPED: node is not on the PATH, so the Node SDK conformance suite did not run ***" >&2; \
	fi

## The browser example in a real headless Chromium (Debian's chromium, driven by playwright-core).
## Without chromium it is skipped loudly; with CI=true (as root) chromium is installed, and its absence is an error.
BROWSER_DIR := examples/browser
browser-test: $(STAMP)
	@if ! command -v node >/dev/null 2>&1; then \
	  if [ "$$CI" = "true" ]; then echo "node is not on the PATH: the browser tests cannot run, and CI requires them" >&2; exit 1; fi; \
	  echo "*** SKIPPED: node is not on the PATH, so the browser tests did not run ***" >&2; exit 0; \
	fi; \
	if ! command -v chromium >/dev/null 2>&1 && [ "$$CI" = "true" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "chromium is missing and only root can install it; CI requires it" >&2; exit 1; fi; \
	  echo "installing Debian's chromium for the browser tests" >&2; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1; \
	fi; \
	if ! command -v chromium >/dev/null 2>&1; then \
	  echo "*** SKIPPED: chromium is not on the PATH, so the browser tests did not run (apt-get install chromium) ***" >&2; exit 0; \
	fi; \
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build >/dev/null && \
	  EMULATOR_PYTHON=$(CURDIR)/$(PY) npm test

## Benchmarks (not tests): prints a table and writes benchmarks/results/latest.{json,md}.
bench: $(STAMP)
	$(PY) -m benchmarks.run $(ARGS)

$(PROFILER): $(STAMP)
	$(PY) -m pip install --quiet -e '.[profile]'
	touch $(PROFILER)

## Where an emulator's time goes under load, sampled by py-spy (not a test). ARGS="--rpc RefreshApiToken".
profile: $(PROFILER)
	$(PY) -m benchmarks.profile $(ARGS)

$(MUTMUT): $(STAMP)
	$(PY) -m pip install --quiet -e '.[mutation]'
	touch $(MUTMUT)

## Mutation testing of emulator/core against its unit tests (tests/core), and of the services' admission
## step against tests/test_admission.py; not part of `make test`.
## Always from scratch: mutmut 3 reuses results and test maps across runs and then misreports survivors.
## Prints the counts of each part and in all, then every mutant not killed; `$(VENV)/bin/mutmut show NAME` shows one.
mutation: $(MUTMUT)
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $${MUTATION_JOBS:-2}
	@$(VENV)/bin/mutmut results --all true | $(PY) -c 'import collections, re, sys; \
	  parts = collections.defaultdict(collections.Counter); \
	  found = [re.match(r"\s*(.+?)\.x[_\u01c1].*: (.+)$$", line) for line in sys.stdin]; \
	  [parts["emulator/core" if m[1].startswith("emulator.core.") else m[1].replace(".", "/") + ".py"].update([m[2]]) for m in found if m]; \
	  parts["all"] = sum(parts.values(), collections.Counter()); \
	  [print("{}: mutants {}  killed {} ({:.1%})  timeout {}  survived {}  other {}".format(part, n, c["killed"], c["killed"] / n, \
	    c["timeout"], c["survived"], n - c["killed"] - c["timeout"] - c["survived"])) for part, c in parts.items() for n in [c.total()]]'
	@$(VENV)/bin/mutmut results

$(COVERAGE): $(STAMP)
	$(PY) -m pip install --quiet -e '.[coverage]'
	touch $(COVERAGE)

## Line and branch coverage of emulator/ across the suite and every process it starts; fails if a
## core module is under 95%. Not part of `make test`.
coverage: $(COVERAGE)
	rm -f .coverage .coverage.*
	$(PY) -m coverage run -m pytest -q -n 2 -p no:randomly $(ARGS)
	$(PY) -m coverage combine -q
	$(PY) -m coverage report
	$(PY) -m coverage json -q -o coverage.json
	@$(PY) -c 'import json, sys; files = json.load(open("coverage.json"))["files"]; \
	  low = {f: round(d["summary"]["percent_covered"], 1) for f, d in files.items() if f.startswith("emulator/core/") and d["summary"]["percent_covered"] < 95}; \
	  sys.exit(f"core modules under 95%: {low}" if low else 0)'

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules $(BROWSER_DIR)/node_modules $(BROWSER_DIR)/page/dist .pytest_cache .mypy_cache .ruff_cache mutants .coverage .coverage.* coverage.json
