# Two set-up commands on a fresh machine (Python 3.11+ and make):
#   make serve   installs everything into .venv and starts the service on http://127.0.0.1:8000
#   make test    installs everything (Python packages into .venv; Chromium, Virtuoso and Jena with apt-get when root;
#                Comunica with npm into tests/clients/js) and runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/newskg serve

test: $(STAMP)
	bash .ci/system-packages
	bash .ci/node-clients
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache
