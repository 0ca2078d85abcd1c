# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install migrate demo bench clean system-deps

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

run: system-deps demo
	$(BIN)/rgpd serve --host $(HOST) --port $(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on SQLite, then again on PostgreSQL (required when CI=true, skipped with
# its reason elsewhere when no server answers on 127.0.0.1:5432).
test: system-deps lint
	$(BIN)/python -m pytest
	RGPD_TEST_DB=postgres $(BIN)/python -m pytest

# Debian packages the project uses outside Python: WeasyPrint's Pango and a font with French
# accents (PDF exports), and pdftotext, the independent PDF reader of the export tests.
# Needs root; installs only what is missing.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		[ "$$(id -u)" = 0 ] || { echo "run as root: sudo make system-deps" >&2; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench_register.py

clean:
	rm -rf $(VENV) data .pytest_cache
