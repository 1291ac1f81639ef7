# pycopia-www: the only entry points a user needs.
#   make run        set everything up and serve the demo site in the foreground
#                   (http://127.0.0.1:8080/ and https://127.0.0.1:8443/; PORT=, TLS_PORT=)
#   make dev        the same, restarting a backend whenever its code changes (SITE=DIR for yours)
#   make test       set everything up and run the whole test suite
#   make bench      run the benchmarks against their peers and print ratios
#   make wheels     build every Python dependency as a wheel, in build/wheels (a build machine)
#   make install    install the framework, a site and a venv from those wheels (docs/install.md)
#   make uninstall  remove what install added (never configuration, state or logs)
#   make soak       the demo under load and chaos for SOAK_MINUTES (10) minutes (as root; not in CI)
#   make screenshots  regenerate docs/screenshots/ from the demo (as root)
SHELL := /bin/bash
PORT ?= 8080
# HTTPS beside it: 8443 for 8080, and as far above any other PORT.
TLS_PORT ?= $(shell echo $$(( $(PORT) + 363 )))
# The site `make run` serves and `make install` installs: the demo (demo/etc/farm.toml,
# demo/etc/backends.d, demo/handlers, ...), or SITE=DIR.
SITE ?= demo
FARM := $(abspath $(SITE))/etc/farm.toml
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

# What an installed farm needs on its box (no compiler, no network: docs/install.md); what a
# build machine needs to make the wheels (python-prctl compiles); what a checkout runs with;
# and what the tests and benchmarks need on top.
TARGET_PACKAGES := python3 lighttpd lighttpd-mod-openssl lighttpd-modules-lua openssl
BUILD_PACKAGES := python3-venv python3-dev gcc libcap-dev
RUN_PACKAGES := $(TARGET_PACKAGES) $(BUILD_PACKAGES)
# default-jre-headless runs the Nu Html Checker (vnu.jar); nodejs (with npm) runs jayson and
# installs both from tests/js/package-lock.json; strace counts a worker's writes; curl and
# systemd (systemd-analyze) check an installed farm;
# postgresql: the data tests start a server of their own (tests/pgserver.py), never the system one.
TEST_PACKAGES := $(RUN_PACKAGES) w3c-sgml-lib chromium chromium-driver procps strace default-jre-headless nodejs curl systemd postgresql
# The outside tools the tests run that come from npm (jayson, vnu-jar).
TEST_JS := tests/js
BENCH_PACKAGES := $(TEST_PACKAGES) wrk uwsgi-core uwsgi-plugin-python3

# The installed layout; every directory can be overridden, DESTDIR is put in front of each
# while writing (a package's or a firmware image's root).
PREFIX ?= /opt/pycopia-www
SYSCONFDIR ?= /etc/pycopia-www
LOCALSTATEDIR ?= /var/lib/pycopia-www
LOGDIR ?= /var/log/pycopia-www
RUNSTATEDIR ?= /run/pycopia-www
UNITDIR ?= /etc/systemd/system
INITDIR ?= /etc/init.d
# The address an installed farm listens on (the site's farm.toml is kept if LISTEN is empty).
LISTEN ?= 0.0.0.0
DESTDIR ?=
WHEELS ?= build/wheels
# pip itself, run from its wheel by the installer: Debian's (python3-venv brings it).
PIP_WHEEL = $(firstword $(wildcard /usr/share/python-wheels/pip-*.whl))

.PHONY: run dev test test-tools bench soak setup venv bytecode wheels install uninstall clean screenshots

$(BIN)/.installed: pyproject.toml
	@scripts/system-packages $(RUN_PACKAGES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

# The checkout's own virtual environment (editable, with the test tools).
venv: $(BIN)/.installed

# Byte-code the backends' users can read (they cannot write into the checkout).
bytecode: venv
	@$(BIN)/python scripts/byte-compile

setup: bytecode
	$(BIN)/websitectl --farm $(FARM) setup

run: setup
	exec $(BIN)/websitectl --farm $(FARM) start --foreground --port $(PORT) --tls-port $(TLS_PORT)

# The development loop: a backend restarts when one of its files changes (docs/farm.md).
dev: setup
	exec $(BIN)/websitectl --farm $(FARM) start --foreground --reload --port $(PORT) --tls-port $(TLS_PORT)

test: bytecode
	@scripts/system-packages $(TEST_PACKAGES)
	@$(MAKE) --no-print-directory test-tools
	$(BIN)/python -m pytest

# Every wheel an installed farm needs, built here (python-prctl is compiled, the rest comes as
# it is on PyPI), pinned by pyproject.toml; rebuilt when the framework changes.
$(WHEELS)/.built: pyproject.toml $(shell find pycopia_www -type f -not -name '*.pyc')
	@$(MAKE) --no-print-directory venv
	@scripts/system-packages $(BUILD_PACKAGES)
	@test -n "$(PIP_WHEEL)" || { echo "no pip wheel in /usr/share/python-wheels (python3-venv)" >&2; exit 1; }
	rm -rf $(WHEELS) build/lib
	$(BIN)/pip wheel -q --disable-pip-version-check --use-pep517 --wheel-dir $(WHEELS) .
	cp $(PIP_WHEEL) $(WHEELS)/
	@touch $@

wheels: $(WHEELS)/.built

install: wheels
	@test -n "$(DESTDIR)" || scripts/system-packages $(TARGET_PACKAGES)
	$(PYTHON) scripts/install.py install --destdir "$(DESTDIR)" --prefix $(PREFIX) \
	    --sysconfdir $(SYSCONFDIR) --localstatedir $(LOCALSTATEDIR) --logdir $(LOGDIR) \
	    --runstatedir $(RUNSTATEDIR) --unitdir $(UNITDIR) --initdir $(INITDIR) \
	    --site $(SITE) --wheels $(WHEELS) --listen "$(LISTEN)"

uninstall:
	$(PYTHON) scripts/install.py uninstall --destdir "$(DESTDIR)" --prefix $(PREFIX)

screenshots: venv
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

bench: venv .venv-bench/.installed
	@scripts/system-packages $(BENCH_PACKAGES)
	.venv-bench/bin/python bench/run.py

# Bounded: SOAK_MINUTES (default 10). Prints `soak: requests=... failed=...` (bench/soak.py).
SOAK_MINUTES ?= 10
soak: venv
	@scripts/system-packages $(RUN_PACKAGES)
	$(BIN)/python bench/soak.py --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(VENV) var demo/var .pytest_cache build $(TEST_JS)/node_modules
