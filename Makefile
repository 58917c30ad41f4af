# The two commands: `make demo` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test bench lint stop services clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install ecom-ai with the demo and dev extras (idempotent)

demo: $(STAMP)  ## run the demo shop with everything; Ctrl-C stops it all
	PORT=$(PORT) $(PY) -m demo_shop.launcher

test: $(STAMP)  ## run the whole test suite against real Postgres+pgvector and Redis/Valkey
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)  ## every benchmark in bench/, one JSON line each
	@for b in bench/*.py; do $(PY) $$b $(BENCH_ARGS) || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check ecom_ai demo_shop tests bench

services: $(STAMP)  ## start the embedded PostgreSQL and Valkey and print their URLs
	$(PY) -m ecom_ai.embedded start var

stop: $(STAMP)  ## stop the embedded servers
	$(PY) -m ecom_ai.embedded stop var

clean: stop
	rm -rf var
