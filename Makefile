# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install lock migrate demo bench clean system-deps system-test-deps apt-packages

# Installs come from requirements.lock: every package, direct and transitive (pip and the
# setuptools that builds the project included), pinned with its hashes. The project itself is
# then installed editable from what is already there: --no-index makes a requirement of
# pyproject.toml (runtime or test extra) that the lock does not satisfy an error, not a download.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-index --no-build-isolation -e ".[test]" \
		|| { echo "if a requirement was not found: requirements.lock is behind pyproject.toml," \
		     "run make lock LOCK_UPGRADE=" >&2; exit 1; }
	touch $(INSTALLED)

install: $(INSTALLED)

# The upgrade command: resolves pyproject.toml (runtime and test extra) again to the newest
# allowed versions and rewrites requirements.lock; then `make test` and commit both files.
# `make lock LOCK_UPGRADE=` keeps the current pins and only resolves what changed (a new
# dependency). Needs the network, and uv (pinned here), which the install does not.
UV_VERSION := 0.13.9
LOCK_UPGRADE ?= --upgrade
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	printf 'pip\nsetuptools>=68\n' | $(BIN)/uv pip compile pyproject.toml - --extra test \
		--generate-hashes $(LOCK_UPGRADE) --python $(BIN)/python \
		--custom-compile-command "make lock" --quiet --output-file requirements.lock

migrate: $(INSTALLED)
	$(BIN)/rgpd migrate

demo: migrate
	$(BIN)/rgpd demo

run: system-deps demo
	$(BIN)/rgpd serve --host $(HOST) --port $(PORT)

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]): the layers
# api -> breach -> register -> core, the command line's modules, no new import cycle.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# The suite on SQLite, then what depends on the engine again on PostgreSQL (required when
# CI=true, skipped with its reason elsewhere when no server answers on 127.0.0.1:5432); one
# process per core (pytest-xdist), a test file's tests in the same process.
PYTEST := $(BIN)/python -m pytest -n auto --dist loadfile --durations=15
test: system-test-deps lint
	$(PYTEST)
	RGPD_TEST_DB=postgres $(PYTEST)

# Debian packages the project uses outside Python: WeasyPrint's Pango and a font with French
# accents (PDF exports); for the tests, pdftotext (the independent PDF reader) and Chromium
# (the page tests). Needs root; installs only what is missing.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
SYSTEM_TEST_PACKAGES := poppler-utils chromium nginx-light curl openssl systemd
system-deps:
	@$(MAKE) --no-print-directory apt-packages PACKAGES="$(SYSTEM_PACKAGES)"

system-test-deps:
	@$(MAKE) --no-print-directory apt-packages PACKAGES="$(SYSTEM_PACKAGES) $(SYSTEM_TEST_PACKAGES)"

apt-packages:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		if [ "$$(id -u)" != 0 ]; then \
			echo "not root: install them with sudo apt-get install $$missing" >&2; \
			[ "$${CI:-}" = true ] && exit 1; exit 0; \
		fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench_register.py

clean:
	rm -rf $(VENV) data .pytest_cache
