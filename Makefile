# The two commands a newcomer needs: `make run` and `make test`. Everything they need is
# installed from here; stamp files keep a second run from reinstalling anything unchanged.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := frontend/node_modules/.installed
FRONTEND_BUILD := frontend/dist/.vite/manifest.json
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) $(wildcard frontend/*.ts frontend/*.js frontend/*.json)
# Where collectstatic puts the files the server sends with DEBUG off (settings read the same
# variable). The manifest it writes there doubles as the stamp.
export STATIC_ROOT ?= $(CURDIR)/staticfiles
STATIC_MANIFEST := $(STATIC_ROOT)/staticfiles.json

# Local development and tests run with DEBUG on unless told otherwise.
export DEBUG ?= 1
export HOST ?= 127.0.0.1
export PORT ?= 8000

.PHONY: run test setup chromium frontend static migrate lint format db-stop bench clean api-types api-types-check

# The terminal shows a banner and the product's own lines; every line goes to LOG_FILE.
run: export LOG_FILE ?= $(CURDIR)/.data/logs/journeys.log
run: setup migrate
	$(BIN)/python manage.py seed_demo
	exec $(BIN)/python manage.py serve --host $(HOST) --port $(PORT) --demo-traffic

test: setup chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory api-types-check
	cd frontend && npm run --silent lint && npm run --silent typecheck && npm test --silent
	$(BIN)/pytest; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$status

setup: $(PY_STAMP) $(FRONTEND_BUILD) $(STATIC_MANIFEST)

# Browser tests drive Debian's Chromium (Playwright's own download is not reachable here).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }; \
	  else sudo apt-get install -y -q chromium; fi; }

$(PY_STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(NPM_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend: $(FRONTEND_BUILD)

$(FRONTEND_BUILD): $(NPM_STAMP) $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build

static: $(STATIC_MANIFEST)

# Collected again when the canvas is rebuilt or the Python packages (Django admin's files among
# them) change. No --clear: a server already running keeps finding the files its pages name.
$(STATIC_MANIFEST): $(PY_STAMP) $(FRONTEND_BUILD)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	touch $@

# The canvas's API types are generated from the schema drf-spectacular writes, so a serializer
# change shows up as a TypeScript error instead of a wrong hand-copied type. `api-types`
# rewrites the committed file; `api-types-check` (part of `make test`) fails when it is stale.
API_TYPES := frontend/src/api/schema.d.ts
# $(1): where to write the types; the schema passes through "$$schema", a temporary file
# the recipe creates and removes.
api_types_to = $(BIN)/python manage.py spectacular --format openapi-json --file "$$schema" && \
  frontend/node_modules/.bin/openapi-typescript "$$schema" --output $(1) >/dev/null

api-types: $(PY_STAMP) $(NPM_STAMP)
	schema=$$(mktemp --suffix=.json) && trap 'rm -f "$$schema"' EXIT && \
	  $(call api_types_to,$(API_TYPES))

api-types-check: $(PY_STAMP) $(NPM_STAMP)
	schema=$$(mktemp --suffix=.json) && fresh=$$(mktemp --suffix=.d.ts) && trap 'rm -f "$$schema" "$$fresh"' EXIT && \
	  $(call api_types_to,"$$fresh") && \
	  { diff -u $(API_TYPES) "$$fresh" || { echo "$(API_TYPES) is stale: run 'make api-types' and commit it"; exit 1; }; }

migrate: $(PY_STAMP)
	$(BIN)/python manage.py migrate --noinput --verbosity 0

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(PY_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

db-stop: $(PY_STAMP)
	$(BIN)/python -m cjo_site.embedded_db stop

clean: db-stop
	rm -rf $(VENV) frontend/node_modules frontend/dist staticfiles
