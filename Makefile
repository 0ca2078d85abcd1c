# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install migrate demo bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: $(INSTALLED)
	$(BIN)/rgpd migrate

demo: migrate
	$(BIN)/rgpd demo

run: demo
	$(BIN)/rgpd serve --host $(HOST) --port $(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on SQLite, then again on PostgreSQL (required when CI=true, skipped with
# its reason elsewhere when no server answers on 127.0.0.1:5432).
test: lint
	$(BIN)/python -m pytest
	RGPD_TEST_DB=postgres $(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench_register.py

clean:
	rm -rf $(VENV) data .pytest_cache
