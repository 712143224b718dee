# The two commands a newcomer needs: `make run` (the demo wall) and `make test` (everything).
# `make check` is the quick edit loop: lint, types and the tests that run in-process.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
HOST   ?= 127.0.0.1

# Tests that start no browser, daemon or subprocess (markers set in tests/conftest.py
# and in the modules).
IN_PROCESS := not browser and not prometheus and not processes and not serial

.PHONY: run test check lint bench screenshots clean

run: $(VENV)/.installed
	$(BIN)/wallboard serve --config config.toml --host $(HOST) --port $(PORT)

test: lint
	scripts/install-system-deps
	$(BIN)/python -m pytest -m "not serial"
	$(BIN)/python -m pytest -m serial -n 0

check: lint
	$(BIN)/python -m pytest -m "$(IN_PROCESS)"

# Every linter and the type checker: Python and the screen's scripts.
lint: $(VENV)/.installed-test node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npx eslint static eslint.config.js
	npx prettier --check static eslint.config.js

bench: $(VENV)/.installed-test
	scripts/install-system-deps
	$(BIN)/python -m bench

screenshots: $(VENV)/.installed-test
	scripts/install-system-deps
	$(BIN)/python scripts/screenshot
	$(BIN)/python scripts/screenshot --config docs/examples/wall-12-teams.toml --shot wall-12-teams.png=/wall
	$(BIN)/python scripts/screenshot-fleet
	$(BIN)/python scripts/screenshot-rooms
	$(BIN)/python -m tests.support.four_metres_run --shot docs/screenshots/wall-triage.png

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# ESLint and Prettier, exactly as package-lock.json pins them; again when the lockfile changes.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache
