# sithsflow: `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The process owner's workspace (bpmn-js, dmn-js) from npm, bundled into web/static/build/.
FRONTEND_STAMP := web/static/build/.built-stamp
FRONTEND_SOURCES := $(wildcard web/frontend/*.js web/frontend/*.mjs web/frontend/*.css web/frontend/*.json)

.PHONY: install run test lint bench bench-scale bench-timers clean

install: $(STAMP) $(FRONTEND_STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# `npm ci` installs exactly package-lock.json (Node 20 and npm from the distribution);
# no package runs an install script (esbuild finds its binary package without one).
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found; apt-get install nodejs npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch node_modules/.package-lock.json

$(FRONTEND_STAMP): node_modules/.package-lock.json $(FRONTEND_SOURCES)
	npm run --silent build
	touch $(FRONTEND_STAMP)

# Prepares the SQLite database with the demo region, then runs the web app (gunicorn,
# `sithsflow serve`) and the worker (`sithsflow worker`: timers, e-mail, daily checks)
# together on http://127.0.0.1:$${SITHSFLOW_PORT:-5000}/; Ctrl-C stops both.
# docs/deployment.md lists the settings (SITHSFLOW_NOW / SITHSFLOW_CLOCK_OFFSET simulate).
run: install
	$(BIN)/sithsflow db init
	$(BIN)/sithsflow demo load
	@cat docs/walkthrough.txt
	@echo "Web: http://127.0.0.1:$${SITHSFLOW_PORT:-5000}/  (demo logins: anna bertil cecilia david sara petra maria olof, password: demo)"
	$(BIN)/sithsflow run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/cases.py

# Queues, lists and look-ups over 200,000 bulk-loaded open cases on a throwaway PostgreSQL
# (CASES=1000000 for a national volume).
bench-scale: install
	$(BIN)/python bench/scale.py --cases $${CASES:-200000}

# 100,000 due R7 deadlines fired by 1, 2 and 4 `timers run` processes, then a SIGKILL.
bench-timers: install
	$(BIN)/python bench/timers.py --timers $${TIMERS:-100000}

clean:
	rm -rf $(VENV) node_modules web/static/build instance .pytest_cache .mypy_cache .ruff_cache
