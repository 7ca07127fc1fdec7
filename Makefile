# Set-up and the two commands the README opens with. Everything installs into .venv from the
# project's own files; nothing is needed beyond Python 3.11 (and Java 17 + Maven for the real-Neo4j
# half of the test suite, Node 20 + npm for the MCP servers in mcp_servers/).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# bfcl-eval's declared dependencies pull torch+CUDA and vendor SDKs; we need only its data, backends
# and checkers, so it goes in with --no-deps (magnet_graph/bfcl/catalog.py pins the same version),
# with what its checkers import: tree-sitter for Java/JavaScript answers, overrides and dotenv.
BFCL   := bfcl-eval==2026.3.23 mpmath==1.3.0 tree_sitter==0.21.3 tree-sitter-java==0.21.0 \
	tree-sitter-javascript==0.21.4 overrides==7.7.0 python-dotenv==1.2.1
# torch goes in before anything that depends on it (pyproject's train extra pins the same version).
TORCH  := torch==2.13.0
PYTEST_WORKERS ?= 2
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install demo test lint quick app bench clean

$(BIN)/.installed: pyproject.toml Makefile mcp_servers/package-lock.json
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps $(BFCL)
	@# the browser test drives Debian's chromium (never `playwright install`, which downloads one)
	command -v chromium >/dev/null || $(SUDO) apt-get install -y -q chromium || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)
	@# the official MCP servers the tests and examples/mcp run, pinned by the lock file (Node 20 + npm)
	npm ci --prefix mcp_servers --no-audit --no-fund --silent
	touch $@

install: $(BIN)/.installed

demo: install  ## the main job on the embedded default: BFCL catalog -> graph -> 30 walks -> datasets in runs/demo
	$(BIN)/magnet-graph synthesize --catalog bfcl -n 30 --seed 0 --out runs/demo --resume

app: install  ## the Streamlit explorer on the demo run (after `make demo`)
	$(BIN)/magnet-graph app --run runs/demo

test: lint  ## lint, layers, then the whole suite, on embedded ArcadeDB and on real Neo4j
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -v --timeout 900

lint: install  ## ruff (lint + format) and the import-linter layer contracts in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

quick: install  ## the sub-minute loop: every test not marked slow (no Neo4j, no synthesize runs)
	$(BIN)/pytest -m "not slow" -q

bench: install
	$(BIN)/python bench/load.py

clean:
	-$(BIN)/magnet-graph store stop
	rm -rf $(VENV) .magnet-graph runs test-artifacts
