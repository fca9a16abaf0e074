# The newcomer's two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Lambda runs python3.12: the venv must be 3.12 so `zappa package` ships matching wheels.
# pyenv's own 3.12 first (its `python3.12` shim may exist yet refuse to run), then PATH; the
# first candidate that really runs and really is 3.12 wins.
PYTHON312 ?= $(shell for p in $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V -r) $$(command -v python3.12 2>/dev/null); do "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && echo "$$p" && break; done)

.PHONY: run test lint format bench package venv clean e2e vendor deploy destroy settings

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON312)" ]; then \
	  echo "error: Python 3.12 not found. Install it (e.g. 'pyenv install 3.12') or set PYTHON312=/path/to/python3.12." >&2; \
	  exit 1; fi
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
	  echo "Existing $(VENV) is not Python 3.12: rebuilding it."; rm -rf $(VENV); fi
	@[ -x $(PY) ] || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# The admin's Markdown editor (EasyMDE) comes from npm, copied into blog/static. Without npm
# `make run` still serves everything; the body is then a plain textarea.
run: venv
	@mkdir -p var
	@$(MAKE) --no-print-directory vendor || echo "npm is missing: the admin's body field is a plain textarea (install npm, then make vendor)."
	@DEBUG=true $(PY) manage.py migrate --noinput -v 0
	@DEBUG=true $(PY) manage.py seed_demo
	@DEBUG=true $(PY) manage.py devserver 127.0.0.1:8000

VENDORED := blog/static/blog/vendor/easymde/easymde.min.js
vendor: $(VENDORED)

$(VENDORED): node_modules/.installed
	npm run --silent vendor

# Two workers (the machine has two cores); a test module stays on one worker, so the package
# test builds the Lambda zip once.
test: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2 --dist loadfile

# Browser journeys (tests/e2e): a server the tests start on the embedded defaults with a fresh
# database, Debian's chromium (/usr/bin/chromium, or CHROMIUM=...) through Playwright, and
# axe-core from npm. Screenshots, the server log and any failure's page go to var/e2e/.
e2e: venv node_modules/.installed $(VENDORED)
	E2E=1 $(PY) -m pytest tests/e2e

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: venv
	$(PY) bench/pages.py

# One command deploys a stage described in stages.toml, from nothing or from what is there,
# and changes only what is not right yet (deploy/deploy.py); the README's ops guide says what
# it needs. destroy keeps the data unless DELETE_DATA=yes. settings writes the stage's
# zappa_settings.json from its stacks, for `zappa update/tail/manage/rollback <stage>`.
deploy: venv
	@test -n "$(STAGE)" || { echo "usage: make deploy STAGE=<a stage of stages.toml>" >&2; exit 2; }
	@$(MAKE) --no-print-directory vendor || echo "WARNING: npm is missing: the admin's Markdown editor is not deployed (a plain textarea instead)." >&2
	$(PY) -m deploy deploy $(STAGE)

destroy: venv
	@test -n "$(STAGE)" || { echo "usage: make destroy STAGE=<name> [DELETE_DATA=yes]" >&2; exit 2; }
	$(PY) -m deploy destroy $(STAGE) $(if $(filter yes,$(DELETE_DATA)),--delete-data)

settings: venv
	@test -n "$(STAGE)" || { echo "usage: make settings STAGE=<name>" >&2; exit 2; }
	$(PY) -m deploy settings $(STAGE)

# The Lambda zip: `zappa package dev` offline from a venv holding only requirements.txt,
# then bytecode Lambda can trust. `make deploy` builds its own; this one is for looking at.
package: venv $(VENDORED)
	$(PY) -m deploy.package $(or $(STAGE),dev)

clean:
	rm -rf $(VENV) .venv-lambda var build .pytest_cache node_modules blog/static/blog/vendor
