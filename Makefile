# toewijzing: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: help install install-node run test lint types schemas schemas-check unit bench package clean fmt

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP) ## create .venv with the pinned dependencies (idempotent)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-node: $(NODE_STAMP) ## install the local DynamoDB server (dynalite) from package-lock.json

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install ## format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

types: install ## mypy --strict on app.py and chalicelib/
	$(BIN)/mypy

schemas: install ## regenerate criteria_schemas/ from the models
	$(BIN)/python scripts/gen_schemas.py

schemas-check: install ## fail when criteria_schemas/ drifted from the models
	$(BIN)/python scripts/gen_schemas.py --check

unit: install ## the test suite only
	$(BIN)/python -m pytest

test: lint types schemas-check ## lint, types, schema drift and the whole test suite
	$(BIN)/python -m pytest

bench: install ## benchmarks: figures as ratios against a baseline in the same run
	$(BIN)/python bench/bench_engine.py

clean: ## remove the virtualenv and caches (keeps .data/)
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis
