# Frontdesk: one Makefile for set-up, the local stack and every test tier.
# `make up` and `make test` do all the set-up on a fresh machine (see README.md).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := contracts libs/kit tools/devmail tools/devstack
DEV_TOOLS := pytest pytest-asyncio ruff mypy httpx
STAMP := $(VENV)/.installed
DEVSTACK := $(PY) -m frontdesk_devstack

.PHONY: help venv up down status infra-up infra-down test test-unit test-integration lint typecheck bench clean

help:
	@echo "make up       install everything, start Kafka, PostgreSQL, the mail inbox and the services"
	@echo "make test     the whole suite (unit + integration) against the real local servers"
	@echo "make down     stop exactly what make up started"
	@echo "make status   what is running, and where"

venv: $(STAMP)

$(STAMP): constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt $(foreach p,$(PACKAGES),-e ./$(p)) $(DEV_TOOLS)
	@touch $(STAMP)

infra-up: venv
	$(DEVSTACK) up

infra-down:
	@if [ -x $(PY) ]; then $(DEVSTACK) down; fi

up: infra-up
	@$(DEVSTACK) status

down: infra-down

status: venv
	@$(DEVSTACK) status

test-unit: venv
	$(PY) -m pytest contracts/tests libs/kit/tests tools/devmail/tests

test-integration: infra-up
	$(PY) -m pytest tests/integration

test: test-unit test-integration

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: venv
	$(PY) -m mypy contracts/src libs/kit/src

bench: infra-up
	$(PY) -m frontdesk_devstack.bench

clean: down
	rm -rf .local $(VENV)
