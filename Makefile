# Voxloop — `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export VOXLOOP_DATABASE_URL ?= sqlite:///var/voxloop.db

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/voxloop: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/voxloop node_modules/.installed ## install Python and front-end packages into .venv and node_modules

chromium: ## install Debian's Chromium for the browser test (when missing)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

cjkfont: ## install a TrueType CJK font for Chinese in PDF reports (when missing)
	@test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null)

migrate: install ## create or upgrade the database schema
	$(BIN)/voxloop migrate

demo: migrate ## load the Cloudhill Hotels demo organization
	$(BIN)/voxloop demo

run: demo cjkfont ## set everything up and start Voxloop on SQLite with demo data at http://127.0.0.1:8000
	@echo "Voxloop: http://$(HOST):$(PORT)  — sign in as admin@cloudhill.example / voxloop-demo"
	$(BIN)/voxloop serve --host $(HOST) --port $(PORT)

mailserver: ## install Debian's Dovecot IMAP server for the email-intake tests (when missing)
	@command -v dovecot >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null)

# Browser tests and the end-to-end scenarios (which serve the demo on SQLite as `make run`
# does) run once, in the SQLite pass; the other passes test the databases and brokers.
ONCE := --ignore-glob='*browser*' --ignore=tests/e2e
SCALED := $(ONCE) -m "not inprocess"
# PostgreSQL is tested whole in the scaled pass; in embedded mode (no broker) the tests of the
# in-process executor run on it too.
EMBEDDED := $(ONCE) -m inprocess
# The whole suite runs through Celery once, on Redis; on RabbitMQ, the second transport, the
# tests of the relay, the workers, the scheduler and outages (tests/jobs) do.
TRANSPORT := tests/jobs -m "not inprocess"

test: install chromium mailserver cjkfont ## the suite on SQLite and in scaled mode (PostgreSQL + Redis; the in-process executor on PostgreSQL; the job tests on RabbitMQ), the kill -9 fault scripts, schemathesis and the web-form fuzzer
	$(BIN)/ruff check src tests bench faults
	$(BIN)/ruff format --check src tests bench faults
	$(BIN)/mypy src/voxloop
	VOXLOOP_TEST_DATABASE=sqlite $(BIN)/pytest
	VOXLOOP_TEST_DATABASE=postgresql $(BIN)/pytest $(EMBEDDED)
	VOXLOOP_TEST_DATABASE=postgresql VOXLOOP_TEST_BROKER=redis://127.0.0.1:6379/5 $(BIN)/pytest $(SCALED)
	VOXLOOP_TEST_DATABASE=postgresql VOXLOOP_TEST_BROKER=amqp://guest:guest@127.0.0.1:5672// $(BIN)/pytest $(TRANSPORT)
	$(BIN)/python faults/server_kill.py
	$(BIN)/python faults/worker_kill.py
	$(BIN)/python faults/fuzz_api.py --seed 1
	$(BIN)/python faults/fuzz_forms.py --seed 1

faults: install ## every fault script, including those that stop this machine's Redis and restart its PostgreSQL
	$(BIN)/python faults/server_kill.py
	$(BIN)/python faults/worker_kill.py
	$(BIN)/python faults/worker_kill.py --broker amqp://guest:guest@127.0.0.1:5672//
	$(BIN)/python faults/broker_outage.py
	$(BIN)/python faults/postgres_restart.py
	$(BIN)/python faults/fuzz_api.py
	$(BIN)/python faults/fuzz_forms.py

lint: install ## ruff and mypy (strict); make test runs them too
	$(BIN)/ruff check src tests bench faults
	$(BIN)/ruff format --check src tests bench faults
	$(BIN)/mypy src/voxloop

wrk: ## install Debian's wrk load generator for the benchmarks (when missing)
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench: install wrk ## run the benchmarks in bench/ and print figures with their baselines
	VOXLOOP_EXECUTOR=none $(BIN)/python bench/intake.py
	VOXLOOP_EXECUTOR=none $(BIN)/python bench/intake.py --with-worker
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/commitments.py
	$(BIN)/python bench/surveys.py
	$(BIN)/python bench/text.py
	$(BIN)/python bench/encoder.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/load.py

audit: install ## check the installed Python packages against PyPI's and OSV's vulnerability data (needs those services)
	$(BIN)/pip-audit --strict --progress-spinner off

eval: install ## measure triage on the hand-written sets in eval/ (held-out halves) and the models across corpora
	$(BIN)/voxloop text eval eval
	$(BIN)/python -c "from voxloop.text import training; training.evaluate()"

models: install ## retrain the default text models on ../shared/data and rewrite their model card; the learned safety and type heads on eval/
	$(BIN)/voxloop text train
	$(BIN)/voxloop text train-heads

clean: ## remove the virtual environment, node_modules and local data
	rm -rf $(VENV) node_modules var

translations: install ## extract messages and update the zh_CN catalog (then translate the new entries)
	$(BIN)/pybabel extract -F babel.cfg -o src/voxloop/web/translations/messages.pot --no-location .
	$(BIN)/pybabel update -i src/voxloop/web/translations/messages.pot -d src/voxloop/web/translations -l zh_CN --no-fuzzy-matching

.PHONY: help install chromium mailserver cjkfont wrk migrate demo run test faults lint bench audit eval models clean translations
