# Two entry points: `make run` (the registry on http://127.0.0.1:8000) and `make test` (every check).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
STAMP := $(VENV)/.installed
# Where `make run`'s workers keep their /metrics counters, summed by whichever worker answers a scrape (a folder
# per server run inside it: package/routers/health/multiprocess.py).
METRICS_DIR ?= $(or $(TMPDIR),/tmp)/registry-metrics

.PHONY: run run-granian run-uvicorn test lint types pytest bench clean install lambda-package audit

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@bash backend/bootstrap-venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt -c constraints.txt
	# The project itself, editable, for the `registry` command line (pyproject.toml [project.scripts]).
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# nginx on $(PORT) in front of granian, one worker per core (serve.py): the registry decides every download and
# nginx sends the stored blob (X-Accel-Redirect, sendfile): half the CPU per download of granian alone in
# bench/download_throughput.py (docs/performance-downloads.md). nginx is installed when missing (without it
# granian serves alone).
# `make run-granian`: granian alone; `make run-uvicorn`: one uvicorn process.
run: $(STAMP)
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || bash backend/install-nginx.sh
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(BIN)/python -m serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# granian alone, one worker per core (it sends stored files itself through ASGI pathsend): what `make run` was.
run-granian: $(STAMP)
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(BIN)/python -m granian --interface asgi --host $(HOST) --port $(PORT) --workers $(WORKERS) --no-access-log --log-config package/core/granian-logging.json --respawn-failed-workers main:app

run-uvicorn: $(STAMP)
	$(BIN)/uvicorn main:app --host $(HOST) --port $(PORT) --no-access-log --log-config package/core/uvicorn-logging.json --no-proxy-headers

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy package main.py worker.py serve.py tests bench

pytest: $(STAMP)
	@bash backend/install-system-deps.sh
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

test: lint types pytest

lambda-package: $(STAMP)   # build/lambda/registry.zip for backend/aws/template.yaml
	bash backend/aws/package-lambda.sh $(BIN)/python build/lambda/registry.zip

# Known vulnerabilities in the locked dependencies (needs PyPI's JSON API; --strict fails on any package it
# could not check). Not part of `make test` (this workplace's package mirror does not serve that API); the
# GitHub workflow's `audit` job runs it on every push.
audit: $(STAMP)
	$(BIN)/pip-audit --strict --progress-spinner off -r requirements.txt -r requirements-dev.txt

# Every benchmark, one after another (bench/__main__.py lists them): figures printed and written to
# bench/results/<name>.json. BENCH_ARGS="--size 10k" (1k|10k|100k), "--only soak,web_render" or "--smoke".
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.plots

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .coverage
