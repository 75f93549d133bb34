# The two commands: `make up` starts the whole platform, `make test` runs every test.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
# The declared services' packages (entry points appeals.services), read when a recipe runs.
DECLARED = $(UV) run --frozen python -m services declared package

.PHONY: up down status prerequisites install test lint typecheck schemas unit usecases integration bench \
	bench-pipeline bench-sla

up: prerequisites install ## Provision Kafka + PostgreSQL, migrate, load the demo city, start every service
	deploy/local/platform.sh up

down: ## Stop the services, Kafka and PostgreSQL started by `make up`
	deploy/local/platform.sh down

status:
	deploy/local/platform.sh status

prerequisites: ## Install what is missing: JDK, Maven, PostgreSQL server, curl, make, uv
	deploy/local/prerequisites.sh

install: ## Install uv if missing, then the workspace (locked versions)
	@command -v $(UV) >/dev/null 2>&1 || deploy/local/prerequisites.sh uv
	$(UV) sync --frozen --all-packages

test: prerequisites install lint typecheck schemas unit usecases integration ## Everything CI runs

lint:
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck:
	packages=$$($(DECLARED)) && $(UV) run --frozen mypy -p contracts -p services \
		$$(printf -- '-p %s ' $$packages) -p tests
	$(UV) run --frozen mypy bench/router_bench.py bench/idle_bench.py bench/pipeline_bench.py \
		bench/sla_bench.py

schemas: ## Fail if the checked-in JSON Schemas, AsyncAPI, OpenAPI or Kubernetes files are stale
	$(UV) run --frozen python -m contracts.generate --check
	$(UV) run --frozen python -m services manifests --check
	packages=$$($(DECLARED)) && for package in $$packages; do \
		$(UV) run --frozen python -m $$package openapi --check || exit 1; done

unit:
	$(UV) run --frozen pytest tests/unit -q

usecases: ## Services in one process over the in-memory broker, real PostgreSQL (fast)
	$(UV) run --frozen pytest tests/usecases -q -p no:cacheprovider

integration: ## Against real Kafka and PostgreSQL (started by the fixtures unless given)
	$(UV) run --frozen pytest tests/integration -q -p no:cacheprovider

bench: install ## Benchmarks (figures printed, never asserted)
	$(UV) run --frozen python bench/router_bench.py
	$(UV) run --frozen python -m bench.idle_bench

bench-pipeline: install ## The whole pipeline at rising fixed rates (takes the machine a few minutes)
	$(UV) run --frozen python -m bench.pipeline_bench $(ARGS)

bench-sla: install ## A million open deadlines: load, one tick vs a naive scan, a burst's firing lag, RSS
	$(UV) run --frozen python -m bench.sla_bench $(ARGS)
