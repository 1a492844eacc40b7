# toewijzing: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: help install install-node run test lint types schemas schemas-check unit bench package clean fmt \
	resources resources-check cfn-lint fuzz install-browser

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

install-browser: ## Debian's chromium for the report rendering test (apt-get, when missing)
	test -x /usr/bin/chromium || apt-get install -y --no-install-recommends chromium || \
	  (apt-get update && apt-get install -y --no-install-recommends chromium)

run: install install-node ## the service on http://127.0.0.1:8000 (PORT), on dynalite (DYNAMODB_PORT, 8001) keeping its data in .data/
	$(BIN)/python scripts/run_local.py

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

unit: install install-node ## the test suite only
	$(BIN)/python -m pytest

resources: install ## regenerate resources.json and .chalice/policy-dev.json from the table definition
	$(BIN)/python scripts/gen_resources.py

resources-check: install ## fail when resources.json or .chalice/policy-dev.json drifted from the table definition
	$(BIN)/python scripts/gen_resources.py --check

# chalice package needs a region, never credentials: keep any real ones out of its reach.
package: install resources-check ## CloudFormation (SAM) template + deployment.zip of the dev stage in out/
	rm -rf out
	env -u AWS_PROFILE -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake \
	  AWS_DEFAULT_REGION=eu-west-1 $(BIN)/chalice package --stage dev --pkg-format cloudformation \
	  --merge-template resources.json out/

cfn-lint: package ## make package, then check out/sam.json with cfn-lint
	$(BIN)/cfn-lint out/sam.json
	$(BIN)/python scripts/gen_resources.py --check-template out/sam.json

test: lint types schemas-check cfn-lint install-node install-browser ## lint, types, schema and template drift, cfn-lint, the whole test suite
	$(BIN)/pip check
	$(BIN)/python -m pytest

fuzz: install install-node ## a longer schemathesis pass, every check and stateful chains (FUZZ_EXAMPLES per operation, default 200), and the hostile corpus
	TOEWIJZING_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/fuzz

bench: install install-node ## benchmarks: figures as ratios against a baseline in the same run
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_statistics.py

clean: ## remove the virtualenv and caches (keeps .data/)
	rm -rf $(VENV) node_modules out .mypy_cache .ruff_cache .pytest_cache .hypothesis
