# Health Hub Hotline. `make run` sets everything up and starts the hotline; `make test` sets
# everything up and runs every test. Both work on a fresh clone.

SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa reports usage to third parties (Segment, Sentry) unless told not to; a line that talks
# with people who use drugs does not. Set RASA_TELEMETRY_ENABLED=true in the shell to opt in.
export RASA_TELEMETRY_ENABLED ?= false
PYTHON_VERSION := $(shell cat .python-version)
RASA_DATA := data/nlu data/rules data/stories
TRAINING_FILES := $(shell find $(RASA_DATA) -name '*.yml') domain.yml config.yml
MODEL := models/hub.tar.gz

.PHONY: run test lint eval setup install lock migrate directory model validate clean test-tools browser

# TensorFlow, Rasa and their dependencies print pages of deprecation warnings at start-up,
# which hide the log lines an operator needs.
run: export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning

run: setup
	@echo
	@echo "Health Hub Hotline is starting: Rasa on :5005, actions on :5055, the outbox worker, and the console on :$${HUB_CONSOLE_PORT:-5006} (docs/console.md)."
	@echo "When Rasa says it is up (about 30 s), text it from another terminal:"
	@echo "    $(VENV)/bin/hub sms --from +12065550142 \"where can I get narcan near 98104\""
	@echo "Outbound messages: $(VENV)/bin/hub outbox    Stop: Ctrl-C"
	@$(BIN)/hub model check --model $(MODEL)
	@$(BIN)/hub roster demo
	@$(BIN)/hub simulator
	@echo
	honcho start -f Procfile $$($(BIN)/hub processes)

# The production-configuration tests use the PostgreSQL and Redis servers named here (this
# machine kind runs both on localhost); where none answers, those tests skip and say why.
test: export HUB_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
test: export HUB_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

# pytest exits 5 when it collects no test at all; say so rather than fail obscurely. The lint runs
# first: it takes seconds, the model training and the tests take minutes.
test: lint setup test-tools
	@$(BIN)/python -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests"; fi; exit $$status

# Style and pyflakes (ruff), types (mypy on bot/ and actions/), and the layers' import contracts
# (import-linter); each is configured in pyproject.toml.
lint: install
	$(BIN)/ruff check bot actions tests bench migrations tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# The held-out NLU sets (tests/nlu_holdout*.yml, never trained on): intent and entity reports in
# results/holdout, results/holdout_2 and results/holdout_3; the training data's own test folds of a
# FOLDS-fold cross-validation in results/holdout_cv (FOLDS trainings of the NLU pipeline, about
# 2 minutes each here: never in `make test`); a summary of all against the targets, then every
# emergency message of the sets through the real webhook (911 first).
FOLDS := 5

eval: setup
	$(BIN)/rasa test nlu --nlu tests/nlu_holdout.yml --model $(MODEL) --out results/holdout --successes
	$(BIN)/rasa test nlu --nlu tests/nlu_holdout_2.yml --model $(MODEL) --out results/holdout_2 --successes
	$(BIN)/rasa test nlu --nlu tests/nlu_holdout_3.yml --model $(MODEL) --out results/holdout_3 --successes
	$(BIN)/rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds $(FOLDS) --out results/holdout_cv --successes
	$(BIN)/python bench/nlu_holdout.py results/holdout results/holdout_2 results/holdout_3 results/holdout_cv
	$(BIN)/python -m pytest -q tests/e2e/test_community_conversations.py -k held_out

setup: install .env migrate directory model

install: $(VENV)/.installed

# The Twilio API mock (Stoplight Prism, from the npm registry) for the transport tests; those
# tests skip, saying why, where npm is missing.
test-tools: tools/node_modules/.installed browser

# The simulator's browser test drives Debian's Chromium through Playwright (the test extra);
# Playwright's own browser download is never used (no `playwright install`). CI runs as root;
# elsewhere the test skips, saying why, until Chromium is installed.
CHROMIUM := /usr/bin/chromium

browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else echo "$(CHROMIUM) not found: the simulator's browser test will be skipped (sudo apt-get install chromium)"; fi

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tools --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Twilio mock tests will be skipped"; fi

# The line runs on Python 3.11 (.python-version; pyenv's shim or the system's python3.11), although
# Rasa 3.6.21 declares Python below 3.11: pip installs it with --ignore-requires-python, and
# overrides.txt says which of Rasa's pins are replaced and why (docs/deployment.md, "Python"). A
# .venv of another Python is made anew. The packages are the locked ones, each checked against its
# hash, and nothing else is resolved (--no-deps): the development lock is the runtime lock
# (requirements.txt, what the image installs) plus the test tools and honcho. multidict 5.2.0 has no
# cp311 wheel: it is built from its source, C extension included, which needs a C compiler (as
# pyenv's own builds do; the image installs one for that step only). Without the extension the
# hotline's turn was 1.37x slower (bench/RESULTS.md, "Python 3.11"). pip check fails on any
# conflict but the ones overrides.txt names.
# `make lock` remakes both lock files after a change to pyproject.toml or overrides.txt.
PYTHON := python$(basename $(PYTHON_VERSION))
PIP_INSTALL_FLAGS := --require-hashes --no-deps --ignore-requires-python

$(VENV)/.installed: requirements-dev.txt pyproject.toml .python-version overrides.txt tools/pip_check.py
	@$(PYTHON) -c "" 2>/dev/null || { echo "Python $(PYTHON_VERSION) is needed as $(PYTHON) (pyenv install $(PYTHON_VERSION))"; exit 1; }
	$(BIN)/python -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$(basename $(PYTHON_VERSION))'.split('.'))))" 2>/dev/null \
		|| { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.0"
	$(BIN)/python -m pip install --quiet $(PIP_INSTALL_FLAGS) -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python tools/pip_check.py
	touch $@

# The lock files, for Python 3.11 on Linux x86_64 (CI, the image, the developers' machines), made by
# uv in a virtual environment of its own, with the versions of overrides.txt in place of Rasa's
# (each line there says why). uv keeps every version already locked unless pyproject.toml
# asks for another; `make lock LOCK_FLAGS=--upgrade` moves everything to the newest allowed.
LOCK_VENV := .venv-lock
UV_VERSION := 0.13.9
LOCK_FLAGS :=
LOCK := $(LOCK_VENV)/bin/uv pip compile pyproject.toml --python-version $(basename $(PYTHON_VERSION)) --python-platform x86_64-unknown-linux-gnu \
	--override overrides.txt --generate-hashes --custom-compile-command "make lock" $(LOCK_FLAGS)

lock:
	test -x $(LOCK_VENV)/bin/uv || { python$(basename $(PYTHON_VERSION)) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet "uv==$(UV_VERSION)"; }
	$(LOCK) -o requirements.txt
	$(LOCK) --extra test --extra dev -c requirements.txt -o requirements-dev.txt

.env: | install
	$(BIN)/hub env init

migrate: install .env
	$(BIN)/hub db upgrade

# Idempotent: importing the same package again updates in place.
directory: migrate
	$(BIN)/hub directory import data/directory

validate: install
	$(BIN)/rasa data validate --data $(RASA_DATA) --fail-on-warnings

model: $(MODEL)

$(MODEL): $(TRAINING_FILES) | install
	$(BIN)/rasa data validate --data $(RASA_DATA)
	$(BIN)/rasa train --data $(RASA_DATA) --fixed-model-name hub --out models
	$(BIN)/hub model record --model $@
	touch $@

clean:
	rm -rf models var .rasa .pytest_cache results
