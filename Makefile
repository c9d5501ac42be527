# Two entry points: `make run` (the registry on http://127.0.0.1:8000) and `make test` (every check).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest bench clean install

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@bash backend/bootstrap-venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/uvicorn main:app --host $(HOST) --port $(PORT) --no-access-log --log-config package/core/uvicorn-logging.json

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy package main.py tests bench

pytest: $(STAMP)
	@bash backend/install-system-deps.sh
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

test: lint types pytest

bench: $(STAMP)
	$(BIN)/python -m bench.ingest_download

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage
