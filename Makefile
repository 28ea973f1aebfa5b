# RM Companion: `make run` serves the demo bank, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEMO_CUSTOMERS ?= 1500
DEMO_MONTHS ?= 24
export FLASK_APP := wsgi
PG_SERVER ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run install pwa migrate demo test lint api-types test-sqlite test-postgres test-pwa test-e2e \
        screenshots bench mutation clean

NPM_STAMP := pwa/node_modules/.installed
PWA_SOURCES := $(shell find pwa/src pwa/public -type f 2>/dev/null) pwa/index.html \
               pwa/vite.config.ts pwa/tsconfig.json

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(BIN)/.installed

$(NPM_STAMP): pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $@

pwa/dist/index.html: $(NPM_STAMP) $(PWA_SOURCES)
	cd pwa && npm run build

pwa: pwa/dist/index.html

migrate: install
	RM_ENV=$${RM_ENV:-development} $(BIN)/flask db upgrade

demo: migrate
	RM_ENV=$${RM_ENV:-development} $(BIN)/flask demo load --if-empty --customers $(DEMO_CUSTOMERS) --months $(DEMO_MONTHS)
	RM_ENV=$${RM_ENV:-development} $(BIN)/flask demo models --if-untrained
	RM_ENV=$${RM_ENV:-development} $(BIN)/flask push keys --if-missing
	RM_ENV=$${RM_ENV:-development} $(BIN)/flask pipeline run

run: pwa demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (logins: rm1..rm5, lead1, lead2, analyst1, referrer1, admin1 / demo1234)"
	RM_ENV=$${RM_ENV:-development} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: install $(NPM_STAMP)
	$(BIN)/ruff check backend tests bench scripts config.py wsgi.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/package_graph.py
	$(BIN)/python scripts/api_types.py --check

# The PWA's API types from the API's OpenAPI spec (commit the result).
api-types: install $(NPM_STAMP)
	$(BIN)/python scripts/api_types.py

# The SQLite half ignores TEST_DATABASE_URL, which only the PostgreSQL half uses.
test-sqlite: install
	@echo "=== SQLite run ==="
	env -u TEST_DATABASE_URL $(BIN)/pytest -m "not e2e"

# The PostgreSQL half runs against TEST_DATABASE_URL, or the local server when it answers.
test-postgres: install
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_SERVER)', connect_timeout=3).close()" 2>/dev/null; then url="$(PG_SERVER)"; fi; \
	if [ -z "$$url" ]; then echo "*** PostgreSQL not reachable: SKIPPING the PostgreSQL test run ***"; \
	else echo "=== PostgreSQL run ($$url) ==="; TEST_DATABASE_URL="$$url" $(BIN)/pytest -m "not e2e"; fi

test-pwa: $(NPM_STAMP)
	cd pwa && npx tsc --noEmit && npm test

# Browser tests in headless system Chromium (/usr/bin/chromium) against the built PWA.
test-e2e: install pwa
	$(BIN)/pytest tests/e2e

test: lint test-sqlite test-postgres test-pwa test-e2e

screenshots: install pwa
	$(BIN)/python scripts/screenshots.py

# Every benchmark, the load test and the long fuzzing run, one after another; writes
# bench/RESULTS.md (figures, floors, ratios, targets, the machine, the date).
bench: install pwa
	$(BIN)/pip install -q -r requirements-bench.txt
	$(BIN)/python bench/run_all.py

# Mutation scores of the bank's rules, each module against its own tests (scripts/mutation.py).
mutation: install
	$(BIN)/pip install -q -r requirements-bench.txt
	$(BIN)/python scripts/mutation.py

clean:
	rm -rf $(VENV) instance/*.db* .pytest_cache pwa/node_modules pwa/dist
