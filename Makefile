# The README's two commands (contract): `make plan` and `make test`. Each creates venv/ and installs
# exactly the set locked in uv.lock (tools/install.py: uv, bootstrapped into .tools/uv if need be;
# plain pip from the exported lock with PIP=1 or when uv cannot be had), so both work on a fresh
# machine with only Python 3.11 and make.
PYTHON ?= python3
STACK ?= dev
# Non-empty: install with pip instead of uv.
PIP ?=
# Non-empty: also run the tests marked slow (fresh clones, the pip fallback, README commands). CI
# sets CI=true, so CI runs them all.
SLOW ?= $(CI)
VENV := venv
BIN := $(VENV)/bin
INSTALL := $(PYTHON) tools/install.py --python $(PYTHON) $(if $(PIP),--pip)
PYTEST_SELECT := $(if $(SLOW),,-m "not slow")

.PHONY: plan test test-all lint types unit bench lock schema docs clean

$(VENV)/.runtime: pyproject.toml uv.lock
	$(INSTALL) runtime
	touch $@

$(VENV)/.dev: pyproject.toml uv.lock
	$(INSTALL) dev
	touch $@ $(VENV)/.runtime

plan: $(VENV)/.runtime
	$(BIN)/python -m tools plan --stack $(STACK)

# Lint, types and tests do not depend on one another: side by side (the machine has 2 cores), each
# one's output printed whole when it ends.
test: $(VENV)/.dev
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint types unit

# Everything CI runs, slow tests included.
test-all:
	$(MAKE) test SLOW=1

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.dev
	$(BIN)/pyright

unit: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_SELECT)

bench: $(VENV)/.dev
	$(BIN)/python -m bench

# After editing the dependencies in pyproject.toml: re-lock, and export the lock for the pip fallback.
lock:
	$(INSTALL) lock

# After changing the configuration model: regenerate the JSON Schema editors validate stack files with.
schema: $(VENV)/.runtime
	$(BIN)/python -m apim_oauth.config.schema > stacks/schema.json

# After changing the configuration model: regenerate the Default and Accepts columns of docs/configuration.md.
docs: $(VENV)/.runtime
	$(BIN)/python -m tools.config_reference docs/configuration.md

clean:
	rm -rf $(VENV) .tools
