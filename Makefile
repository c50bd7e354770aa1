# Every target sets itself up: a fresh machine needs only Python 3.11+ (and apt for browsers).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export POLICYBOT_HOME ?= var

.PHONY: setup serve test lint bench browsers clean

# torch first, by exact version, so pip takes the CPU wheel on disk and never a CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

serve: $(STAMP)
	$(BIN)/policybot serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

# Headless Chromium for the widget tests (Debian packages; Playwright never downloads one).
browsers:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

test: $(STAMP) browsers
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m evals.benchmark

clean:
	rm -rf $(VENV) var .pytest_cache
