# The two commands a newcomer needs: `make run` (the demo wall) and `make test` (everything).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
HOST   ?= 127.0.0.1

.PHONY: run test lint bench screenshots clean

run: $(VENV)/.installed
	$(BIN)/wallboard serve --config config.toml --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test node_modules/.installed
	scripts/install-system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npx eslint static eslint.config.js
	npx prettier --check static eslint.config.js
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: $(VENV)/.installed-test
	scripts/install-system-deps
	$(BIN)/python -m bench

screenshots: $(VENV)/.installed-test
	scripts/install-system-deps
	$(BIN)/python scripts/screenshot
	$(BIN)/python scripts/screenshot --config docs/examples/wall-12-teams.toml --shot wall-12-teams.png=/wall
	$(BIN)/python scripts/screenshot-fleet

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
