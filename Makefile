# pycopia-www: the only entry points a user needs.
#   make run    set everything up and serve the demo site in the foreground (PORT=8080)
#   make test   set everything up and run the whole test suite
#   make bench  run the benchmarks against their peers and print ratios
#   make soak   the demo under load and chaos for SOAK_MINUTES (10) minutes (as root; not in CI)
#   make screenshots  regenerate docs/screenshots/ from the demo (as root)
SHELL := /bin/bash
PORT ?= 8080
# The site `make run` serves: the demo (demo/etc/farm.toml and demo/etc/backends.d).
SITE ?= demo
FARM := $(CURDIR)/$(SITE)/etc/farm.toml
PYTHON := /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
# The first admin's password: ADMIN_PASSWORD_FILE=path (its first line) or ADMIN_PASSWORD in the
# environment; without either `websitectl setup` generates one and prints it once. Never on make's
# command line, where every local user can read it (ps).
ifeq ($(origin ADMIN_PASSWORD),command line)
$(error do not put ADMIN_PASSWORD on the command line (ps shows it to everyone): use ADMIN_PASSWORD_FILE=path make run, or export it)
endif
export ADMIN_PASSWORD ADMIN_PASSWORD_FILE

# What the farm needs to run, and what the tests and benchmarks need on top.
RUN_PACKAGES := lighttpd lighttpd-modules-lua python3-venv python3-dev gcc libcap-dev
# default-jre-headless runs the Nu Html Checker (vnu.jar); nodejs (with npm) runs jayson and
# installs both from tests/js/package-lock.json; strace counts a worker's writes;
# postgresql: the data tests start a server of their own (tests/pgserver.py), never the system one.
TEST_PACKAGES := $(RUN_PACKAGES) w3c-sgml-lib chromium chromium-driver procps strace default-jre-headless nodejs postgresql
# The outside tools the tests run that come from npm (jayson, vnu-jar).
TEST_JS := tests/js
BENCH_PACKAGES := $(TEST_PACKAGES) wrk uwsgi-core uwsgi-plugin-python3

.PHONY: run test test-tools bench soak setup install clean screenshots

$(BIN)/.installed: pyproject.toml
	@scripts/system-packages $(RUN_PACKAGES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/.installed

setup: install
	$(BIN)/websitectl --farm $(FARM) setup

run: setup
	exec $(BIN)/websitectl --farm $(FARM) start --foreground --port $(PORT)

test: install
	@scripts/system-packages $(TEST_PACKAGES)
	@$(MAKE) --no-print-directory test-tools
	$(BIN)/python -m pytest

screenshots: install
	@scripts/system-packages $(TEST_PACKAGES)
	$(BIN)/python scripts/screenshots

# Exactly what package-lock.json records; no install scripts (vnu-jar's would fetch a Java of its
# own: the tests run vnu.jar with Debian's).
test-tools: $(TEST_JS)/node_modules/.installed
$(TEST_JS)/node_modules/.installed: $(TEST_JS)/package.json $(TEST_JS)/package-lock.json
	cd $(TEST_JS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The benchmark peers live in their own venv so they never leak into the farm's.
.venv-bench/.installed: pyproject.toml
	@test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q --disable-pip-version-check -e '.[bench]'
	@touch $@

bench: install .venv-bench/.installed
	@scripts/system-packages $(BENCH_PACKAGES)
	.venv-bench/bin/python bench/run.py

# Bounded: SOAK_MINUTES (default 10). Prints `soak: requests=... failed=...` (bench/soak.py).
SOAK_MINUTES ?= 10
soak: install
	@scripts/system-packages $(RUN_PACKAGES)
	$(BIN)/python bench/soak.py --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(VENV) var demo/var .pytest_cache $(TEST_JS)/node_modules
