# The front door: `make run` serves the demo, `make test` runs the whole suite.
# Both set up everything they need on a fresh clone (virtualenv, Debian packages).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST   ?= 127.0.0.1
PORT   ?= 5000
TEST_PROCESSES ?= 4

.PHONY: run test venv browser pgclient r lint typecheck bench bench-export bench-weighting \
	bench-load bench-faults clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(BIN)/.installed ## virtualenv with the pinned requirements

browser: node_modules/axe-core/axe.min.js ## Debian's headless Chromium (and axe-core) for the end-to-end tests
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }

node_modules/axe-core/axe.min.js: package.json package-lock.json ## axe-core as pinned in package-lock.json, for the accessibility tests
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

pgclient: ## pg_dump, for the anonymity test's dump of the PostgreSQL test database
	@[ -z "$$TEST_DATABASE_URL" ] || command -v pg_dump >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql-client >/dev/null; }

r: ## R with the survey package: only for regenerating reference fixtures and benchmarks
	@command -v Rscript >/dev/null && Rscript -e 'library(survey); library(data.table)' >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq r-cran-survey r-cran-data.table >/dev/null; }

run: venv ## migrate the SQLite database under instance/, load the demo, serve on 127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host $(HOST) --port $(PORT)

test: venv browser pgclient lint ## the whole test suite (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -n $(TEST_PROCESSES)

lint: venv ## ruff and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/mypy questionnaires analysis survey_app

bench: bench-export bench-weighting ## every benchmark; prints ratios against the peers

bench-export: venv
	$(BIN)/python bench/export.py

bench-weighting: venv r
	$(BIN)/python bench/weighting.py

bench-load: venv ## 20,000 submissions over HTTP on SQLite and PostgreSQL, against a bare Flask app
	$(BIN)/python bench/load.py

bench-faults: venv ## 3,000 submissions while workers, the server and PostgreSQL are killed or restarted
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
