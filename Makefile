# One task runner. `make demo` and `make test` are the README's Quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WEB_VENDOR := src/threadline/web/node_modules/.installed

.PHONY: setup demo demo-data test lint typecheck bench docs clean chromium

$(BIN)/threadline: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $(BIN)/threadline

# The graph explorer's front-end packages, pinned in package-lock.json.
$(WEB_VENDOR): src/threadline/web/package.json src/threadline/web/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the web UI's pinned front-end package: apt-get install npm"; exit 1; }
	npm ci --prefix src/threadline/web --no-audit --no-fund --loglevel=error
	touch $(WEB_VENDOR)

setup: $(BIN)/threadline $(WEB_VENDOR)

demo: setup
	$(BIN)/threadline demo demo-workspace --force
	$(BIN)/threadline -w demo-workspace stats
	$(BIN)/threadline -w demo-workspace search "Иван Петров" --purpose "trying the demo"
	$(BIN)/threadline -w demo-workspace resolve
	$(BIN)/threadline -w demo-workspace graph stats

# Regenerate the bundled demo data (deterministic; tests/demo/test_demo_data.py
# fails when the shipped files differ from what the generator writes).
demo-data: setup
	$(BIN)/python tools/generate_demo.py src/threadline/demo/data

# The browser tests drive Debian's Chromium (a Playwright browser download
# does not work offline); install it when it is missing.
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Chromium for the browser tests (apt-get)"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup chromium
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

docs: setup
	COLUMNS=100 $(BIN)/python -m threadline.cli.docs > docs/cli.md

bench: setup
	$(BIN)/python bench/bench_ingest.py --rows 100000
	$(BIN)/python bench/bench_memory.py --rows 5000000
	$(BIN)/python bench/bench_search.py --n 1000000

clean:
	rm -rf $(VENV) demo-workspace
