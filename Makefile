# tinhso — two commands: `make run` (set up and start the demo) and `make test` (set up and test).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := frontend/dist
export TINHSO_VAR_DIR ?= $(CURDIR)/var

.DEFAULT_GOAL := help
.PHONY: help setup run test test-fast lint format bench demo clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

$(VENDOR)/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp frontend/node_modules/swagger-ui-dist/swagger-ui-bundle.js frontend/node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/
	cp frontend/node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp frontend/node_modules/htmx-ext-sse/dist/sse.min.js $(VENDOR)/htmx-sse.min.js
	touch $@

setup: $(STAMP) $(VENDOR)/.installed ## create .venv, install, fetch front-end packages, migrate (idempotent)
	$(BIN)/tinhso db upgrade

demo: setup ## load the national register and build the demo province (Lai Châu)
	$(BIN)/tinhso units load
	$(BIN)/tinhso demo

run: demo ## set up, build the demo and start the server on 127.0.0.1:8000
	@echo "Mở http://127.0.0.1:8000 — đăng nhập bằng một tài khoản mẫu ở trên (ví dụ admin / TinhSo@2025)."
	$(BIN)/tinhso serve

test: $(STAMP) $(VENDOR)/.installed ## set up and run the whole suite (PostgreSQL too when TINHSO_TEST_PG_URL is set)
	bash scripts/ensure-system-packages.sh
	$(BIN)/pytest -q

test-fast: $(STAMP) ## the suite without the browser and the full-register tests
	$(BIN)/pytest -q -m "not browser and not slow"

lint: $(STAMP) ## ruff and mypy --strict
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy

format: $(STAMP) ## format the code
	$(BIN)/ruff format src tests scripts
	$(BIN)/ruff check --fix src tests scripts

bench: setup ## run the benchmarks in bench/ (figures go to bench/RESULTS.md)
	$(BIN)/pip install -q -e ".[bench]"
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/*.py; do $(BIN)/python $$b; done || echo "no benchmark yet"

clean: ## remove the local database and caches (keeps .venv)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache test-artifacts
