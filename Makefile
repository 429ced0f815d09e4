# evalwh — entry points. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export EVALWH_PROJECT_DIR := $(CURDIR)
export AIRFLOW_HOME ?= $(CURDIR)/airflow_home
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
export UV_FROZEN := 1

# uv on PATH, else the copy `make setup` installs with pip (run as `python3 -m uv`).
UV = $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN = $(UV) run --frozen
PYTEST_WORKERS ?= 2

.PHONY: help setup run test test-reliability bench lint format airflow docs clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: ## Install uv if missing, sync the locked environment, chromium + a CJK font if missing, AIRFLOW_HOME
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || { \
	  echo "installing uv with pip"; \
	  python3 -m pip install --quiet uv || python3 -m pip install --quiet --user --break-system-packages uv; }
	@# --compile-bytecode: every run starts several Python processes (Airflow, dbt, Great
	@# Expectations) importing thousands of modules; uv leaves compiling them to the first
	@# import, which writes nothing where PYTHONDONTWRITEBYTECODE is set (as on these machines)
	@# or site-packages is read-only, so each process compiled them again (the sample's
	@# `make run`: 39.5 s without, 31.9 s with). About 15 s once; 0.7 s when nothing changed.
	@# (Not a [tool.uv] setting: `uv run` would then re-check every file at each start.)
	$(UV) sync --frozen --compile-bytecode
	@mkdir -p "$(AIRFLOW_HOME)"
	@# the auditor's report embeds a system CJK font; its browser test runs Debian's chromium
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v fc-list >/dev/null 2>&1 \
	    || [ -z "$$(fc-list :lang=zh file 2>/dev/null)" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and fonts-noto-cjk (apt-get)"; \
	    SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	      --no-install-recommends chromium fonts-noto-cjk fontconfig >/dev/null; \
	  else \
	    echo "warning: install chromium and a CJK font (e.g. Noto Sans CJK) for the report and its tests"; \
	  fi; \
	fi

run: setup ## Generate the sample if needed, then ingest -> dbt -> gate -> publish through Airflow
	$(RUN) python -m evalwh.orchestrate run

test: setup ## The test suite (real Airflow, dbt, DuckDB and GE; parallel on 2 cores)
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not reliability" $(PYTEST_ARGS)

test-reliability: setup ## The full fault-injection and hostile-input suite
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: setup ## Benchmarks at national scale (long; writes bench/results/<date>.json)
	$(RUN) python -m evalwh.bench

lint: setup ## ruff (Python) and sqlfluff (dbt SQL)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint dbt_project/models dbt_project/tests dbt_project/macros queries

format: setup ## Apply ruff formatting and sqlfluff fixes
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
	$(RUN) sqlfluff fix dbt_project/models dbt_project/tests dbt_project/macros queries

airflow: setup ## Start the Airflow UI locally (standalone, http://localhost:8080)
	$(RUN) python -m evalwh.orchestrate prepare
	$(RUN) airflow standalone

docs: setup ## Build the dbt docs site into warehouse/dbt_docs
	$(RUN) python -m evalwh.orchestrate docs

clean: ## Remove the local warehouse and Airflow state (raw/ is kept)
	rm -rf warehouse airflow_home dbt_project/target dbt_project/logs
