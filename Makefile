# The two commands: `make up` starts the whole platform, `make test` runs every test.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PACKAGES := -p contracts -p services -p intake -p router -p executor_gateway -p tests

.PHONY: up down status install test lint typecheck schemas unit integration bench

up: install ## Provision Kafka + PostgreSQL, migrate, load the demo city, start every service
	deploy/local/platform.sh up

down: ## Stop the services, Kafka and PostgreSQL started by `make up`
	deploy/local/platform.sh down

status:
	deploy/local/platform.sh status

install: ## Install uv if missing, then the workspace (locked versions)
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen

test: install lint typecheck schemas unit integration ## Everything CI runs

lint:
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck:
	$(UV) run --frozen mypy $(PACKAGES)
	$(UV) run --frozen mypy bench/router_bench.py

schemas: ## Fail if the checked-in JSON Schemas, AsyncAPI or OpenAPI documents are stale
	$(UV) run --frozen python -m contracts.generate --check
	for service in intake router executor_gateway; do $(UV) run --frozen python -m $$service openapi --check || exit 1; done

unit:
	$(UV) run --frozen pytest tests/unit -q

integration: ## Against real Kafka and PostgreSQL (started by the fixtures unless given)
	$(UV) run --frozen pytest tests/integration -q -p no:cacheprovider

bench: install ## Benchmarks (figures printed, never asserted)
	$(UV) run --frozen python bench/router_bench.py
