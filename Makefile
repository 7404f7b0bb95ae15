# sithsflow: `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Prepares the SQLite database with the demo region, then explains how to walk the flows.
run: install
	$(BIN)/sithsflow db init
	$(BIN)/sithsflow demo load
	@cat docs/walkthrough.txt

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/cases.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
