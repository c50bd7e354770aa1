# Every target sets itself up: a fresh machine needs only Python 3.11+ (and apt for browsers,
# redis-server and PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export POLICYBOT_HOME ?= var

.PHONY: setup serve test lint bench browsers wrk services clean

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

# Headless Chromium for the widget tests, with CJK fonts so screenshots show Chinese (Debian
# packages; Playwright never downloads a browser).
browsers:
	@test -x /usr/bin/chromium -a -d /usr/share/fonts/opentype/noto || \
	  (apt-get update -q && apt-get install -y -q chromium fonts-noto-cjk)

# The HTTP load generator for the benchmark.
wrk:
	@test -x /usr/bin/wrk || (apt-get update -q && apt-get install -y -q wrk)

# redis-server and PostgreSQL for the shared-state and database tests (Debian packages); the
# tests start their own on free loopback ports, so a system service, if one runs, is left alone.
services:
	@test -x /usr/bin/redis-server || (apt-get update -q && apt-get install -y -q redis-server)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  (apt-get update -q && apt-get install -y -q postgresql)

test: $(STAMP) browsers wrk services
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# The replica benchmark needs redis-server too (one replica against two, sharing the stores).
bench: $(STAMP) wrk services
	$(BIN)/python -m evals.benchmark
	$(BIN)/python -m evals.benchmark.replicas

clean:
	rm -rf $(VENV) var .pytest_cache
