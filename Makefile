# Everyday commands. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
DEMO_NEEDS ?= N0001 N0002 N0003

.PHONY: help setup run matches demo test lint format eval bench-search serve clean

help: ## List the everyday commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

# The test tools (pytest, ruff, mypy) on top of the runtime install.
$(DEV): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(DEV)

setup: $(DEV) ## Create .venv and install the project with its dev tools

run: $(STAMP) ## Set up, load the demo data, build the index and start the web app on http://127.0.0.1:5000
	$(BIN)/matchmaker init
	$(BIN)/matchmaker demo
	$(BIN)/matchmaker serve --host 127.0.0.1 --port 5000

matches: $(STAMP) ## Print explained matches of three demo needs (no server)
	$(BIN)/matchmaker match need $(DEMO_NEEDS) --top 5

test: $(DEV) ## Set up and run the whole test suite (lint, unit, contract, functional, PostgreSQL, e2e, eval)
	BIN=$(BIN) scripts/run-tests

lint: $(DEV) ## ruff check and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(DEV) ## Format the code
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

eval: $(STAMP) ## Print matching quality against keyword-only and vector-only
	$(BIN)/matchmaker eval

bench-search: $(STAMP) ## Index throughput and match latency at 10k and 100k listings (SQLite; Elasticsearch too if ELASTICSEARCH_URL is set)
	$(BIN)/matchmaker bench search

serve: $(STAMP) ## Start the web server on http://127.0.0.1:5000
	$(BIN)/matchmaker serve

clean: ## Remove the virtualenv and local state
	rm -rf $(VENV) instance .pytest_cache
